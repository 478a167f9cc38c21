"""deidentify: Safe Harbor transformations, keyed pseudonyms, date shifting, bad input, certificate."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from ethicompass.errors import ColumnError, ConfigurationError, SchemaError
from ethicompass.privacy import (
    DeidTransform,
    Key,
    Policy,
    TableSchema,
    date_offset_days,
    deidentify,
    is_pseudonym,
    pseudonym,
    read_linkage,
)

SCHEMA = TableSchema.from_dict(
    {
        "columns": {
            "pid": {"role": "participant_id"},
            "mrn": {"role": "direct_identifier", "phi_type": "MRN"},
            "name": {"role": "direct_identifier", "phi_type": "NAME"},
            "zip": {"role": "quasi_identifier", "phi_type": "ZIP"},
            "age": {"role": "quasi_identifier", "phi_type": "AGE"},
            "birth_date": {"role": "date", "phi_type": "DATE"},
            "visit": {"role": "date"},
            "hr": {"role": "other"},
        }
    }
)
DATA: dict[str, list[Any]] = {
    "pid": ["P1", "P2", "P1", "P3"],
    "mrn": ["00123", "00456", "00123", "00789"],
    "name": ["Ann Lee", "Bo Chan", "Ann Lee", "Cy Diaz"],
    "zip": ["02139", "03601", "02139", "10001-1234"],
    "age": [45, 95, 45, 90],
    "birth_date": ["1975-01-02", "1925-03-04", "1975-01-02", "1930-12-31"],
    "visit": ["2020-01-05", "2021-02-03", "2020-03-05", "2020-01-01"],
    "hr": [70.5, 80.1, 60.0, 55.0],
}


def test_safe_harbor_on_every_backend(constructor: Any, key: Key) -> None:
    result = deidentify(
        constructor(DATA), SCHEMA, policy=Policy.safe_harbor(pseudonymise_types={"MRN"}), key=key
    )
    assert type(result.frame).__module__.split(".")[0] == type(constructor(DATA)).__module__.split(".")[0]
    out = result.to_frame()
    assert out.columns == ["pid", "mrn", "zip", "age", "birth_date", "visit", "hr"]
    assert out["pid"].to_list() == [pseudonym(v, key) for v in DATA["pid"]]
    assert out["mrn"].to_list()[0] == out["mrn"].to_list()[2] == pseudonym("00123", key)
    assert out["zip"].to_list() == ["021", "000", "021", "100"]  # 036 is a restricted prefix
    assert out["age"].to_list() == ["45", "90+", "45", "90+"]
    assert out["birth_date"].to_list() == [1975, 1930, 1975, 1930]  # born 1925, aged 95: moved to match 90
    assert out["visit"].to_list() == [2020, 2021, 2020, 2020]
    assert out["hr"].to_list() == DATA["hr"]


def test_pseudonym_is_hmac_sha256_of_the_documented_message(key: Key) -> None:
    digest = hmac.new(key.secret, b"ethicompass/v1\x00P1", hashlib.sha256).digest()
    assert pseudonym("P1", key) == "ps_" + digest[:12].hex()
    offset = -365 + int.from_bytes(digest[16:24], "big") % 730
    assert date_offset_days("P1", key) == (offset + 1 if offset >= 0 else offset) != 0
    assert date_offset_days("P1", key, low=0, high=0) == 0
    assert all(date_offset_days(str(i), key, low=-1, high=1) in (-1, 1) for i in range(50))
    assert pseudonym("P1", key) != "ps_" + hashlib.sha256(b"P1").hexdigest()[:24]  # never a plain hash
    assert is_pseudonym(pseudonym("x", key)) and not is_pseudonym("P1")
    assert "secret" not in repr(key) and key.secret.hex() not in repr(key)


def test_date_shift_keeps_intervals_and_shifts_every_date_of_a_patient_alike(key: Key) -> None:
    policy = Policy.date_shift()
    out = deidentify(pl.DataFrame(DATA), SCHEMA, policy=policy, key=key).to_frame()
    visit = [dt.date.fromisoformat(v) for v in DATA["visit"]]
    assert (out["visit"][2] - out["visit"][0]) == (visit[2] - visit[0])
    for i, pid in enumerate(DATA["pid"]):
        assert out["visit"][i] - visit[i] == dt.timedelta(days=date_offset_days(pid, key))
    assert out["birth_date"][0] - dt.date(1975, 1, 2) == dt.timedelta(days=date_offset_days("P1", key))


def test_reversible_mode_writes_an_encrypted_linkage_table(key: Key) -> None:
    policy = Policy.safe_harbor(reversible=True, pseudonymise_types=["MRN"])
    result = deidentify(pl.DataFrame(DATA), SCHEMA, policy=policy, key=key)
    assert result.linkage is not None
    # The table is ciphertext: none of its plaintext (column names, values of five bytes or more) shows through. Two-byte
    # values such as "P1" are not checked: random ciphertext of this size holds any two bytes now and then.
    for plain in (b"pseudonym", b"00123", b"00456", pseudonym("P1", key).encode()):
        assert plain not in result.linkage
    table = read_linkage(result.linkage, key)
    back = dict(zip(table["pseudonym"], table["value"], strict=True))
    assert back[pseudonym("P2", key)] == "P2" and back[pseudonym("00456", key)] == "00456"
    assert result.certificate.to_dict()["reversible"] is True
    with pytest.raises(ConfigurationError, match="wrong key"):
        read_linkage(result.linkage, Key.generate())
    tampered = result.linkage[:-1] + bytes([result.linkage[-1] ^ 1])
    with pytest.raises(ConfigurationError):
        read_linkage(tampered, key)


def test_certificate_holds_no_identifier_values(key: Key) -> None:
    cert = deidentify(pl.DataFrame(DATA), SCHEMA, key=key).certificate.to_dict()
    text = json.dumps(cert)
    for column in ("pid", "mrn", "name", "zip", "birth_date", "visit"):
        for value in DATA[column]:
            assert str(value) not in text
    by_column = {c["column"]: c for c in cert["columns"]}
    assert by_column["name"]["action"] == "drop" and "Safe Harbor" in by_column["name"]["reason"]
    assert by_column["zip"]["counts"]["set_to_000"] == 1 and by_column["age"]["counts"]["capped"] == 2
    assert cert["rows_in"] == cert["rows_out"] == 4 and cert["input_sha256"] != cert["output_sha256"]
    assert cert["key_fingerprint"] == key.fingerprint and cert["method"].startswith("HIPAA Safe Harbor")


def test_arrow_batch_transform_equals_the_frame_transform(key: Key) -> None:
    frame = pl.DataFrame(DATA)
    transform = DeidTransform.build(frame.columns, SCHEMA, policy=Policy.date_shift(), key=key)
    whole = transform.apply(frame)[0]
    batches = pa.Table.from_pandas(frame.to_pandas()).to_batches(max_chunksize=1)
    parts = [pl.from_arrow(b) for b in transform.apply_arrow_batches(iter(batches))]
    assert pl.concat(parts).equals(whole)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- bad input
def _schema(**extra: dict[str, str]) -> TableSchema:
    return TableSchema.from_dict({"columns": {**SCHEMA.to_dict()["columns"], **extra}})


@pytest.mark.parametrize(
    ("frame", "schema", "policy", "error", "match"),
    [
        (DATA, _schema(ghost={"role": "other"}), None, SchemaError, "ghost"),
        ({**DATA, "extra": [1, 2, 3, 4]}, SCHEMA, None, SchemaError, "leaves out: 'extra'"),
        (
            {**DATA, "visit": ["2020-01-05", "31/02/2020", "x", "2020-01-01"]},
            SCHEMA,
            None,
            ColumnError,
            r"'visit'.*rows 2, 3",
        ),
        ({k: v[:0] for k, v in DATA.items()}, SCHEMA, None, ColumnError, "no rows"),
        (
            {**DATA, "note": ["a", "b", "c", "d"]},
            _schema(note={"role": "free_text"}),
            None,
            SchemaError,
            "free-text",
        ),
        (
            {k: v for k, v in DATA.items() if k != "pid"},
            TableSchema.from_dict(
                {"columns": {k: v for k, v in SCHEMA.to_dict()["columns"].items() if k != "pid"}}
            ),
            Policy.date_shift(),
            SchemaError,
            "participant_id",
        ),
        ({**DATA, "age": ["45", "old", "45", "90"]}, SCHEMA, None, ColumnError, "row 2"),
    ],
    ids=[
        "missing-column",
        "unlisted-column",
        "bad-date",
        "empty",
        "free-text",
        "shift-without-participant",
        "bad-age",
    ],
)
def test_bad_input_is_refused(
    frame: Any, schema: TableSchema, policy: Policy | None, error: Any, match: str, key: Key
) -> None:
    data = pl.DataFrame(frame)
    with pytest.raises(error, match=match) as info:
        deidentify(data, schema, policy=policy, key=key)
    assert "31/02/2020" not in str(info.value)  # rows named, never values


def test_unknown_role_and_phi_type_are_schema_errors() -> None:
    with pytest.raises(SchemaError, match=r"'mrn'.*role"):
        TableSchema.from_dict({"columns": {"mrn": {"role": "identifier"}}})
    with pytest.raises(SchemaError, match="phi_type"):
        TableSchema.from_dict({"columns": {"mrn": {"role": "direct_identifier", "phi_type": "POSTCODE"}}})


def test_bad_dates_can_be_suppressed_by_policy(key: Key) -> None:
    frame = pl.DataFrame({**DATA, "visit": ["2020-01-05", "31/02/2020", None, "2020-01-01"]})
    result = deidentify(frame, SCHEMA, policy=Policy.safe_harbor(on_bad_date="suppress"), key=key)
    assert result.to_frame()["visit"].to_list() == [2020, None, None, 2020]
    visit = next(c for c in result.certificate.columns if c.column == "visit")
    assert visit.counts["suppressed"] == 1


def test_mixed_types_are_refused(key: Key) -> None:
    frame = pd.DataFrame({**DATA, "hr": [70.5, "fast", 60.0, 55.0]})
    with pytest.raises(ColumnError, match=r"'hr'.*mixed"):
        deidentify(frame, SCHEMA, key=key)


def test_no_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from ethicompass.privacy import load_key

    monkeypatch.delenv("ETHICOMPASS_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="no key"):
        load_key()
    with pytest.raises(ConfigurationError, match="no key"):
        deidentify(pl.DataFrame(DATA), SCHEMA, key=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not found"):
        load_key(tmp_path / "nope")
    (tmp_path / "short").write_text("ethicompass-key-v1:00ff\n")
    with pytest.raises(ConfigurationError, match="at least"):
        load_key(tmp_path / "short")


def test_free_text_is_dropped_when_the_policy_says_so(key: Key) -> None:
    frame = pl.DataFrame({**DATA, "note": ["Ann Lee seen", "b", "c", "d"]})
    out = deidentify(
        frame, _schema(note={"role": "free_text"}), policy=Policy.safe_harbor(free_text="drop"), key=key
    ).to_frame()
    assert "note" not in out.columns


def test_policy_from_file_and_overrides(tmp_path: Any, key: Key) -> None:
    p = tmp_path / "policy.yaml"
    p.write_text(
        "dates: shift\nshift_low: -30\nshift_high: 30\npseudonymise_types: [MRN]\nactions: {name: keep}\n"
    )
    policy = Policy.from_file(p)
    assert policy.dates == "shift" and policy.shift_high == 30
    out = deidentify(pl.DataFrame(DATA), SCHEMA, policy=policy, key=key).to_frame()
    assert out["mrn"].to_list()[1] == pseudonym("00456", key) and out["name"].to_list() == DATA["name"]
    assert deidentify(pl.DataFrame(DATA), SCHEMA, key=key).to_frame().columns[:2] == ["pid", "zip"]
    p.write_text("dates: month\n")
    with pytest.raises(Exception, match="dates"):
        Policy.from_file(p)
    with pytest.raises(Exception, match="unknown PHI type"):
        Policy.safe_harbor(pseudonymise_types={"POSTCODE"})
    p.write_text("colour: blue\n")
    with pytest.raises(Exception, match="unknown policy field"):
        Policy.from_file(p)
