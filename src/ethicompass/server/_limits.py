"""Request-body limit: pure ASGI middleware that refuses a body over ``max_body_bytes`` with a 413.

It runs before routing, so before the body is parsed (JSON, forms) and before any token is checked:
a declared ``Content-Length`` over the limit is answered at once without reading a byte; a body
without one (chunked) is counted as it streams and cut off at the limit. The 413 is JSON that names
the limit and the fix.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ethicompass.errors import PayloadTooLargeError

__all__ = ["BodyLimit", "too_large"]


def too_large(limit: int) -> PayloadTooLargeError:
    """The error for a body over ``limit`` bytes."""
    return PayloadTooLargeError(
        f"the request body is larger than this server accepts ({limit:,} bytes)",
        hint="send a smaller request (split a Bundle into several), raise ETHICOMPASS_SERVER_MAX_BODY on the "
        "server, or import a large file on the server with `ethicompass consent import FILE`",
    )


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413) before the application reads them."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
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
                if received > self.limit:
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
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(too_large(self.limit).to_dict()).encode()
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
