"""Request-body limit: pure ASGI middleware that refuses a body over ``max_body_bytes`` with a 413.

It runs before routing, so before the body is parsed (JSON, forms) and before any token is checked:
a declared ``Content-Length`` over the limit is answered at once without reading a byte; a body
without one (chunked) is counted as it streams and cut off at the limit. The 413 is JSON that names
the limit and the fix. A path may have its own limit (``paths``): the streamed consent upload
(:data:`UPLOAD_PATH`) accepts files far larger than the general limit, and reads its body itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ethicompass.errors import PayloadTooLargeError

__all__ = ["UPLOAD_PATH", "BodyLimit", "too_large", "upload_too_large"]

#: The streamed consent import (``server/routers/consent_upload.py``), with its own, larger limit.
UPLOAD_PATH = "/api/v1/consent/import/upload"


def too_large(limit: int) -> PayloadTooLargeError:
    """The error for a body over ``limit`` bytes."""
    return PayloadTooLargeError(
        f"the request body is larger than this server accepts ({limit:,} bytes)",
        hint="send a smaller request (split a Bundle into several), send a large consent file as the body of "
        f"POST {UPLOAD_PATH} (or import it on the server with `ethicompass consent import FILE`), or raise "
        "ETHICOMPASS_SERVER_MAX_BODY on the server",
    )


def upload_too_large(limit: int) -> PayloadTooLargeError:
    """The error for an upload to :data:`UPLOAD_PATH` over ``limit`` bytes."""
    return PayloadTooLargeError(
        f"the upload is larger than this server accepts ({limit:,} bytes)",
        hint="split the file, raise ETHICOMPASS_SERVER_MAX_UPLOAD on the server, or import it on the server "
        "with `ethicompass consent import FILE`",
    )


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (``paths``: a limit per path) with a 413 before the
    application reads them."""

    def __init__(self, app: ASGIApp, *, limit: int, paths: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.paths = dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit, scope["path"])
            return
        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # the application sees the client go away; we answer 413
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # whatever the application answers to the cut-off body is replaced by the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(send, limit, scope["path"])

    async def _refuse(self, send: Send, limit: int, path: str) -> None:
        error = upload_too_large(limit) if path == UPLOAD_PATH else too_large(limit)
        body = json.dumps(error.to_dict()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
