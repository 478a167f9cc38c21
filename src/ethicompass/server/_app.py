"""``create_app(store, settings=...)``: the FastAPI application, its middleware and its routers.

Routers live in ``ethicompass.server.routers.<name>``, each exposing ``router`` (an
``APIRouter``) and optionally ``TEMPLATES`` (a directory added to the Jinja2 loader). The app
includes every module named in :data:`ROUTER_MODULES` that exists, so a domain adds its pages
and API by adding one module and one name. Every request is audited (route template, status,
role; never the path's values), gets security headers, and a CSRF cookie for its forms.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from ethicompass import __version__
from ethicompass.errors import AuditError, EthicompassError
from ethicompass.server._auth import TokenVerifier
from ethicompass.server._csrf import CSRF_COOKIE, csrf_token
from ethicompass.server._settings import ServerSettings
from ethicompass.server._templating import STATIC, make_environment, render
from ethicompass.store import Store
from ethicompass.transparency import AuditLog

logger = logging.getLogger("ethicompass.server")
logger.addHandler(logging.NullHandler())

#: Router modules under ``ethicompass.server.routers``, included in this order when present.
ROUTER_MODULES = ("admin", "consent", "portal", "training", "review")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
}


_FIXED_PATHS = ("/api/v1/openapi.json", "/api/v1/docs", "/favicon.ico")


def _load_routers() -> list[Any]:
    modules = []
    for name in ROUTER_MODULES:
        full = f"ethicompass.server.routers.{name}"
        if importlib.util.find_spec(full) is not None:
            modules.append(importlib.import_module(full))
    return modules


def create_app(store: Store, /, *, settings: ServerSettings) -> FastAPI:
    """The ethicompass web application over an opened :class:`Store`.

    JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``),
    HTML pages (the participant portal under ``/portal``), static files under ``/static``.
    """
    app = FastAPI(
        title="ethicompass",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    modules = _load_routers()
    app.state.store = store
    app.state.settings = settings
    app.state.tokens = TokenVerifier(store, cache_seconds=settings.token_cache_seconds)
    app.state.signer = URLSafeTimedSerializer(settings.secret_key)
    app.state.audit = AuditLog(store)
    extra = [Path(m.TEMPLATES) for m in modules if getattr(m, "TEMPLATES", None)]
    app.state.jinja = make_environment(extra)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in modules:
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/portal", status_code=303)

    @app.exception_handler(EthicompassError)
    async def _error(request: Request, exc: EthicompassError) -> Response:
        status = exc.status if exc.status >= 400 else 500
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(exc.to_dict(), status_code=status, headers=headers)
        return render(request, "error.html", {"error": exc}, status_code=status)

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None) or (
            "/static" if request.url.path.startswith("/static/") else "unmatched"
        )
        user = getattr(request.state, "user", None)
        if settings.audit_requests and template != "/static":
            try:
                await run_in_threadpool(
                    app.state.audit.append,
                    action="http.request",
                    object_type="route",
                    object_id=f"{request.method} {template}",
                    actor=user.actor if user else "anonymous",
                    role=user.role if user else "anonymous",
                    params={"status": response.status_code},
                )
            except AuditError as exc:
                response = JSONResponse(exc.to_dict(), status_code=500)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if CSRF_COOKIE not in request.cookies and not request.url.path.startswith(("/api/", "/static/")):
            response.set_cookie(
                CSRF_COOKIE,
                csrf_token(request),
                httponly=True,
                samesite="strict",
                secure=settings.secure_cookies,
                path="/",
            )
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            template,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    return app
