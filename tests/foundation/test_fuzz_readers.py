"""Fuzzing every reader: any bytes give a result or an EthicompassError (exit 2), never another exception.

Each reader gets files built from a valid seed and mutated (bytes flipped, cut, spliced, encodings
broken, structure nested or emptied) plus raw random bytes. A reader may accept the file or refuse it
with an :class:`EthicompassError` that names the file; any other exception is a crash a user would see
as a traceback. ``make test`` runs a brief pass; ``make fuzz`` runs the ``fuzz`` Hypothesis profile
(``ETHICOMPASS_FUZZ_EXAMPLES`` examples per reader, 2,000 by default).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethicompass.errors import EthicompassError

EXAMPLES = int(os.environ.get("ETHICOMPASS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _parquet_seed() -> bytes:
    import polars as pl

    buffer = io.BytesIO()
    pl.DataFrame({"participant_id": ["P1", "P2"], "age": [40, 51]}).write_parquet(buffer)
    return buffer.getvalue()


FHIR_R4 = {
    "resourceType": "Consent",
    "status": "active",
    "scope": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]
    },
    "category": [{"coding": [{"system": "http://loinc.org", "code": "57016-8"}]}],
    "patient": {"reference": "Patient/P1"},
    "dateTime": "2024-01-01T00:00:00Z",
    "policyRule": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]
    },
    "provision": {"type": "permit"},
}

SEEDS: dict[str, bytes] = {
    "table.csv": b"participant_id,age,zip\nP1,40,02139\nP2,51,10001\n",
    "table.jsonl": b'{"participant_id": "P1", "age": 40}\n{"participant_id": "P2", "age": 51}\n',
    "table.parquet": _parquet_seed(),
    "consents.csv": b"participant_id,purpose,action,recorded_at\nP1,recontact,grant,2024-01-01\n",
    "study.yaml": b"name: s\nversion: '1'\ndatasets:\n  patients:\n    path: patients.csv\n",
    "schema.yaml": b"columns:\n  participant_id: {role: participant_id}\n  age: {role: quasi_identifier}\n",
    "consent.json": json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": FHIR_R4}]}
    ).encode(),
    "consent.ndjson": (json.dumps(FHIR_R4) + "\n").encode(),
    "consent.xml": b'<Consent xmlns="http://hl7.org/fhir"><status value="active"/>'
    b'<patient><reference value="Patient/P1"/></patient><dateTime value="2024-01-01"/></Consent>',
    "queries.txt": b'===QUERY===\nSeen by Dr. Ann Lee on 03/05/2021.\n===PHI_TAGS===\n{"identifier_type": "NAME", "value": "Ann Lee"}\n',
    "pseudonym.key": b"ec-key-v1:" + b"A" * 44 + b"\n",
    "signing.pem": b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
    "witness.jsonl": b'{"tree_size": 1, "root_hash": "00", "time": "2024-01-01T00:00:00Z"}\n',
}


def _read(name: str) -> Callable[[Path], Any]:
    """The reader for a seed file name."""
    if name.startswith("table."):
        from ethicompass.frames import load_table

        return load_table
    if name == "consents.csv":
        from ethicompass.consent import read_consents_csv

        return read_consents_csv
    if name == "study.yaml":
        from ethicompass.study import Study

        return Study.from_file
    if name == "schema.yaml":
        from ethicompass.privacy import TableSchema

        return TableSchema.from_file
    if name.startswith("consent."):
        from ethicompass.consent import read_fhir_file

        return read_fhir_file
    if name == "queries.txt":
        from ethicompass.privacy.text._eval import load_gold

        return load_gold
    if name == "pseudonym.key":
        from ethicompass.privacy import load_key

        return load_key
    if name == "signing.pem":
        from ethicompass.transparency._checkpoint import load_signing_key

        return load_signing_key
    from ethicompass.transparency._witness import read_witness

    return read_witness


def _mutate(seed: bytes, data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["flip", "cut", "splice", "random", "latin1", "nest", "repeat"]))
    if kind == "random":
        return data.draw(st.binary(max_size=400))
    if kind == "cut":
        return seed[: data.draw(st.integers(0, len(seed)))]
    if kind == "flip":
        out = bytearray(seed)
        for _ in range(data.draw(st.integers(1, 8))):
            if out:
                out[data.draw(st.integers(0, len(out) - 1))] = data.draw(st.integers(0, 255))
        return bytes(out)
    if kind == "splice":
        at = data.draw(st.integers(0, len(seed)))
        return seed[:at] + data.draw(st.binary(max_size=60)) + seed[at:]
    if kind == "latin1":
        return seed + "é, ß, \u202e, \u200b".encode("latin-1", "replace")
    if kind == "nest":
        return b"[" * data.draw(st.integers(1, 3000)) + seed
    return seed * data.draw(st.integers(2, 50))


@pytest.mark.parametrize("name", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_reader_accepts_or_refuses_cleanly(name: str, data: st.DataObject) -> None:
    reader = _read(name)
    body = _mutate(SEEDS[name], data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(body)
        try:
            reader(path)
        except EthicompassError as exc:
            assert exc.message  # a message a person can act on
        except RecursionError:  # pragma: no cover - reported as a finding, never hidden
            pytest.fail(f"{name}: deep nesting crashed the reader")


@pytest.mark.parametrize("name", ["study.yaml", "schema.yaml", "consent.json"])
def test_deep_nesting_is_refused_not_a_crash(name: str, tmp_path: Path) -> None:
    """Findings of the first long fuzz run: 3,000 nested brackets crashed the YAML and JSON readers."""
    path = tmp_path / name
    path.write_bytes(b"[" * 3000 + SEEDS[name])
    with pytest.raises(EthicompassError):
        _read(name)(path)


def test_a_damaged_parquet_file_is_refused_not_a_panic(tmp_path: Path) -> None:
    """Finding of the third fuzz run: a Parquet file with a flipped byte made Polars' reader panic."""
    seed = SEEDS["table.parquet"]
    found = 0
    for at in range(4, len(seed) - 8):  # every single-byte change outside the magic numbers
        path = tmp_path / "t.parquet"
        path.write_bytes(seed[:at] + bytes([seed[at] ^ 0xFF]) + seed[at + 1 :])
        try:
            _read("table.parquet")(path)
        except EthicompassError:
            found += 1
    assert found > 0
