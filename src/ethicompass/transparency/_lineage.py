"""Provenance and lineage: a registry of datasets, models and reports, and how each was made.

``Lineage(store).register(kind, name, content_hash=..., upstream=[...])`` records an
artefact with its content hash, parameters, code version and the artefacts it was derived
from, and appends an audit entry. ``upstream`` / ``downstream`` walk the graph transitively;
``to_prov`` exports an artefact's provenance as a W3C PROV-JSON document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ethicompass._time import now_iso
from ethicompass.errors import AuditError, ConflictError, InputError, NotFoundError
from ethicompass.store import Store
from ethicompass.store._audit_tables import lineage_artefacts, lineage_edges
from ethicompass.transparency._log import AuditLog, canonical_json, default_actor

KINDS = ("dataset", "model", "report")
_HASH = re.compile(r"^[a-z0-9-]+:[0-9a-f]{16,}$")
_PREFIX = 12
PROV_NAMESPACE = "https://ethicompass.org/ns/prov#"


@dataclass(frozen=True)
class Artefact:
    """A registered dataset, model or report. ``upstream`` holds the ids it was derived from."""

    id: str
    kind: str
    name: str
    content_hash: str
    params: Mapping[str, Any] = field(default_factory=dict)
    upstream: tuple[str, ...] = ()
    code_version: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = ""
    created_by: str = ""
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The artefact as JSON-ready data."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "content_hash": self.content_hash,
            "params": dict(self.params),
            "upstream": list(self.upstream),
            "code_version": self.code_version,
            "attributes": dict(self.attributes),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "audit_seq": self.audit_seq,
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per field (value as JSON text), for display."""
        data = self.to_dict()
        return pl.DataFrame(
            {"field": list(data), "value": [json.dumps(v, default=str) for v in data.values()]}
        )


def artefact_id(kind: str, name: str, content_hash: str) -> str:
    """The stable id of an artefact: ``<kind>:<name>@<first 12 hex digits of its hash>``."""
    digits = content_hash.split(":", 1)[-1]
    return f"{kind}:{name}@{digits[:_PREFIX]}"


