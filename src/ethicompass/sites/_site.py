"""``summarize_site`` writes a site's signed, certified ``.ecsite`` file; ``check_site`` re-judges one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ethicompass.errors import InputError
from ethicompass.sites._disclosure import check_body
from ethicompass.sites._format import SiteFile, body_hash, read_site_file, sign
from ethicompass.sites._summarize import build_body

__all__ = ["SiteCheck", "check_site", "summarize_site"]


def summarize_site(
    study: Any,
    /,
    *,
    site: str,
    policy: Any,
    store: Any,
    key: Any,
    out: Path,
    actor: str | None = None,
    frame: Any = None,
) -> SiteFile:
    """Summarise the site's rows into counts, apply disclosure control, certify, log, checkpoint, sign, write.

    The audit entry (``site.summarize``) carries the hash of the certified body; the signed
    checkpoint written right after covers it and goes into the file, so the file can be tied to the
    site's log. The file is written atomically, after everything else succeeded. ``frame``: the
    predictions already read (a Spark DataFrame for ``--engine spark``); by default read in process.
    """
    from ethicompass.frames import atomic_write_text
    from ethicompass.transparency import AuditLog, default_actor, write_checkpoint

    body = build_body(study, site=site, policy=policy, store=store, frame=frame)
    AuditLog(store).append(
        action="site.summarize",
        object_type="study",
        object_id=study.name,
        actor=actor or default_actor(),
        hashes={"body": body_hash(body), "certificate": body["certificate"]["body_hash"]},
        params={
            "site": site,
            "min_cell_size": policy.sites.min_cell_size,
            "score_bins": policy.sites.score_bins,
            "cells": body["certificate"]["cells_published"],
            "suppressed": body["disclosure"]["suppressed"]["fairness"]["cells"],
        },
    )
    checkpoint = write_checkpoint(store, key)
    data = checkpoint.to_dict()
    data.pop("note")
    body["checkpoint"] = data
    signed = sign(body, key)
    atomic_write_text(out, signed.to_text())
    return SiteFile(signed.body, signed.signature, str(out))


@dataclass(frozen=True)
class SiteCheck:
    """The outcome of ``site check``: the certificate re-derived from the file, and whether it holds."""

    site: str
    signature_valid: bool
    certificate: dict[str, Any]
    matches_enclosed: bool

    @property
    def passed(self) -> bool:
        """Signed, passes the check, and the enclosed certificate is for this content."""
        return self.signature_valid and bool(self.certificate["passed"]) and self.matches_enclosed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "site": self.site,
            "passed": self.passed,
            "signature_valid": self.signature_valid,
            "matches_enclosed_certificate": self.matches_enclosed,
            "certificate": self.certificate,
        }


def check_site(path: Path, /, *, store: Any | None = None, actor: str | None = None) -> SiteCheck:
    """Re-run the disclosure check on a site file under the minimum it states; log the result when ``store``."""
    f = read_site_file(path)
    d = f.body.get("disclosure") or {}
    if not isinstance(d.get("min_cell_size"), int):
        raise InputError(
            f"{path}: site {f.site!r} states no minimum cell size", hint="summarise the site again"
        )
    certificate = check_body(f.body, min_cell_size=d["min_cell_size"], score_bins=d.get("score_bins"))
    enclosed = f.body.get("certificate") or {}
    result = SiteCheck(
        f.site, f.signature_valid(), certificate, enclosed.get("body_hash") == certificate["body_hash"]
    )
    if store is not None:
        from ethicompass.frames import sha256_file
        from ethicompass.transparency import AuditLog, default_actor

        AuditLog(store).append(
            action="site.check",
            object_type="site_file",
            object_id=f.site,
            actor=actor or default_actor(),
            hashes={"file": sha256_file(path), "certificate": certificate["body_hash"]},
            params={"passed": result.passed, "problems": len(certificate["problems"])},
        )
    return result
