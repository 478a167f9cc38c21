"""Streamed consent import: a consent file larger than the body limit, uploaded as the request body.

``POST /api/v1/consent/import/upload?format=json|ndjson|xml|csv`` takes the file itself as the body
(FHIR Consent JSON or a Bundle, FHIR NDJSON, FHIR XML, or a consents CSV), as ``ethicompass consent
import FILE`` would read it on the server. The caller's token and role are checked before a byte of
the body is read (the route has no body parameter, so FastAPI resolves the dependencies first); the
body is then streamed to a private temporary file (created 0600, in a 0700 folder) under its own limit
(``ServerSettings.max_upload_bytes``, 256 MiB by default; the body-limit middleware applies that limit
to this path instead of the general one), read, and imported in one transaction: all or nothing. The
file is removed on every path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from ethicompass.accounts import User, require_role
from ethicompass.consent import FhirVersion, Registry
from ethicompass.errors import EthicompassError, InputError
from ethicompass.server._limits import UPLOAD_PATH, upload_too_large

__all__ = ["router"]

_SUFFIX = {"json": ".json", "ndjson": ".ndjson", "xml": ".xml", "csv": ".csv"}

router = APIRouter(prefix="/api/v1", tags=["consent"])


_BODY = {
    "required": True,
    "description": "the consent file itself, as its bytes",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


@router.post(UPLOAD_PATH.removeprefix("/api/v1"), status_code=200, openapi_extra={"requestBody": _BODY})
async def upload_consents(
    request: Request,
    fmt: Literal["json", "ndjson", "xml", "csv"] = Query(
        "json", alias="format", description="the file's format"
    ),
    fhir: FhirVersion | None = Query(default=None, description="r4 or r5 (default: detect)"),
    unknown: Literal["error", "skip", "register"] = Query(
        "error", description="ids the registry does not know: refuse the file, skip them, or register them"
    ),
    user: User = Depends(require_role("data_manager", "admin")),
) -> dict[str, Any]:
    """Import a consent file streamed as the request body (FHIR JSON, NDJSON, XML, or a consents CSV)."""
    limit: int = request.app.state.settings.max_upload_bytes
    folder = Path(tempfile.mkdtemp(prefix="ethicompass-upload-"))  # 0700
    path = folder / f"upload{_SUFFIX[fmt]}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        received = 0
        with os.fdopen(fd, "wb") as fh:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    raise upload_too_large(limit)
                fh.write(chunk)
        if received == 0:
            raise InputError("the upload is empty", hint="send the consent file as the request body")
        return await run_in_threadpool(_import, request, user, path, fmt, fhir, unknown)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _import(
    request: Request, user: User, path: Path, fmt: str, fhir: FhirVersion | None, unknown: Any
) -> dict[str, Any]:
    from ethicompass.consent import read_consents_csv, read_fhir_file

    try:
        if fmt == "csv":
            records = read_consents_csv(path, recorded_by=user.actor)
            source = "csv"
        else:
            records = read_fhir_file(path, fhir_version=fhir, recorded_by=user.actor)
            source = records[0].source if records else "fhir"
    except EthicompassError as exc:  # name the upload, never the server's temporary path
        raise type(exc)(exc.message.replace(str(path), "the upload"), hint=exc.hint) from None
    if not records:
        raise InputError(
            "the upload holds no consent events", hint="send a Consent, a Bundle or a consents table"
        )
    registry = Registry(request.app.state.store, actor=user.actor, role=user.role)
    summary = registry.import_records(records, source=source, unknown=unknown)
    return {"bytes": path.stat().st_size, **summary.to_dict()}
