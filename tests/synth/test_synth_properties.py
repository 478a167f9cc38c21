"""Property tests of the synthetic study: invariants that hold for any seed and size."""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import InputError
from ethicompass.study import PhiType
from ethicompass.synth import generate_study
from ethicompass.synth._writer import DATE_STYLES, format_date


@settings(max_examples=12, deadline=None)
@given(patients=st.integers(min_value=10, max_value=60), seed=st.integers(min_value=0, max_value=2**32))
def test_any_seed_gives_exact_spans_and_consistent_ids(patients: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = generate_study(Path(tmp), patients=patients, seed=seed)
        out = result.out_dir
        notes = {}
        for line in (out / "notes.jsonl").read_text(encoding="utf-8").splitlines():
            note = json.loads(line)
            notes[note["note_id"]] = note["text"]
        assert len(notes) == patients
        valid = {t.value for t in PhiType}
        for name in ("notes_gold.jsonl", "notes_negatives.jsonl"):
            for line in (out / name).read_text(encoding="utf-8").splitlines():
                span = json.loads(line)
                assert notes[span["note_id"]][span["start"] : span["end"]] == span["value"]
                if name == "notes_gold.jsonl":
                    assert span["type"] in valid
        assert result.rows["patients.csv"] == patients == result.truth["patients"]
        assert result.truth["seed"] == seed


@settings(max_examples=40, deadline=None)
@given(
    day=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2030, 12, 31)),
    style=st.integers(min_value=0, max_value=DATE_STYLES - 1),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_every_date_format_shows_the_day_and_month(day: dt.date, style: int, seed: int) -> None:
    text = format_date(day, style, random.Random(seed))
    assert str(day.day) in text
    assert str(day.month) in text or any(
        m in text.lower()
        for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )


def test_out_dir_that_is_a_file_is_an_input_error(tmp_path: Path) -> None:
    target = tmp_path / "study"
    target.write_text("not a directory")
    with pytest.raises(InputError, match="not a directory"):
        generate_study(target, patients=20, seed=0)


def test_bytes_do_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    here = generate_study(tmp_path / "here", patients=40, seed=9)
    code = (
        "import sys; from ethicompass.synth import generate_study; "
        "generate_study(sys.argv[1], patients=40, seed=9)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    for f in here.files:
        assert f.read_bytes() == (tmp_path / "there" / f.name).read_bytes(), f.name
