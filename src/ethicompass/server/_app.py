"""``create_app(store, settings=...)``: the FastAPI application, its middleware and its routers.

Routers live in ``ethicompass.server.routers.<name>``, each exposing ``router`` (an
``APIRouter``) and optionally ``TEMPLATES`` (a directory added to the Jinja2 loader). The app
includes every module named in :data:`ROUTER_MODULES` that exists, so a domain adds its pages
and API by adding one module and one name. Every request is audited (route template, status,
role; never the path's values) before its response leaves, gets security headers, and a CSRF
cookie for its forms; a request body over ``ServerSettings.max_body_bytes`` is refused with a 413
before anything reads it (:class:`ethicompass.server._limits.BodyLimit`); the audit entries of concurrent requests are group-committed
(:class:`ethicompass.server._audit.AuditBatcher`).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ethicompass import __version__
from ethicompass.accounts import TokenVerifier, set_argon2_concurrency
from ethicompass.errors import AuditError, EthicompassError
from ethicompass.server._audit import AuditBatcher
from ethicompass.server._csrf import CSRF_COOKIE, csrf_nonce
from ethicompass.server._limits import UPLOAD_PATH, BodyLimit
from ethicompass.server._lockout import Throttle
from ethicompass.server._openapi import install_error_model
from ethicompass.server._settings import ServerSettings
from ethicompass.server._templating import STATIC, make_environment, render
from ethicompass.store import Store
from ethicompass.transparency import AuditLog

logger = logging.getLogger("ethicompass.server")
logger.addHandler(logging.NullHandler())

#: Router modules under ``ethicompass.server.routers``, included in this order when present.
ROUTER_MODULES = (
    "admin",
    "consent",
    "consent_upload",
    "portal",
    "training",
    "sites",
    "review",
    "staff",
    "docs",
)

#: Headers on every response: no sniffing or framing, a strict content policy, no referrer, HTTPS only.
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


_RAW_SECURITY_HEADERS = [
    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()
]


class _Guard:
    """Pure ASGI middleware: audits every request before its response leaves, adds security headers
    and the CSRF cookie. (Starlette's ``BaseHTTPMiddleware`` cost more than the request itself.)"""

    def __init__(self, app: ASGIApp, *, settings: ServerSettings, audit: AuditBatcher) -> None:
        self.app = app
        self.settings = settings
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        static = path.startswith("/static/")
        html = not static and not path.startswith("/api/")
        replaced = False

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if message["type"] != "http.response.start":
                if not replaced:
                    await send(message)
                return
            status = message["status"]
            route = scope.get("route")
            template = getattr(route, "path", None) or ("/static" if static else "unmatched")
            if self.settings.audit_requests and not static:
                user = scope.get("state", {}).get("user")
                try:
                    await self.audit.append(
                        action="http.request",
                        object_type="route",
                        object_id=f"{scope['method']} {template}",
                        actor=user.actor if user else "anonymous",
                        role=user.role if user else "anonymous",
                        params={"status": status},
                    )
                except AuditError as exc:
                    replaced = True
                    failure = JSONResponse(exc.to_dict(), status_code=500)
                    status = 500
                    message = {"type": "http.response.start", "status": 500, "headers": failure.raw_headers}
                    _add_headers(message, self._cookie(scope) if html else None)
                    await send(message)
                    await send({"type": "http.response.body", "body": failure.body, "more_body": False})
                    return
            _add_headers(message, self._cookie(scope) if html else None)
            if logger.isEnabledFor(logging.INFO):
                elapsed = (time.perf_counter() - started) * 1000
                logger.info("%s %s %s %.1fms", scope["method"], template, status, elapsed)
            await send(message)

        await self.app(scope, receive, guarded_send)

    def _cookie(self, scope: Scope) -> bytes | None:
        request = Request(scope)
        if CSRF_COOKIE in request.cookies:
            return None
        holder = Response()
        holder.set_cookie(
            CSRF_COOKIE,
            csrf_nonce(request),
            httponly=True,
            samesite="strict",
            secure=self.settings.secure_cookies,
            path="/",
        )
        return next(v for k, v in holder.raw_headers if k == b"set-cookie")


def _add_headers(message: Message, cookie: bytes | None) -> None:
    headers = message["headers"] = list(message.get("headers", ()))
    present = {bytes(k).lower() for k, _ in headers}
    headers.extend((k, v) for k, v in _RAW_SECURITY_HEADERS if k not in present)
    if cookie is not None:
        headers.append((b"set-cookie", cookie))


def _error_audience(request: Request) -> dict[str, Any]:
    """The layout (and its footer) and the way back for an error page, by the audience of the path."""
    path = request.url.path
    if path.startswith("/portal"):
        return {"layout": "portal/_layout.html", "back_href": "/portal", "back_text": "Back to your choices"}
    if path.startswith(("/staff", "/review", "/training")):
        return {"layout": "staff/_layout.html", "back_href": "/staff", "back_text": "Back to the staff home"}
    return {}


def _load_routers() -> list[Any]:
    modules = []
    for name in ROUTER_MODULES:
        full = f"ethicompass.server.routers.{name}"
        if importlib.util.find_spec(full) is not None:
            modules.append(importlib.import_module(full))
    return modules


def create_app(store: Store, /, *, settings: ServerSettings) -> FastAPI:
    """The ethicompass web application over an opened :class:`Store`.

    JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``, served
    offline), HTML pages (the start page at ``/``, the participant portal under ``/portal``, staff
    pages under ``/staff``, ``/review`` and ``/training``), static files under ``/static``.
    """
    app = FastAPI(
        title="ethicompass",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by routers/docs.py (assets from a package, allowed by the CSP)
        redoc_url=None,
    )
    modules = _load_routers()
    app.state.store = store
    app.state.settings = settings
    app.state.tokens = TokenVerifier(store, cache_seconds=settings.token_cache_seconds)
    set_argon2_concurrency(settings.argon2_concurrency)
    app.state.throttle = Throttle(
        store, free=settings.lockout_after, free_address=settings.lockout_after_address
    )
    app.state.signer = URLSafeTimedSerializer(settings.secret_key)
    app.state.audit = AuditLog(store)
    app.state.audit_writer = AuditBatcher(app.state.audit)
    extra = [Path(m.TEMPLATES) for m in modules if getattr(m, "TEMPLATES", None)]
    app.state.jinja = make_environment(extra)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in modules:
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def _root(request: Request) -> Response:
        return render(request, "start.html", {"title": "Welcome"})

    @app.exception_handler(EthicompassError)
    async def _error(request: Request, exc: EthicompassError) -> Response:
        status = exc.status if exc.status >= 400 else 500
        if request.url.path.startswith("/api/"):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(exc.to_dict(), status_code=status, headers=headers)
        return render(request, "error.html", {"error": exc} | _error_audience(request), status_code=status)

    install_error_model(app)
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, paths={UPLOAD_PATH: settings.max_upload_bytes}
    )  # inside _Guard: a 413 is audited too
    app.add_middleware(_Guard, settings=settings, audit=app.state.audit_writer)
    ticker = _CheckpointTicker(store)
    app.router.on_startup.append(ticker.start)
    app.router.on_shutdown.append(ticker.stop)
    return app


class _CheckpointTicker:
    """Signs a checkpoint of the log's new entries at least every cadence, while the server runs.

    Runs only when a signing key is configured (see ``transparency._witness``); otherwise the log's
    tail stays uncovered and ``audit verify`` says so.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from ethicompass.transparency import KEY_ENV, KEY_FILE_ENV

        if not (os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)):
            return
        self._thread = threading.Thread(target=self._run, name="ethicompass-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from ethicompass.transparency import cadence_seconds, checkpoint_if_grown

        period = max(1.0, cadence_seconds() / 2)
        while not self._stop.wait(period):
            try:
                checkpoint_if_grown(self.store)
            except EthicompassError:
                logger.exception("could not sign the periodic checkpoint; the next tick retries")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
