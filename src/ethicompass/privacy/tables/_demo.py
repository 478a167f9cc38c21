"""Demo step: scan the synthetic patients table for identifiers, then de-identify it (Safe Harbor)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from ethicompass import _native
from ethicompass.frames import sha256_file
from ethicompass.privacy._keys import Key, write_key
from ethicompass.privacy.tables._cli import read_for_privacy
from ethicompass.privacy.tables._deid import deidentify
from ethicompass.privacy.tables._safe_harbor import Policy, TableSchema
from ethicompass.privacy.tables._scan import scan

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext


def run(ctx: DemoContext) -> None:
    """De-identify the patients table, print what was done, and keep the certificate for the review."""
    from ethicompass.transparency import AuditLog

    path = ctx.path("patients")
    frame = read_for_privacy(path)
    started = time.perf_counter()
    hidden = frame.rename({c: f"col_{i}" for i, c in enumerate(frame.columns)})
    report = scan(hidden)
    declared = ctx.study.datasets["patients"].columns
    truth = {f"col_{i}" for i, c in enumerate(frame.columns) if c in declared and declared[c].phi_type}
    found = truth & set(report.identifiers)
    missed = sorted(frame.columns[int(c.split("_")[1])] for c in truth - found)
    ctx.say(
        f"Scan, with every column name hidden: {len(report.identifiers)} of {frame.width} columns look like "
        f"identifiers; {len(found)} of the {len(truth)} columns the manifest marks with a PHI type are among them "
        f"({time.perf_counter() - started:.1f} s)."
        + (
            f" Missed without its name: {', '.join(missed)} (whole numbers look like a measurement)."
            if missed
            else ""
        )
    )
    key_dir = ctx.out_dir / "keys"
    key = Key.generate()
    write_key(key, key_dir / "demo.key", overwrite=True)
    schema = TableSchema.from_dataset(ctx.study.datasets["patients"])
    started = time.perf_counter()
    result = deidentify(frame, schema, policy=Policy.safe_harbor(), key=key)
    cert = result.certificate
    out_dir = ctx.out_dir / "deidentified"
    out = out_dir / "patients.csv"
    out_dir.mkdir(parents=True, exist_ok=True)
    result.to_frame().write_csv(out)
    cert_path = out_dir / "patients.csv.certificate.json"
    cert_path.write_text(json.dumps(cert.to_dict(), indent=2) + "\n", encoding="utf-8")
    AuditLog(ctx.store).append(
        action="privacy.deidentify",
        object_type="dataset",
        object_id="patients",
        hashes={
            "input": sha256_file(path),
            "output": sha256_file(out),
            "certificate": sha256_file(cert_path),
        },
        params={"policy": "safe_harbor", "key_fingerprint": key.fingerprint, "actions": cert.actions},
    )
    by_action: dict[str, list[str]] = {}
    for c in cert.columns:
        by_action.setdefault(c.action, []).append(c.column)
    ctx.say(
        f"De-identified {cert.rows_in:,} patients under HIPAA Safe Harbor in {time.perf_counter() - started:.1f} s "
        f"(key {key.fingerprint}, kept in {key_dir}):"
    )
    words = {
        "drop": "removed",
        "pseudonymise": "replaced by keyed pseudonyms (HMAC-SHA256; joins across tables survive)",
        "year": "reduced to the year",
        "zip3": "cut to 3 digits (000 for the 17 sparsely populated prefixes)",
        "age_cap": "capped: ages over 89 became 90+",
        "keep": "kept as they are",
    }
    for action, columns in by_action.items():
        ctx.say(f"  - {', '.join(columns)}: {words.get(action, action)}")
    capped = sum(c.counts.get("capped", 0) for c in cert.columns)
    zeroed = sum(c.counts.get("set_to_000", 0) for c in cert.columns)
    ctx.say(
        f"  {capped} ages were over 89; {zeroed} ZIPs fell in restricted prefixes. "
        f"Certificate: {cert_path} (no identifier values in it)."
    )
    route = "16 at a time in the native library" if _native.available() else "one by one (no native library)"
    ctx.say(
        f"  Content hashes in: {cert.input_sha256[:24]}..., out: {cert.output_sha256[:24]}... "
        f"(SHA-256 trees, the same for any chunking or engine); pseudonyms and hashes computed {route}."
    )
    ctx.results["privacy_tables"] = cert
