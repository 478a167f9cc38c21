"""API documentation served offline: Swagger UI from the ``fastapi-offline`` package, under our CSP.

FastAPI's own docs page loads Swagger UI from a CDN and starts it with an inline script: our
Content-Security-Policy (scripts and styles from this server only) blocks both, and hospitals run
offline anyway. Here ``/api/v1/docs`` is a static page whose script and stylesheet come from this
server: Swagger UI's files as shipped in the ``fastapi-offline`` wheel (Swagger UI is Apache-2.0,
fastapi-offline MIT) and a small start script of ours. ``/docs`` redirects to it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ethicompass.errors import NotFoundError

__all__ = ["DOCS_CSP", "router"]

router = APIRouter(include_in_schema=False)

#: Exactly what the docs page needs: its script and stylesheet from this server, the spec fetched from
#: this server, Swagger UI's inline SVG icons; nothing inline, nothing from elsewhere.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_START = """window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ethicompass API documentation</title>
  <link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" aria-label="ethicompass API documentation"></main>
  <script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/v1/docs/assets/start.js"></script>
</body>
</html>
"""

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")


@cache
def _package_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).with_name("static")


@cache
def _asset(name: str) -> bytes:
    if name == "start.js":
        return _START.encode()
    if name not in _ASSETS:
        raise NotFoundError(f"no documentation asset {name!r}", hint="open /api/v1/docs")
    return (_package_dir() / name).read_bytes()


@router.get("/docs")
def docs_redirect() -> RedirectResponse:
    """``/docs``: the API documentation lives at ``/api/v1/docs``."""
    return RedirectResponse("/api/v1/docs", status_code=307)


@router.get("/api/v1/docs")
def docs_page() -> HTMLResponse:
    """Swagger UI over ``/api/v1/openapi.json``, every file from this server."""
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/api/v1/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files (from the fastapi-offline package) or the page's start script."""
    body = _asset(name)
    kind = _TYPES[Path(name).suffix]
    return Response(body, media_type=kind, headers={"Cache-Control": "public, max-age=86400"})
