"""The API's error model, in its answers and in its OpenAPI description.

Every error the JSON API returns has one shape, ``{"error": <kind>, "message": <what and where>,
"hint": <what to do, or null>}`` (:meth:`ethicompass.errors.EthicompassError.to_dict`). FastAPI's own
answers (a request that fails validation, an unknown route or method) are turned into the same shape
under ``/api/``, and every operation of the OpenAPI description declares it for ``4XX`` (and ``503``,
the answer of a server too busy to check a token), so clients, and schemathesis's conformance checks,
can rely on it. HTML pages keep their own error pages.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

__all__ = ["ERROR_SCHEMA", "install_error_model"]

#: JSON Schema of every error body of the API.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message", "hint"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "description": "the kind of error (a class of ethicompass.errors)"},
        "message": {"type": "string", "description": "what went wrong, and where"},
        "hint": {"type": ["string", "null"], "description": "what to do next"},
    },
}
_REF = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    "4XX": "The request was refused: bad input (422), no or a bad token (401), a role that may not (403), "
    "nothing there (404), a conflict (409), a body too large (413), too many wrong sign-ins (429).",
    "503": "The server is too busy to check the token now: try again shortly.",
}
_KINDS = {401: "AuthError", 403: "ForbiddenError", 404: "NotFoundError", 413: "PayloadTooLargeError"}


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _where(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "the request"
    part, *rest = loc
    field = ".".join(str(x) for x in rest)
    if part == "body":
        return f"body field {field!r}" if field else "the body"
    return f"{part} parameter {field!r}" if field else f"the {part}"


async def _invalid(request: Request, exc: Exception) -> Response:
    if not _api(request):
        return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    first = errors[0] if errors else {}
    # the message names the field and the rule, never the value sent (it may be an identifier)
    if first.get("type") == "json_invalid":
        message = "the body is not valid JSON"
    else:
        message = f"{_where(tuple(first.get('loc', ())))}: {first.get('msg', 'is not valid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    body = {"error": "InputError", "message": message, "hint": "see the API description at /api/v1/docs"}
    return JSONResponse(body, status_code=422)


async def _http(request: Request, exc: Exception) -> Response:
    if not _api(request) or not isinstance(exc, StarletteHTTPException):
        return await http_exception_handler(request, exc)  # type: ignore[arg-type]
    status = exc.status_code
    body = {
        "error": _KINDS.get(status, "HTTPError"),
        "message": f"{request.method} {request.url.path}: {exc.detail}",
        "hint": "see the API description at /api/v1/docs",
    }
    return JSONResponse(body, status_code=status, headers=getattr(exc, "headers", None))


def _described(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's HTTPValidationError: ours is the Error below
            for code, text in _ERRORS.items():
                responses[code] = {"description": text, "content": {"application/json": {"schema": _REF}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install_error_model(app: FastAPI, /) -> None:
    """Answer FastAPI's own errors under ``/api/`` in the error model, and describe it in the OpenAPI."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _described(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
