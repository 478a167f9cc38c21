"""External certificates: a CSV of completion records (e.g. CITI), or one recorded by hand; who verified each."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ethicompass.errors import DataFileError, InputError
from ethicompass.store import Store
from ethicompass.training._courses import get_course
from ethicompass.training._records import Certificate, _issue, _user_name, as_date, audit_certificates_in
from ethicompass.transparency import hash_file


@dataclass(frozen=True)
class ImportResult:
    """What a CSV import recorded."""

    imported: int
    file_sha256: str
    verified_by: str
    certificates: tuple[Certificate, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: count, file hash, verifier and certificates."""
        return {
            "imported": self.imported,
            "file_sha256": self.file_sha256,
            "verified_by": self.verified_by,
            "certificates": [c.to_dict() for c in self.certificates],
        }


IMPORT_COLUMNS = ("user", "course_id", "completed")


def import_certificates(
    store: Store, path: str | Path, /, *, verified_by: str | None = None, provider: str = "external"
) -> ImportResult:
    """Import external completion records (e.g. CITI) from a CSV file, all rows or none.

    Columns: ``user``, ``course_id``, ``completed`` (ISO date), optional ``expires`` (ISO date;
    default completed + the course's ``validity_days``), ``verified_by`` (default the argument),
    ``provider`` and ``reference``. Every row must name who verified it.
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p}: cannot read the file ({exc})", hint="pass a UTF-8 CSV file") from exc
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise DataFileError(
            f"{p}: missing column(s) {', '.join(missing)}",
            hint="the CSV needs user, course_id, completed (and optionally expires, verified_by, provider)",
        )
    if not rows:
        raise DataFileError(f"{p}: no rows", hint="the file holds no completion records")
    parsed = []
    for n, raw in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        where = f"{p.name} row {n}"
        course = get_course(row["course_id"]) if row["course_id"] else None
        if course is None:
            raise DataFileError(f"{where}: course_id is empty", hint="name one of the course ids")
        user = _user_name(row["user"]) if row["user"] else None
        if user is None:
            raise DataFileError(f"{where}: user is empty", hint="name the staff member's user name")
        completed = as_date(row["completed"], field_name=f"{where}: completed")
        expires = (
            as_date(row["expires"], field_name=f"{where}: expires")
            if row.get("expires")
            else completed + timedelta(days=course.validity_days)
        )
        if expires < completed:
            raise DataFileError(f"{where}: expires is before completed", hint="check the dates")
        verifier = row.get("verified_by") or verified_by
        if not verifier:
            raise DataFileError(
                f"{where}: nobody verified this record", hint="fill verified_by, or pass --verified-by"
            )
        parsed.append(
            (
                user,
                course.id,
                completed,
                expires,
                verifier,
                row.get("provider") or provider,
                row.get("reference") or None,
            )
        )
    digest = hash_file(p)
    with store.begin() as conn:
        made = [
            _issue(
                store,
                user=u,
                course_id=c,
                issued_on=done,
                expires_on=exp,
                source="import",
                provider=prov,
                reference=ref,
                verified_by=ver,
                conn=conn,
            )
            for u, c, done, exp, ver, prov, ref in parsed
        ]
        audit_certificates_in(
            conn,
            store,
            [c.id for c in made],
            action="training.certificate.import",
            object_type="training_import",
            object_id=p.name,
            role="admin",
            hashes={"file": digest},
            params={"rows": len(made), "verifiers": sorted({c.verified_by or "" for c in made})},
        )
    return ImportResult(len(made), digest, verified_by or made[0].verified_by or "", tuple(made))


def record_certificate(
    store: Store,
    user: Any,
    course_id: str,
    /,
    *,
    completed: date | datetime | str,
    verified_by: str,
    expires: date | datetime | str | None = None,
    provider: str = "external",
    reference: str | None = None,
) -> Certificate:
    """Record one external certificate by hand (who verified it is required); audited."""
    name = _user_name(user)
    course = get_course(course_id)
    if not verified_by or not verified_by.strip():
        raise InputError("a recorded certificate needs verified_by", hint="name who checked the certificate")
    done = as_date(completed, field_name="completed")
    until = as_date(expires, field_name="expires") if expires else done + timedelta(days=course.validity_days)
    if until < done:
        raise InputError("expires is before completed", hint="check the dates")
    with store.begin() as conn:
        cert = _issue(
            store,
            user=name,
            course_id=course.id,
            issued_on=done,
            expires_on=until,
            source="import",
            provider=provider,
            reference=reference,
            verified_by=verified_by.strip(),
            conn=conn,
        )
        audit_certificates_in(
            conn,
            store,
            [cert.id],
            action="training.certificate.record",
            object_type="training_certificate",
            object_id=f"{course.id}/{cert.id}",
            role="admin",
            params={"expires_on": until.isoformat(), "verified_by": cert.verified_by, "provider": provider},
        )
    return cert
