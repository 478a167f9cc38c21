"""Issue 20, the file findings re-tried: secrets and state files private from their first byte (1, 12),
a manifest cannot reach outside its folder (12), non-UTF-8 input is exit 2 naming the file and byte (9),
outputs published together and temp files found by ``doctor`` (10), CSV formula cells neutralised (11)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ethicompass import frames

CSV = """participant_id,mrn,ssn,zip,birth_date,visit_date,note_code,hba1c
P0000001,00012345,123-45-6789,02139,1950-01-02,2020-05-06,=HYPERLINK("http://x"),-3.2
P0000002,00012346,234-56-7890,03601,1931-02-03,2020-06-07,@SUM(A1),7.4
P0000003,00012347,345-67-8901,10001,1980-03-04,2021-07-08,ok,+5.9
"""


def _flat(text: str) -> str:
    """The text without whitespace: the console wraps long lines anywhere, even inside a path."""
    return "".join(text.split())


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def write_modes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (file name, mode) at the moment bytes are written through pathlib, and every chmod."""
    seen: list[tuple[str, int]] = []
    real_bytes, real_text, real_chmod = Path.write_bytes, Path.write_text, Path.chmod
    real_os_chmod = os.chmod

    def write_bytes(self: Path, data: Any) -> int:
        if self.exists():
            seen.append((self.name, _mode(self)))
        return real_bytes(self, data)

    def write_text(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        if self.exists():
            seen.append((self.name, _mode(self)))
        return real_text(self, data, *args, **kwargs)

    def chmod(self: Path, mode: int, **kwargs: Any) -> None:
        seen.append((self.name, mode))
        real_chmod(self, mode, **kwargs)

    def os_chmod(path: Any, mode: int, *args: Any, **kwargs: Any) -> None:
        seen.append((Path(path).name, mode))
        real_os_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(Path, "write_text", write_text)
    monkeypatch.setattr(Path, "chmod", chmod)
    monkeypatch.setattr(os, "chmod", os_chmod)
    return seen


# ------------------------------------------------------------------ finding 1: 0600 from the first byte
def test_atomic_temp_is_private_while_written(tmp_path: Path, umask_022: None) -> None:
    with frames.atomic_path(tmp_path / "public.csv") as tmp:
        assert _mode(tmp) == 0o600  # was 0644 before any byte was written
        tmp.write_text("a\n")
    assert _mode(tmp_path / "public.csv") == 0o644  # a finished ordinary output gets the umask mode
    with frames.atomic_path(tmp_path / "secret", mode=0o600) as tmp:
        tmp.write_text("k\n")
    assert _mode(tmp_path / "secret") == 0o600


@pytest.mark.parametrize("verb", [("keys", "new"), ("audit", "keygen")], ids=" ".join)
def test_key_files_are_never_readable_by_others(
    cli: Callable[..., Any], tmp_path: Path, umask_022: None, write_modes: list[tuple[str, int]], verb: tuple
) -> None:
    key = tmp_path / "KEY"
    assert cli(*verb, "--out", key).code == 0
    assert _mode(key) == 0o600
    touched = [mode for name, mode in write_modes if name.startswith(".KEY.")]
    assert touched and all(mode == 0o600 for mode in touched), touched


def _schema(cli: Callable[..., Any], data: Path) -> Path:
    schema = data.parent / "schema.yaml"
    assert cli("scan", data, "--out", schema).code == 0
    doc = yaml.safe_load(schema.read_text())
    doc["columns"]["note_code"] = {"role": "other"}
    doc["columns"]["hba1c"] = {"role": "other"}
    schema.write_text(yaml.safe_dump(doc))
    return schema


@pytest.fixture
def table(tmp_path: Path, cli: Callable[..., Any]) -> dict[str, Path]:
    data = tmp_path / "patients.csv"
    data.write_text(CSV)
    key = tmp_path / "secret" / "KEY"
    assert cli("keys", "new", "--out", key).code == 0
    return {"data": data, "key": key, "schema": _schema(cli, data)}


def test_linkage_temp_is_private_from_the_first_byte(
    cli: Callable[..., Any],
    table: dict[str, Path],
    tmp_path: Path,
    umask_022: None,
    write_modes: list[tuple[str, int]],
) -> None:
    link = tmp_path / "vault" / "linkage.bin"
    args = ("--schema", table["schema"], "--key-file", table["key"], "--out", tmp_path / "o.csv")
    done = cli("deid", table["data"], *args, "--linkage-out", link)
    assert done.code == 0, done.err
    touched = [mode for name, mode in write_modes if name.startswith(".linkage.bin.")]
    assert touched and all(mode == 0o600 for mode in touched), touched
    assert _mode(link) == 0o600


# ------------------------------------------------------------------ finding 12: state files, manifest paths
def test_sqlite_state_database_and_wal_are_private(tmp_path: Path, umask_022: None) -> None:
    from ethicompass.store import Store
    from ethicompass.transparency import AuditLog

    db = tmp_path / "state" / "ethicompass.db"
    store = Store(f"sqlite:///{db}").open()
    try:
        AuditLog(store).append(action="data.read", object_type="test", object_id="x")
        files = [p for p in db.parent.iterdir() if p.name.startswith("ethicompass.db")]
        assert db in files
        assert {p.name: _mode(p) for p in files} == dict.fromkeys((p.name for p in files), 0o600)
    finally:
        store.dispose()


def test_consent_export_is_private(cli: Callable[..., Any], tmp_path: Path, umask_022: None) -> None:
    (tmp_path / "c.csv").write_text(
        "participant_id,purpose,action,decision,recorded_at,version,document_version\n"
        "P1,ai-model-training,grant,permit,2024-01-01T00:00:00Z,1,v1\n"
    )
    assert cli("consent", "import", tmp_path / "c.csv", "--register-unknown").code == 0
    for name in ("out.json", "out.ndjson"):
        r = cli("consent", "export", "--fhir", "r4", "--out", tmp_path / name)
        assert r.code == 0, r.err
        assert _mode(tmp_path / name) == 0o600


@pytest.mark.parametrize(
    ("field", "doc"),
    [
        ("datasets.patients.path", {"datasets": {"patients": {"path": "../outside.csv"}}}),
        ("datasets.patients.path", {"datasets": {"patients": {"path": "/etc/passwd"}}}),
        ("policy", {"datasets": {"patients": {"path": "p.csv"}}, "policy": "../../policy.yaml"}),
    ],
)
def test_manifest_paths_outside_the_study_folder_are_refused(
    cli: Callable[..., Any], tmp_path: Path, field: str, doc: dict[str, Any]
) -> None:
    study = tmp_path / "study"
    study.mkdir()
    (study / "p.csv").write_text("a\n1\n")
    (tmp_path / "outside.csv").write_text("a\n1\n")
    (study / "study.yaml").write_text(yaml.safe_dump({"name": "s", **doc}))
    r = cli("study", "validate", study / "study.yaml")
    assert r.code == 2
    assert field in _flat(r.err) and "outsidethestudyfolder" in _flat(r.err)


def test_manifest_paths_in_subfolders_are_fine(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "p.csv").write_text("a\n1\n")
    (tmp_path / "study.yaml").write_text(
        yaml.safe_dump({"name": "s", "datasets": {"p": {"path": "data/../data/p.csv"}}})
    )
    assert cli("study", "validate", tmp_path / "study.yaml").code == 0


# ------------------------------------------------------------------ finding 9: non-UTF-8 input
LATIN1 = "name: caf\xe9\n".encode("latin-1")


def test_non_utf8_inputs_exit_2_naming_file_and_byte(
    cli: Callable[..., Any], table: dict[str, Path], small_study: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(LATIN1)
    out = tmp_path / "o.csv"
    study = tmp_path / "study"
    shutil.copytree(small_study, study)
    (study / "study.yaml").write_bytes((study / "study.yaml").read_bytes() + b"# caf\xe9\n")
    runs = {
        "deid --schema": cli(
            "deid", table["data"], "--schema", bad, "--key-file", table["key"], "--out", out
        ),
        "deid --key-file": cli(
            "deid", table["data"], "--schema", table["schema"], "--key-file", bad, "--out", out
        ),
        "study validate": cli("study", "validate", study / "study.yaml"),
        "review": cli("review", study / "study.yaml", "--out", tmp_path / "r", "--no-pdf"),
        "review --policy": cli(
            "review", small_study / "study.yaml", "--policy", bad, "--out", tmp_path / "r2"
        ),
        "modelcard build": cli("modelcard", "build", study / "study.yaml", "--out", tmp_path / "mc"),
    }
    for what, r in runs.items():
        err = _flat(r.err)
        assert r.code == 2, (what, r.err)
        assert "Traceback" not in err and "notUTF-8" in err and "byte" in err, (what, r.err)
        named = "latin1.yaml" if "study" not in err.split("notUTF-8")[0] else "study.yaml"
        assert named in err, (what, r.err)
    assert not out.exists()


def test_read_text_file_names_the_offset(tmp_path: Path) -> None:
    from ethicompass.errors import DataFileError

    p = tmp_path / "x.txt"
    p.write_bytes(b"abc\xffdef")
    with pytest.raises(DataFileError, match=r"x.txt is not UTF-8 text: byte 3 is 0xff"):
        frames.read_text_file(p)


# ------------------------------------------------------------------ finding 10: published together, doctor
def test_deid_publishes_its_certificate_last_and_leaves_nothing_on_error(
    cli: Callable[..., Any], table: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "release"
    renamed: list[str] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        renamed.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    args = ("--schema", table["schema"], "--key-file", table["key"], "--out", out_dir / "o.csv")
    done = cli("deid", table["data"], *args, "--linkage-out", out_dir / "link.bin")
    assert done.code == 0, done.err
    assert renamed == ["o.csv", "link.bin", "o.csv.certificate.json"]

    from ethicompass import transparency

    def fail(*_: Any, **__: Any) -> None:  # the audit write fails (the verb records through audited())
        raise OSError("disk full")

    monkeypatch.setattr(transparency, "audited", fail)
    again = tmp_path / "again"
    args = ("--schema", table["schema"], "--key-file", table["key"], "--out", again / "o.csv")
    r = cli("deid", table["data"], *args, "--linkage-out", again / "link.bin")
    assert r.code == 2
    assert list(again.iterdir()) == []  # no output, no certificate, no linkage, no temp file


def test_atomic_group_removes_every_temp_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), frames.AtomicGroup() as group:
        group.path(tmp_path / "a.csv").write_text("a")
        group.path(tmp_path / "b.json", mode=0o600).write_text("b")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_doctor_finds_and_removes_leftover_temp_files(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("a\n")
    assert cli("doctor", tmp_path).code == 0
    left = tmp_path / "sub" / ".out.csv.k2j3h4.tmp"
    left.parent.mkdir()
    left.write_text("half")
    r = cli("doctor", tmp_path, "--format", "json")
    assert r.code == 1
    assert json.loads(r.out)["leftover_temp_files"] == [str(left)]
    r = cli("doctor", tmp_path, "--remove")
    assert r.code == 0 and not left.exists()
    assert cli("doctor", tmp_path / "absent").code == 2


# ------------------------------------------------------------------ finding 11: CSV formula injection
def test_neutralise_formulas_keeps_numbers() -> None:
    frame = pl.DataFrame(
        {
            "s": ["=1+1", "+1", "-3.2", "-2+3", "@x", "\tx", "\rx", "plain", None, "1e5"],
            "n": [-3.2, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        }
    )
    fixed, hits = frames.neutralise_formulas(frame)
    assert fixed["s"].to_list() == [
        "'=1+1",
        "+1",
        "-3.2",
        "'-2+3",
        "'@x",
        "'\tx",
        "'\rx",
        "plain",
        None,
        "1e5",
    ]
    assert hits == 5 and fixed["n"].equals(frame["n"])


def test_deid_csv_neutralises_formulas_and_counts_them(
    cli: Callable[..., Any], table: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "o.csv"
    args = ("--schema", table["schema"], "--key-file", table["key"])
    done = cli("deid", table["data"], *args, "--out", out, "-f", "json")
    assert done.code == 0, done.err
    got = pl.read_csv(out, infer_schema=False)
    assert got["note_code"].to_list() == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "ok"]
    assert got["hba1c"].to_list() == ["-3.2", "7.4", "+5.9"]
    assert done.json()["csv_formulas"] == {"neutralised_cells": 2, "raw_csv": False}
    cert = json.loads((tmp_path / "o.csv.certificate.json").read_text())
    assert cert["csv_formulas"]["neutralised_cells"] == 2
    raw = cli("deid", table["data"], *args, "--out", tmp_path / "raw.csv", "--raw-csv")
    assert raw.code == 0, raw.err
    assert pl.read_csv(tmp_path / "raw.csv", infer_schema=False)["note_code"][0] == '=HYPERLINK("http://x")'


def test_anonymize_csv_neutralises_formulas(cli: Callable[..., Any], tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    rows = ["age,sex,note"] + [f"{30 + i % 3},{'FM'[i % 2]},{'=cmd' if i == 0 else '-1'}" for i in range(30)]
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "o.csv"
    r = cli("anonymize", data, "--qi", "age,sex", "--k", "2", "--out", out, "-f", "json")
    assert r.code == 0, r.err
    assert r.json()["csv_formulas_neutralised"] == 1
    assert "'=cmd" in out.read_text() and "=cmd" not in out.read_text().replace("'=cmd", "")
    r = cli("anonymize", data, "--qi", "age,sex", "--k", "2", "--out", out, "--raw-csv")
    assert r.code == 0 and "'=cmd" not in out.read_text()


def test_consent_enforce_csv_neutralises_formulas(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(
        "participant_id,purpose,action,decision,recorded_at,version,document_version\n"
        "P1,ai-model-training,grant,permit,2024-01-01T00:00:00Z,1,v1\n"
    )
    assert cli("consent", "import", tmp_path / "c.csv", "--register-unknown").code == 0
    (tmp_path / "d.csv").write_text('participant_id,x\nP1,"=2+5"\nP2,=evil\n')
    out = tmp_path / "kept.csv"
    r = cli(
        "consent",
        "enforce",
        tmp_path / "d.csv",
        "-c",
        "participant_id",
        "--purpose",
        "ai-model-training",
        "--out",
        out,
    )
    assert r.code == 0, r.err
    assert pl.read_csv(out, infer_schema=False)["x"].to_list() == ["'=2+5"]
