"""Jinja2 templates shared by every router: the base layout and a loader that routers extend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ethicompass.server._csrf import csrf_token

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def make_environment(extra_dirs: list[Path]) -> jinja2.Environment:
    """A Jinja2 environment over the server's templates and each router's own directory."""
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(TEMPLATES))] + [jinja2.FileSystemLoader(str(d)) for d in extra_dirs]
    )
    env = jinja2.Environment(
        loader=loader, autoescape=jinja2.select_autoescape(["html", "xml"]), auto_reload=False
    )
    return env


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a template (which should extend ``base.html``) with ``request`` and ``csrf_token`` in scope."""
    env: jinja2.Environment = request.app.state.jinja
    data = {"request": request, "csrf_token": csrf_token(request), **(context or {})}
    return HTMLResponse(env.get_template(name).render(data), status_code=status_code)
