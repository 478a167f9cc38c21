"""Site files on the server: accept a site's upload, list uploads, run a federated review from them.

A site's token uploads its ``.ecsite``; the server verifies it as ``federate`` would verify it alone
(signature, disclosure check at the file's own certified minimum, certificate, audit checkpoint under
the same key) and against the study's other live uploads (the same policy and the same manifest), and
stores it with an audit entry in the same transaction, but only when it is signed by a key an administrator
registered for the site beforehand (:mod:`ethicompass.sites._keys`; a refusal is audited). One live file
per site and study: a second is accepted only as a replacement with a newer audit checkpoint (more entries);
the replaced file stays, marked replaced. A reviewer runs the federated review over the live files
with the committee's policy; the review lands in the review store, its multi-site detail beside it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ethicompass.errors import ConflictError, EthicompassError, ForbiddenError, InputError
from ethicompass.sites._format import SiteFile, read_site_file
from ethicompass.sites._keys import key_problem
from ethicompass.sites._merge import verify_file
from ethicompass.store._sites_tables import site_reviews, site_uploads

__all__ = [
    "list_uploads",
    "multi_site_reviews",
    "review_uploads",
    "site_review_detail",
    "upload_site_file",
]

_LISTED = (
    "id",
    "study",
    "site",
    "created_at",
    "policy_name",
    "policy_version",
    "manifest_hash",
    "key_id",
    "checkpoint_size",
    "file_hash",
    "uploaded_at",
    "replaced_at",
)


def _parse(raw: bytes, /) -> SiteFile:
    """The upload as a :class:`SiteFile` (its errors name the upload, never a server path)."""
    folder = Path(tempfile.mkdtemp(prefix="ethicompass-site-"))  # 0700
    path = folder / "upload.ecsite"
    try:
        path.write_bytes(raw)
        try:
            f = read_site_file(path)
        except EthicompassError as exc:
            raise type(exc)(exc.message.replace(str(path), "the upload"), hint=exc.hint) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return dataclasses.replace(f, source=f"{f.site}.ecsite")


def _bad(site: str, what: str, hint: str) -> InputError:
    return InputError(f"site {site!r}: {what}; nothing was stored", hint=hint)


def _check(f: SiteFile, /) -> None:
    if not f.signature_valid():
        raise _bad(
            f.site,
            "the signature does not verify (the file was changed after signing, or is not signed)",
            "summarise again and upload the file unchanged",
        )
    disclosure = f.body.get("disclosure") or {}
    minimum, bins = disclosure.get("min_cell_size"), disclosure.get("score_bins")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        raise _bad(f.site, "its disclosure record names no minimum cell size", "summarise again")
    try:
        verify_file(f, min_cell_size=minimum, score_bins=bins if isinstance(bins, int) else None)
    except InputError as exc:
        raise InputError(
            exc.message.replace("nothing was merged", "nothing was stored"), hint=exc.hint
        ) from None


def _unpinned(site: str, problem: str) -> ForbiddenError:
    return ForbiddenError(
        f"site {site!r}: {problem}; nothing was stored",
        hint="an administrator registers the site's public key (fingerprint checked with the site) with "
        "`ethicompass site-keys add`, and the site signs with that key",
    )


def _refused(store: Any, site: str, actor: str, role: str, *, reason: str, key_id: str) -> None:
    """Audit a refused upload (``site.upload-refuse``): who tried, for which site, with which key, and why."""
    from ethicompass.transparency import AuditLog

    AuditLog(store).append(
        action="site.upload-refuse",
        object_type="site",
        object_id=site,
        actor=actor,
        role=role,
        params={"reason": reason, "key_id": key_id[:64]},
    )


def upload_site_file(store: Any, raw: bytes, /, *, site: str, actor: str, role: str) -> dict[str, Any]:
    """Verify and store one site's ``.ecsite`` upload for the site ``site`` (the caller's); audited.

    Raises :class:`ForbiddenError` for another site's file or one not signed by an active key registered
    for the site (:mod:`ethicompass.sites._keys`; both refusals audited ``site.upload-refuse``),
    :class:`InputError` for a bad file or one inconsistent with the study's other uploads,
    :class:`ConflictError` for a second file of the site that does not carry a newer checkpoint.
    """
    from ethicompass._time import now_iso
    from ethicompass.transparency import AuditLog

    f = _parse(raw)
    if f.site != site:
        _refused(store, site, actor, role, reason="another site's file", key_id=f.key_id)
        raise ForbiddenError(
            f"this token belongs to site {site!r}, not {f.site!r}",
            hint="upload your own site's file, with your site's token",
        )
    _check(f)
    with store.connect() as conn:
        problem = key_problem(conn, site, f.key_id)
    if problem is not None:
        _refused(store, site, actor, role, reason=problem, key_id=f.key_id)
        raise _unpinned(site, problem)
    body = f.body
    study = str(body["study"])
    file_hash = "sha256:" + hashlib.sha256(f.signed_bytes).hexdigest()
    size = int(body["checkpoint"]["tree_size"])
    now = now_iso()
    with store.begin() as conn:
        problem = key_problem(conn, site, f.key_id)  # again, in the transaction: a revocation may have won
        if problem is not None:
            raise _unpinned(site, problem)
        live = conn.execute(
            sa.select(site_uploads).where(site_uploads.c.study == study, site_uploads.c.replaced_at.is_(None))
        ).all()
        replaced = None
        for row in live:
            if row.site == site:
                if size <= row.checkpoint_size:
                    raise ConflictError(
                        f"site {site!r} already uploaded a file for study {study!r} (upload {row.id}, checkpoint of "
                        f"{row.checkpoint_size} entries); a replacement must carry a newer checkpoint "
                        f"(this one: {size} entries)",
                        hint="summarise again (the site's audit log grows) and upload the new file",
                    )
                replaced = row
                continue
            if row.policy_hash != body["policy"]["hash"]:
                raise _bad(
                    site,
                    f"summarised under policy {body['policy']['name']!r} version {body['policy']['version']!r}, "
                    f"not {row.policy_name!r} version {row.policy_version!r} as site {row.site!r}",
                    "summarise with the coordinator's policy file",
                )
            if row.manifest_hash != body["manifest"]["hash"]:
                raise _bad(
                    site,
                    f"manifest version {body['manifest']['version']!r} differs from site {row.site!r}'s",
                    "summarise with the same study.yaml as the other sites",
                )
        if replaced is not None:
            conn.execute(
                site_uploads.update().where(site_uploads.c.id == replaced.id).values(replaced_at=now)
            )
        upload_id = conn.execute(
            site_uploads.insert().values(
                study=study,
                site=site,
                created_at=str(body["created_at"]),
                manifest_hash=body["manifest"]["hash"],
                policy_hash=body["policy"]["hash"],
                policy_name=str(body["policy"]["name"]),
                policy_version=str(body["policy"]["version"]),
                key_id=f.key_id,
                checkpoint_size=size,
                file_hash=file_hash,
                content=f.to_text(),
                uploaded_by=actor,
                uploaded_at=now,
            )
        ).inserted_primary_key[0]
        AuditLog(store).append_in(
            conn,
            action="site.upload",
            object_type="study",
            object_id=study,
            actor=actor,
            role=role,
            hashes={f"site:{site}": file_hash},
            params={"upload": int(upload_id), "replaces": int(replaced.id) if replaced is not None else None},
        )
    return {
        "id": int(upload_id),
        "study": study,
        "site": site,
        "file_hash": file_hash,
        "replaced": replaced is not None,
    }


def list_uploads(store: Any, /, *, site: str | None = None, live: bool = False) -> list[dict[str, Any]]:
    """Uploads (never their content), newest first; of one site, or only the live (not replaced) ones."""
    query = sa.select(*[site_uploads.c[c] for c in _LISTED]).order_by(site_uploads.c.id.desc())
    if site is not None:
        query = query.where(site_uploads.c.site == site)
    if live:
        query = query.where(site_uploads.c.replaced_at.is_(None))
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _policy(text: str) -> Any:
    import yaml
    from pydantic import ValidationError

    from ethicompass.review import Policy

    if not text.strip():
        return Policy.default()
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise InputError("the policy is not valid YAML", hint="paste the committee's policy file") from exc
    if not isinstance(data, dict):
        raise InputError("the policy must be a YAML mapping", hint="see docs/review.md")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        raise InputError(f"the policy's {where}: {err['msg']}", hint="see docs/review.md") from None


def review_uploads(store: Any, study: str, /, *, policy_text: str, actor: str) -> int:
    """Run the federated review of ``study`` over its live uploads under the policy (YAML text; empty:
    the default policy); store the review and its multi-site detail; return the review's id."""
    from ethicompass.sites._federate import federate

    policy = _policy(policy_text)
    with store.connect() as conn:
        rows = conn.execute(
            sa.select(site_uploads.c.site, site_uploads.c.key_id, site_uploads.c.content)
            .where(site_uploads.c.study == study, site_uploads.c.replaced_at.is_(None))
            .order_by(site_uploads.c.site)
        ).all()
    if not rows:
        raise InputError(
            f"no site has uploaded a file for study {study!r}", hint="pick a study from the list"
        )
    with store.connect() as conn:
        for r in rows:
            problem = key_problem(conn, r.site, r.key_id)
            if problem is not None:
                raise InputError(
                    f"site {r.site!r}'s upload for study {study!r}: {problem}; nothing was merged",
                    hint="the site uploads a file signed by its registered key (see `ethicompass site-keys list`)",
                )
    files = [_parse(r.content.encode("utf-8")) for r in rows]
    folder = Path(tempfile.mkdtemp(prefix="ethicompass-federate-"))
    try:
        output, _ = federate(files, policy=policy, store=store, out_dir=folder, pdf=False, actor=actor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return int(output.review_id)  # federate recorded its multi-site detail


def site_review_detail(store: Any, review_id: int, /) -> dict[str, Any] | None:
    """The multi-site detail (heterogeneity, drivers, provenance) of a review run from uploads, else None."""
    with store.connect() as conn:
        text = conn.execute(
            sa.select(site_reviews.c.detail_json).where(site_reviews.c.review_id == review_id)
        ).scalar()
    return json.loads(text) if text is not None else None


def multi_site_reviews(store: Any, /) -> set[int]:
    """The ids of the stored reviews that are multi-site reviews run from uploads."""
    with store.connect() as conn:
        return {int(r) for r in conn.execute(sa.select(site_reviews.c.review_id)).scalars()}