class Lineage:
    """The registry of artefacts over the state database (constructor only stores the store)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(
        self,
        kind: str,
        name: str,
        *,
        content_hash: str,
        params: Mapping[str, Any] | None = None,
        upstream: Sequence[str] = (),
        code_version: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> Artefact:
        """Record an artefact (or return the one already registered with this kind, name and hash).

        Every upstream id must already be registered. Registration appends a
        ``lineage.register`` audit entry in the same transaction: if either fails, neither is kept.
        With ``conn``, that transaction is the caller's (its other writes and entries join it).
        """
        _validate(kind, name, content_hash, upstream)
        new_id = artefact_id(kind, name, content_hash)
        existing = self._find(new_id, conn=conn)
        if existing is not None:
            return self._same_or_conflict(existing, content_hash)
        row = {
            "id": new_id,
            "kind": kind,
            "name": name,
            "content_hash": content_hash,
            "code_version": code_version,
            "params_json": canonical_json(dict(params or {})).decode(),
            "attributes_json": canonical_json(dict(attributes or {})).decode(),
            "created_at": now_iso(),
            "created_by": default_actor(),
        }
        ups = list(dict.fromkeys(upstream))
        if conn is not None:
            self._insert(conn, row, ups, dict(params or {}))
            found = self._find(new_id, conn=conn)
            assert found is not None
            return found
        try:
            with self.store.begin() as own:
                self._insert(own, row, ups, dict(params or {}))
        except IntegrityError:
            again = self._find(new_id)
            if again is None:
                raise AuditError(
                    "could not register the artefact: concurrent writers collided", hint="retry"
                ) from None
            return self._same_or_conflict(again, content_hash)
        except SQLAlchemyError as exc:
            raise AuditError(
                f"could not register the artefact ({type(exc).__name__}); nothing was recorded",
                hint="check the database is writable (ethicompass db upgrade) and retry",
            ) from exc
        return self.get(new_id)

    def _insert(self, conn: Connection, row: dict[str, Any], ups: list[str], params: dict[str, Any]) -> None:
        found = {
            r.id
            for r in conn.execute(sa.select(lineage_artefacts.c.id).where(lineage_artefacts.c.id.in_(ups)))
        }
        missing = [u for u in ups if u not in found]
        if missing:
            raise NotFoundError(
                f"upstream artefact {missing[0]!r} is not registered",
                hint="register the upstream dataset or model first (Lineage.register)",
            )
        entry = AuditLog(self.store).append_in(
            conn,
            action="lineage.register",
            object_type=row["kind"],
            object_id=row["id"],
            actor=row["created_by"],
            hashes={"content": row["content_hash"]},
            params={"upstream": ups, "code_version": row["code_version"], "params": params},
        )
        conn.execute(lineage_artefacts.insert().values(**row, audit_seq=entry.seq))
        if ups:
            conn.execute(
                lineage_edges.insert(),
                [{"artefact_id": row["id"], "upstream_id": u, "position": i} for i, u in enumerate(ups)],
            )

    @staticmethod
    def _same_or_conflict(existing: Artefact, content_hash: str) -> Artefact:
        if existing.content_hash != content_hash:
            raise ConflictError(
                f"artefact {existing.id!r} is registered with a different content hash "
                "sharing the same 12-digit prefix",
                hint="rename the artefact",
            )
        return existing

    def _find(self, artefact_id_: str, *, conn: Connection | None = None) -> Artefact | None:
        if conn is None:
            with self.store.connect() as own:
                return self._find(artefact_id_, conn=own)
        row = conn.execute(sa.select(lineage_artefacts).where(lineage_artefacts.c.id == artefact_id_)).first()
        if row is None:
            return None
        ups = conn.execute(
            sa.select(lineage_edges.c.upstream_id)
            .where(lineage_edges.c.artefact_id == artefact_id_)
            .order_by(lineage_edges.c.position)
        ).scalars()
        return Artefact(
            id=row.id,
            kind=row.kind,
            name=row.name,
            content_hash=row.content_hash,
            params=json.loads(row.params_json),
            upstream=tuple(ups),
            code_version=row.code_version,
            attributes=json.loads(row.attributes_json),
            created_at=row.created_at,
            created_by=row.created_by,
            audit_seq=row.audit_seq,
        )

    def get(self, artefact_id: str) -> Artefact:
        """The artefact with this id; :class:`NotFoundError` when there is none."""
        found = self._find(artefact_id)
        if found is None:
            raise NotFoundError(
                f"no artefact {artefact_id!r} is registered",
                hint="list artefacts with `ethicompass lineage list`; ids look like dataset:<name>@<hash prefix>",
            )
        return found

    def artefacts(self, *, kind: str | None = None) -> list[Artefact]:
        """Every registered artefact (optionally of one kind), oldest first."""
        query = sa.select(lineage_artefacts.c.id).order_by(lineage_artefacts.c.created_at)
        if kind is not None:
            query = query.where(lineage_artefacts.c.kind == kind)
        with self.store.connect() as conn:
            ids = list(conn.execute(query).scalars())
        return [self.get(i) for i in ids]

    def _walk(self, start: str, *, up: bool) -> list[Artefact]:
        self.get(start)
        here, there = (
            (lineage_edges.c.artefact_id, lineage_edges.c.upstream_id)
            if up
            else (lineage_edges.c.upstream_id, lineage_edges.c.artefact_id)
        )
        seen: dict[str, None] = {}
        frontier = [start]
        with self.store.connect() as conn:
            while frontier:
                rows = conn.execute(
                    sa.select(there).where(here.in_(frontier)).order_by(lineage_edges.c.position)
                ).scalars()
                frontier = []
                for r in rows:
                    if r not in seen and r != start:
                        seen[r] = None
                        frontier.append(r)
        return [self.get(i) for i in seen]

    def upstream(self, artefact_id: str) -> list[Artefact]:
        """Every artefact this one was derived from, transitively (nearest first)."""
        return self._walk(artefact_id, up=True)

    def downstream(self, artefact_id: str) -> list[Artefact]:
        """Every artefact derived from this one, transitively (nearest first)."""
        return self._walk(artefact_id, up=False)

    def to_prov(self, artefact_id: str) -> dict[str, Any]:
        """The provenance of an artefact and all its upstream as a W3C PROV-JSON document.

        Each artefact is a ``prov:Entity``; each registration is a ``prov:Activity`` that
        ``used`` the upstream entities and was associated with the registering agent; the
        artefact ``wasGeneratedBy`` it and ``wasDerivedFrom`` each direct upstream.
        """
        nodes = [self.get(artefact_id), *self.upstream(artefact_id)]
        doc: dict[str, Any] = {
            "prefix": {"ec": PROV_NAMESPACE, "prov": "http://www.w3.org/ns/prov#"},
            "entity": {},
            "activity": {},
            "agent": {},
            "wasGeneratedBy": {},
            "used": {},
            "wasDerivedFrom": {},
            "wasAssociatedWith": {},
            "wasAttributedTo": {},
        }
        for a in nodes:
            ent = f"ec:{a.id}"
            act = f"ec:activity/register/{a.id}"
            agent = f"ec:agent/{a.created_by}"
            doc["entity"][ent] = {
                "prov:type": f"ec:{a.kind}",
                "prov:label": a.name,
                "ec:content_hash": a.content_hash,
                "ec:code_version": a.code_version,
                "ec:params": canonical_json(dict(a.params)).decode(),
                "ec:attributes": canonical_json(dict(a.attributes)).decode(),
                "ec:audit_seq": a.audit_seq,
            }
            doc["activity"][act] = {"prov:startTime": a.created_at, "prov:endTime": a.created_at}
            doc["agent"][agent] = {"prov:type": "prov:Person", "prov:label": a.created_by}
            doc["wasGeneratedBy"][f"_:gen/{a.id}"] = {"prov:entity": ent, "prov:activity": act}
            doc["wasAssociatedWith"][f"_:assoc/{a.id}"] = {"prov:activity": act, "prov:agent": agent}
            doc["wasAttributedTo"][f"_:attr/{a.id}"] = {"prov:entity": ent, "prov:agent": agent}
            for u in a.upstream:
                doc["used"][f"_:use/{a.id}/{u}"] = {"prov:activity": act, "prov:entity": f"ec:{u}"}
                doc["wasDerivedFrom"][f"_:der/{a.id}/{u}"] = {
                    "prov:generatedEntity": ent,
                    "prov:usedEntity": f"ec:{u}",
                    "prov:activity": act,
                }
        return doc


def _validate(kind: str, name: str, content_hash: str, upstream: Sequence[str]) -> None:
    if kind not in KINDS:
        raise InputError(f"artefact kind {kind!r} is not known", hint=f"use one of {', '.join(KINDS)}")
    if not name or len(name) > 200 or any(c in name for c in "@\n\r\t"):
        raise InputError(
            "artefact name must be 1-200 characters without '@' or line breaks",
            hint="use a short descriptive name such as 'training-set'",
        )
    if not _HASH.match(content_hash):
        raise InputError(
            "content_hash must look like 'sha256:<hex digits>'",
            hint="compute it with transparency.hash_file(path) or transparency.content_hash(frame)",
        )
    if isinstance(upstream, str):
        raise InputError("upstream must be a list of artefact ids, not one string", hint="wrap it: [id]")
