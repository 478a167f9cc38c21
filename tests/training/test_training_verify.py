"""Certificates carry the holder's name and an unguessable verification id; ``training verify`` checks one
(exit 0 valid, 1 expired or revoked, 2 unknown or malformed) and ``training revoke`` withdraws one."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import InputError
from ethicompass.training._certificates import (
    format_verification_id,
    new_verification_id,
    normalise_verification_id,
)


def test_ids_are_128_random_bits() -> None:
    ids = {new_verification_id() for _ in range(2000)}
    assert len(ids) == 2000
    for vid in list(ids)[:50]:
        assert len(vid) == 26 and len(base64.b32decode(vid + "======")) == 16


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.sampled_from(["upper", "lower", "spaced"]))
def test_a_printed_id_as_typed_reads_back(raw: bytes, how: str) -> None:
    vid = base64.b32encode(raw).decode().rstrip("=")
    printed = format_verification_id(vid)
    typed = {"upper": printed, "lower": printed.lower(), "spaced": printed.replace("-", " ")}[how]
    assert normalise_verification_id(typed) == vid


@pytest.mark.parametrize(
    "bad", ["", "1", "ABCD-EFGH", "0" * 26, "A" * 27, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-Y!"]
)
def test_malformed_ids_are_input_errors(bad: str) -> None:
    with pytest.raises(InputError, match="verification id"):
        normalise_verification_id(bad)


def _certificate(cli: Any, tmp_path: Path) -> tuple[str, int]:
    assert cli("users", "add", "dora", "--role", "data_manager").code == 0
    assert cli("users", "full-name", "dora", "Dora  María Ortiz").code == 0
    p = tmp_path / "citi.csv"
    p.write_text(
        "user,course_id,completed,expires,verified_by\ndora,privacy-security,2025-01-01,2027-01-01,lead\n"
    )
    assert cli("training", "import", p).code == 0
    status = cli("training", "status", "--user", "dora", "--format", "json")
    assert status.code == 0
    from ethicompass.store import Store
    from ethicompass.training import certificates

    store = Store.from_env().open()
    try:
        [cert] = certificates(store, user="dora")
    finally:
        store.dispose()
    assert cert.holder_name == "Dora María Ortiz" and cert.verification_id is not None
    return format_verification_id(cert.verification_id), cert.id


def test_verify_and_revoke_on_the_cli(cli: Any, tmp_path: Path) -> None:
    vid, cid = _certificate(cli, tmp_path)
    ok = cli("training", "verify", vid.lower(), "--at", "2026-06-01")
    assert ok.code == 0 and ok.out.startswith("valid: Dora María Ortiz")
    as_json = cli("training", "verify", vid, "--at", "2026-06-01", "-f", "json").json()
    assert as_json["state"] == "valid" and as_json["verification_id"] == vid
    late = cli("training", "verify", vid, "--at", "2027-01-02")
    assert late.code == 1 and late.out.startswith("expired")
    unknown = cli("training", "verify", new_verification_id())
    assert unknown.code == 2 and unknown.out.startswith("unknown")
    assert cli("training", "verify", "not-an-id").code == 2
    assert cli("training", "revoke", str(cid), "--reason", "issued in error").code == 0
    revoked = cli("training", "verify", vid, "--at", "2026-06-01")
    assert revoked.code == 1 and revoked.out.startswith("revoked")
    assert cli("training", "revoke", str(cid), "--reason", "again").code == 2
    assert cli("training", "revoke", "999", "--reason", "none such").code == 2
    check = cli("training", "check", "--user", "dora", "--required", "privacy-security", "--at", "2026-06-01")
    assert check.code == 1  # the gate no longer counts a revoked certificate
