"""The fast paths of de-identification give exactly what the plain definitions give.

- pseudonyms and offsets: one HMAC per row (mostly distinct ids) and one per distinct value
  (long tables) agree with each other and with ``hmac``;
- the native HMAC route (``Key.digests_of_buffer``) gives what ``hmac`` gives, with and without
  the compiled library;
- the vectorised CSV shape check accepts a file only when Python's ``csv`` module does.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import DataFileError
from ethicompass.frames import check_csv_shape
from ethicompass.frames._csv import _check_csv_shape_exact, _csv_shape_ok
from ethicompass.privacy import Key, Policy, TableSchema, deidentify
from ethicompass.privacy.tables import _deid_transform as _deid

SCHEMA = TableSchema.from_dict(
    {
        "columns": {
            "pid": {"role": "participant_id"},
            "mrn": {"role": "direct_identifier", "phi_type": "MRN"},
            "born": {"role": "date", "phi_type": "DATE"},
            "seen": {"role": "date"},
            "age": {"role": "quasi_identifier", "phi_type": "AGE"},
        }
    }
)
KEY = Key(b"fast-path-test-key-0123456789abc")


def _table(pids: list[str | None]) -> pl.DataFrame:
    n = len(pids)
    return pl.DataFrame(
        {
            "pid": pids,
            "mrn": [None if i % 11 == 0 else f"M{i % 13:04d}" for i in range(n)],
            "born": [
                None if i % 17 == 0 else f"19{20 + i % 70:02d}-0{1 + i % 9}-{10 + i % 19}" for i in range(n)
            ],
            "seen": [f"2021-0{1 + i % 9}-2{i % 9}" for i in range(n)],
            "age": [str(30 + (i * 7) % 75) for i in range(n)],
        }
    )


PID_SHAPES = {
    "distinct": [f"P{i:05d}" for i in range(300)],
    "long": [f"P{i // 6:05d}" for i in range(300)],
    "nulls_and_pseudonyms": [
        None if i % 7 == 0 else ("ps_" + "ab" * 12 if i % 5 == 0 else f"P{i:05d}") for i in range(300)
    ],
    "all_null": [None] * 20,
    "all_pseudonyms": ["ps_" + f"{i:024x}" for i in range(40)],
}


@pytest.mark.parametrize("shape", sorted(PID_SHAPES))
@pytest.mark.parametrize(
    "policy", [Policy.date_shift(), Policy.safe_harbor(reference_year=2025)], ids=["shift", "year"]
)
def test_per_row_and_per_distinct_hashing_agree(monkeypatch, shape: str, policy: Policy) -> None:
    frame = _table(PID_SHAPES[shape])
    policy = policy.with_(pseudonymise_types=frozenset({"MRN"}), on_bad_date="suppress")
    results = []
    for distinct in (0.0, 2.0):  # 0: always one HMAC per row; 2: always find the distinct values first
        monkeypatch.setattr(_deid, "_DISTINCT", distinct)
        result = deidentify(frame, SCHEMA, policy=policy, key=KEY)
        results.append((result.to_frame(), result.to_dict()))
    assert results[0][0].equals(results[1][0])
    assert results[0][1] == results[1][1]


def test_pseudonyms_and_offsets_follow_the_documented_hmac(hash_route: str) -> None:
    values = ["P1", "Zoë", "", "x" * 200]
    joined = KEY.joined_digests(v.encode() for v in values)
    expected = [
        hmac.new(KEY.secret, b"ethicompass/v1\x00" + v.encode(), hashlib.sha256).digest() for v in values
    ]
    assert joined == b"".join(expected)
    assert KEY.digests(values) == expected
    series = _deid.DeidTransform.build(
        ["pid"],
        TableSchema.from_dict({"columns": {"pid": {"role": "participant_id"}}}),
        policy=Policy.date_shift(),
        key=KEY,
    )._fresh(pl.Series(values), "pid")[0]
    assert series.to_list() == ["ps_" + d[:12].hex() for d in expected]


def _exact_ok(path: Path) -> bool:
    try:
        _check_csv_shape_exact(path, ",")
    except DataFileError:
        return False
    return True


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(["a", ",", '"', "\n", "\r\n", "\r", " ", "é", "1"]), max_size=60).map("".join),
    st.sampled_from(["", "a,b\n", 'a,"b\nc"\n']),
    st.sampled_from([1, 2, 3, 7, 1 << 20]),
)
def test_fast_shape_check_never_accepts_what_csv_refuses(
    tmp_path_factory, body: str, head: str, block: int
) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes((head + body).encode())
    old = _csv_shape_ok.__globals__["_BLOCK"]
    _csv_shape_ok.__globals__["_BLOCK"] = block
    try:
        fast = _csv_shape_ok(path, b",")
    finally:
        _csv_shape_ok.__globals__["_BLOCK"] = old
    if fast:
        assert _exact_ok(path)


@pytest.mark.parametrize("separator", [",", "\t"])
def test_fast_shape_check_accepts_quoted_polars_csv(tmp_path: Path, separator: str) -> None:
    frame = pl.DataFrame(
        {
            "text": ["x, y", 'he said "hi"', "two\nlines", "", None, "é ü", "crlf\r\ninside", "tab\there"],
            "n": range(8),
        }
    )
    path = tmp_path / "q.csv"
    frame.write_csv(path, separator=separator)
    assert _csv_shape_ok(path, separator.encode())
    check_csv_shape(path, separator=separator)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a,b\n1,2\n3,4,5\n", "line 3: 3 fields, the header has 2"),
        (b'a,b\n1,"x\ny"\n3\n', "line 4: 1 fields, the header has 2"),
        (b"a,b\r\n1,2\r\n3\r\n", "line 3: 1 fields, the header has 2"),
        (b"a,b\n1,2\n" * 1000 + b"x\n", "line 2001: 1 fields"),
        (b"a,b\n\xe9,1\n", "not valid UTF-8"),
        (b"", "is empty"),
    ],
)
def test_bad_files_still_get_the_exact_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        check_csv_shape(path)
