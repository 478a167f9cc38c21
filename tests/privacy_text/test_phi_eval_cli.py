"""Gold loaders, the evaluation's arithmetic, the synthetic study's notes, and the ``phi`` CLI verbs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ethicompass.privacy import GoldDocument, Key, Span, evaluate_phi, load_gold, write_key
from ethicompass.privacy.text._eval import GoldSpan, load_asq_phi
from ethicompass.study import PhiType

ASQ_SAMPLE = Path(__file__).parent.parent / "data" / "asq-phi-sample" / "queries.txt"


def test_asq_loader_locates_every_value() -> None:
    docs = load_asq_phi(ASQ_SAMPLE)
    assert len(docs) == 10
    assert sum(d.unlocated for d in docs) == 0
    first = docs[0]
    assert [first.text[s.start : s.end] for s in first.spans] == [
        "Sarah P.",
        "UCLA Medical Center",
        "March 5th, 2021",
    ]
    assert [s.type for s in first.spans] == [PhiType.NAME, PhiType.LOCATION, PhiType.DATE]
    assert sum(1 for d in docs if not d.spans) >= 2


def test_finder_on_the_asq_sample() -> None:
    result = evaluate_phi(load_gold(ASQ_SAMPLE))
    assert result.span_recall_full >= 0.95
    assert result.token_precision >= 0.85
    assert result.phi_free_flagged == 0


def test_evaluation_arithmetic() -> None:
    text = "John Smith seen 3/4/2021 in clinic"
    docs = [
        GoldDocument("a", text, (GoldSpan(0, 10, PhiType.NAME), GoldSpan(16, 24, PhiType.DATE))),
        GoldDocument("b", "nothing here"),
        GoldDocument("c", "also nothing"),
    ]
    predictions = {
        "a": [Span(0, 4, PhiType.NAME, 0.9, "x"), Span(25, 27, PhiType.LOCATION, 0.5, "y")],
        "c": [Span(0, 4, PhiType.NAME, 0.5, "z")],
    }
    r = evaluate_phi(docs, predictions=predictions)
    assert r.span_recall_any == 0.5 and r.span_recall_full == 0.0
    # gold tokens: John, Smith, 3, 4, 2021 -> 1 hit; predicted tokens: John, in, also -> 1 correct
    assert r.token_recall == pytest.approx(1 / 5) and r.token_precision == pytest.approx(1 / 3)
    assert (r.phi_free_documents, r.phi_free_flagged, r.phi_free_flagged_share) == (2, 1, 0.5)
    assert r.per_type["NAME"]["span_recall_any"] == 1.0 and r.per_type["DATE"]["span_recall_any"] == 0.0
    assert set(r.to_dict()) >= {"span_recall_full", "token_f1", "per_type"}
    assert isinstance(r.to_frame(), pl.DataFrame)


@pytest.mark.slow
def test_synthetic_notes_meet_the_targets(small_study: Path) -> None:
    docs = load_gold(small_study / "notes.jsonl", gold=small_study / "notes_gold.jsonl")
    result = evaluate_phi(docs)
    assert result.span_recall_full >= 0.97
    assert result.token_precision >= 0.85
    assert result.phi_free_flagged_share <= 0.10


@pytest.mark.slow
@pytest.mark.parametrize(
    "style", ["admission", "progress", "discharge", "referral", "nursing", "icu_nursing", "typed"]
)
def test_every_synthetic_note_style_meets_the_recall_target(small_study: Path, style: str) -> None:
    """Each style on its own, the real-note ones (upper-case ICU, lower-case typed) included: no style hides
    behind the others' average."""
    styles = {
        row["note_id"]: row["note_type"]
        for row in map(json.loads, (small_study / "notes.jsonl").read_text(encoding="utf-8").splitlines())
    }
    docs = load_gold(small_study / "notes.jsonl", gold=small_study / "notes_gold.jsonl")
    chosen = [d for d in docs if styles[d.id] == style and d.spans]
    assert len(chosen) >= 20
    assert evaluate_phi(chosen).span_recall_full >= 0.97


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


NOTES = [
    {
        "note_id": "n1",
        "pid": "P1",
        "text": "Pt John Smith seen 3/4/2021 at Mercy Hospital. Call 555-123-4567.",
    },
    {"note_id": "n2", "pid": "P2", "text": "No PHI: BP 120/80, aspirin 81 mg."},
]


def test_cli_find_jsonl(cli: Callable[..., Any], tmp_path: Path) -> None:
    notes = _write(tmp_path / "notes.jsonl", NOTES)
    r = cli("phi", "find", notes, "--id-field", "note_id")
    assert r.code == 0, r.err
    lines = [json.loads(line) for line in r.out.splitlines()]
    assert [x["id"] for x in lines] == ["n1", "n2"]
    assert [s["type"] for s in lines[0]["spans"]] == ["NAME", "DATE", "LOCATION", "PHONE"]
    assert lines[1]["spans"] == []
    assert "John" not in r.out  # values are never printed
    whole = cli("phi", "find", notes, "--id-field", "note_id", "--format", "json")
    assert whole.code == 0, whole.err
    data = json.loads(whole.out)
    assert data["documents"] == 2 and data["counts"]["NAME"] == 1
    assert [x["id"] for x in data["results"]] == ["n1", "n2"]


