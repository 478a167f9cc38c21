"""FHIR Consent files: JSON (one Consent or a Bundle), NDJSON, and XML Bundles for R4 and R5.

XML goes through the ``fhir.resources`` models (R4B for R4, lxml underneath): a Bundle or a single
Consent is parsed into the model of its release, dumped to JSON, and mapped by :func:`from_fhir`
like any JSON resource; writing validates the Bundle in the model of the release asked for.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ethicompass.consent._fhir import FhirVersion, _model, bundle_resources, from_fhir, to_fhir
from ethicompass.consent._model import ConsentRecord
from ethicompass.errors import DataFileError, InputError
from ethicompass.frames import atomic_write_bytes


def _bundle_model(version: FhirVersion) -> Any:
    if version is FhirVersion.r4:
        from fhir.resources.R4B.bundle import Bundle as R4Bundle

        return R4Bundle
    from fhir.resources.bundle import Bundle as R5Bundle

    return R5Bundle


def _parse_xml(text: bytes, version: FhirVersion) -> list[dict[str, Any]]:
    if b"<Bundle" in text[:400]:
        bundle = _bundle_model(version).model_validate_xml(text)
        return [
            json.loads(e.resource.model_dump_json()) for e in bundle.entry or [] if e.resource is not None
        ]
    return [json.loads(_model(version).model_validate_xml(text).model_dump_json())]


def _read_xml(p: Path, fhir_version: FhirVersion | None, recorded_by: str) -> list[ConsentRecord]:
    text = p.read_bytes()
    # without --fhir: R5 first (what earlier versions read), then R4 (R4B models)
    tries = [fhir_version] if fhir_version is not None else [FhirVersion.r5, FhirVersion.r4]
    first_error: Exception | None = None
    for version in tries:
        try:
            resources = _parse_xml(text, version)
        # the XML layer raises KeyError for an element the release does not know, and lxml's
        # XMLSyntaxError is a SyntaxError
        except (ValidationError, ValueError, KeyError, TypeError, SyntaxError) as exc:
            first_error = first_error or exc
            continue
        return [
            r
            for i, res in enumerate(resources)
            for r in from_fhir(res, fhir_version=version, recorded_by=recorded_by, where=f"{p} entry {i + 1}")
        ]
    releases = " or ".join(v.value.upper() for v in tries)
    reason = str(first_error).splitlines()[0] if first_error else "no Consent found"
    raise InputError(
        f"{p}: not a valid FHIR {releases} Consent XML ({reason})",
        hint="check the XML against the Consent schema of its release, or pass --fhir r4|r5",
    )


def read_fhir_file(
    path: str | os.PathLike[str], /, *, fhir_version: FhirVersion | None = None, recorded_by: str = "import"
) -> list[ConsentRecord]:
    """Read Consents from a file: JSON (one Consent or a Bundle), NDJSON, or XML (R4 or R5)."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"{p}: no such file", hint="check the path")
    suffix = p.suffix.lower()
    if suffix == ".xml":
        return _read_xml(p, FhirVersion(fhir_version) if fhir_version else None, recorded_by)
    try:
        text_s = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{p}: not valid UTF-8", hint="re-save the file as UTF-8") from exc
    items: list[tuple[str, Any]] = []
    try:
        if suffix in (".ndjson", ".jsonl"):
            items = [
                (f"{p} line {n}", json.loads(line))
                for n, line in enumerate(text_s.splitlines(), 1)
                if line.strip()
            ]
        else:
            data = json.loads(text_s)
            if isinstance(data, dict) and data.get("resourceType") == "Bundle":
                items = bundle_resources(data, where=str(p))
            else:
                items = [(str(p), data)]
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{p} line {exc.lineno}: not valid JSON ({exc.msg})", hint="fix the JSON"
        ) from None
    except RecursionError:
        raise DataFileError(
            f"{p}: JSON nested too deeply to read",
            hint="a Consent or Bundle is a few levels deep; fix the file",
        ) from None
    return [
        r
        for where, res in items
        for r in from_fhir(res, fhir_version=fhir_version, recorded_by=recorded_by, where=where)
    ]


def write_fhir_file(
    records: Iterable[ConsentRecord], path: str | os.PathLike[str], /, *, fhir_version: FhirVersion
) -> int:
    """Write records as FHIR Consents: ``.ndjson`` one per line, ``.json`` a Bundle, ``.xml`` an XML Bundle."""
    p = Path(path)
    version = FhirVersion(fhir_version)
    resources = [to_fhir(r, fhir_version=version) for r in records]
    suffix = p.suffix.lower()
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    if suffix in (".ndjson", ".jsonl"):
        data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in resources).encode()
    elif suffix == ".json":
        data = json.dumps(bundle, indent=1).encode()
    elif suffix == ".xml":
        xml: Any = _bundle_model(version).model_validate(bundle).model_dump_xml()
        data = xml if isinstance(xml, bytes) else str(xml).encode()
    else:
        raise InputError(f"{p}: unsupported FHIR output type {suffix!r}", hint="use .json, .ndjson or .xml")
    atomic_write_bytes(p, data, mode=0o600)  # consent history: readable by its owner only
    return len(resources)