def test_cli_find_txt_directory_and_table(cli: Callable[..., Any], tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("Seen by Dr. Adams on 3/4/2021.", encoding="utf-8")
    (folder / "b.txt").write_text("Nothing to see.", encoding="utf-8")
    r = cli("phi", "find", folder)
    assert r.code == 0, r.err
    assert [json.loads(x)["id"] for x in r.out.splitlines()] == ["a.txt", "b.txt"]
    table = tmp_path / "notes.csv"
    pl.DataFrame({"note": [n["text"] for n in NOTES]}).write_csv(table)
    r = cli("phi", "find", table, "--column", "note", "--format", "table")
    assert r.code == 0 and "NAME" in r.out
    r = cli("phi", "find", table)
    assert r.code == 2 and "--column" in r.err


def test_cli_redact_styles(cli: Callable[..., Any], tmp_path: Path) -> None:
    notes = _write(tmp_path / "notes.jsonl", NOTES)
    out = tmp_path / "redacted.jsonl"
    r = cli("phi", "redact", notes, "--out", out)
    assert r.code == 0, r.err
    first = json.loads(out.read_text().splitlines()[0])
    assert first["text"].startswith("Pt [NAME] seen [DATE] at [LOCATION].")
    key_file = tmp_path / "key"
    write_key(Key(bytes(range(32))), key_file)  # fixed: a random key could draw "John" as a surrogate
    out2 = tmp_path / "surrogate.jsonl"
    r = cli(
        "phi",
        "redact",
        notes,
        "--out",
        out2,
        "--style",
        "surrogate",
        "--key-file",
        key_file,
        "--participant-field",
        "pid",
    )
    assert r.code == 0, r.err
    assert "John" not in out2.read_text()
    r = cli("phi", "redact", notes, "--out", tmp_path / "x.jsonl", "--style", "pseudonym")
    assert r.code == 2 and not (tmp_path / "x.jsonl").exists()


def test_cli_eval(cli: Callable[..., Any], tmp_path: Path) -> None:
    r = cli("phi", "eval", ASQ_SAMPLE, "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["span_recall_full"] >= 0.95
    r = cli("phi", "eval", ASQ_SAMPLE, "--threshold", "1.0", "--min-recall", "0.5")
    assert r.code == 1
    r = cli("phi", "eval", ASQ_SAMPLE, "--threshold", "1.0", "--min-recall", "0.5", "--no-fail")
    assert r.code == 0 and "reported only" in r.err
    r = cli("phi", "eval", ASQ_SAMPLE, "--threshold", "1.0")  # the policy's 0.95 by default
    assert r.code == 1 and "below 0.95" in r.err
    notes = _write(tmp_path / "notes.jsonl", NOTES)
    r = cli("phi", "eval", notes)
    assert r.code == 2 and "--gold" in r.err


BAD_INPUTS = [
    pytest.param(b"", "is empty", id="empty"),
    pytest.param(b" \n\n ", "is empty", id="blank"),
    pytest.param(b"Seen by Dr. Adams \xe9t\xe9 3/4/2021.", "byte 18", id="latin-1"),
    pytest.param(b"x" * ((1 << 20) - 1) + "\u00e9".encode() + b"\xff", "byte 1048577", id="past-a-block"),
]


@pytest.mark.parametrize(("content", "message"), BAD_INPUTS)
@pytest.mark.parametrize("verb", ["find", "redact", "eval"])
def test_cli_bad_input_exits_2(
    cli: Callable[..., Any], tmp_path: Path, verb: str, content: bytes, message: str
) -> None:
    """An empty or non-UTF-8 input is bad input (exit 2, the file and byte named), never a score or a file."""
    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    gold = _write(tmp_path / "gold.jsonl", [{"note_id": "notes.txt", "start": 0, "end": 4, "type": "NAME"}])
    out = tmp_path / "out.jsonl"
    args = {"find": (), "redact": ("--out", out), "eval": ("--gold", gold, "--min-recall", "0.999")}[verb]
    r = cli("phi", verb, notes, *args)
    assert r.code == 2, (r.out, r.err)
    err = r.err.replace("\n", "")  # the console wraps long paths
    assert message in err and "notes.txt" in err
    assert not out.exists()


def test_cli_eval_empty_gold_exits_2(cli: Callable[..., Any], tmp_path: Path) -> None:
    notes = _write(tmp_path / "notes.jsonl", NOTES)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    r = cli("phi", "eval", notes, "--gold", gold, "--min-recall", "0.999")
    assert r.code == 2 and "gold.jsonl" in r.err.replace("\n", "") and "empty" in r.err
    gold.write_text(json.dumps({"note_id": "elsewhere", "start": 0, "end": 2, "type": "NAME"}) + "\n")
    r = cli("phi", "eval", notes, "--gold", gold, "--min-recall", "0.999")
    assert r.code == 2 and "no gold span" in r.err


def test_cli_table_without_rows_exits_2(cli: Callable[..., Any], tmp_path: Path) -> None:
    table = tmp_path / "notes.csv"
    table.write_text("note\n", encoding="utf-8")
    r = cli("phi", "find", table, "--column", "note")
    assert r.code == 2 and "no documents" in r.err


@pytest.mark.slow
def test_cli_find_into_a_reader_that_stops_early_exits_quietly(tmp_path: Path) -> None:
    """``ethicompass phi find notes.jsonl | head -1``: the closed pipe ends the command with exit 0, no traceback."""
    import os
    import subprocess
    import sys

    notes = tmp_path / "notes.jsonl"
    notes.write_text("".join(json.dumps({"text": f"Dr. Ames saw pt {i}"}) + "\n" for i in range(3000)))
    env = {**os.environ, "ETHICOMPASS_DATABASE_URL": f"sqlite:///{tmp_path / 'audit.db'}"}
    run = "from ethicompass.cli import main; main()"
    child = subprocess.Popen(
        [sys.executable, "-c", run, "phi", "find", str(notes)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith(b'{"id"')
    child.stdout.close()
    assert child.wait(timeout=120) == 0
    assert b"Traceback" not in child.stderr.read()
