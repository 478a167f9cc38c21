"""Zero leakage: no original identifier value survives de-identification of the synthetic study.

Every value of every identifier column (participant ids, direct identifiers, dates, ZIPs; as the
manifest marks them) is searched for in the output, exactly and normalised (case, spacing,
punctuation, digits only): as whole cells of every column the run transformed, and as substrings
of the whole output text for values long enough (8+ characters) that a chance match in a
24-hex-digit pseudonym is negligible. Columns the manifest marks as non-identifying are kept as
they are and are not searched (a race of "White" is not a leaked surname).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from ethicompass.privacy import Key, Policy, TableSchema, deidentify
from ethicompass.privacy.tables._cli import read_for_privacy
from ethicompass.study import Study


def _forms(value: str) -> set[str]:
    v = value.strip()
    forms = {v, v.lower(), re.sub(r"\s+", "", v.lower()), re.sub(r"[\W_]+", "", v.lower())}
    digits = re.sub(r"\D", "", v)
    if len(digits) >= 5:
        forms.add(digits)
    return {f for f in forms if f}


def _identifier_columns(schema: TableSchema) -> list[str]:
    return [
        c
        for c, s in schema.columns.items()
        if s.phi_type is not None
        or s.role.value in ("participant_id", "direct_identifier", "date", "free_text")
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "policy",
    [Policy.safe_harbor(free_text="drop"), Policy.date_shift(free_text="drop")],
    ids=["safe-harbor", "date-shift"],
)
def test_no_identifier_value_survives(small_study: Path, policy: Policy) -> None:
    study = Study.from_file(small_study / "study.yaml")
    key = Key(b"k" * 32)
    searched = 0
    for name, spec in study.datasets.items():
        schema = TableSchema.from_dataset(spec)
        identifiers = _identifier_columns(schema)
        if not identifiers:
            continue
        frame = read_for_privacy(study.dataset_path(name))
        frame = frame.select(list(schema.columns))
        result = deidentify(frame, schema, policy=policy, key=key)
        out = result.to_frame()
        dates = [c for c in identifiers if schema.columns[c].role.value == "date"]
        ages = [
            c for c in identifiers if schema.columns[c].phi_type and schema.columns[c].phi_type.value == "AGE"
        ]
        changed = [c for c in out.columns if c in identifiers and c not in dates]
        cells: set[str] = set()
        for column in changed:
            for value in out[column].cast(pl.String).drop_nulls().unique():
                cells |= _forms(value)
        text = out.select(changed).write_csv().lower() if changed else ""
        text_squeezed = re.sub(r"[\W_]+", "", text)
        leaks: list[str] = []
        for column in dates:  # a date may recur by chance elsewhere; it must not stay in its own row
            if column in out.columns:
                before = frame[column].cast(pl.String).str.slice(0, 10)
                after = out[column].cast(pl.String).str.slice(0, 10)
                searched += before.len()
                if policy.dates == "year":
                    assert out[column].dtype.is_integer(), f"{name}.{column} kept more than the year"
                if (same := int((before == after).sum())) > 0:
                    leaks.append(f"{name}.{column}: {same} rows kept their date")
        for column in (c for c in identifiers if c not in dates):
            values = frame[column].cast(pl.String).drop_nulls().unique().to_list()
            if column in ages:  # only ages over 89 are identifying; 90 is what "90+" means
                values = [v for v in values if int(v) > 90]
            for value in values:
                searched += 1
                forms = _forms(value)
                if forms & cells:
                    leaks.append(f"{name}.{column} (cell)")
                elif len(value) >= 8 and (
                    value.lower() in text or re.sub(r"[\W_]+", "", value.lower()) in text_squeezed
                ):
                    leaks.append(f"{name}.{column} (text)")
        assert not leaks, f"{len(leaks)} leaks, e.g. {leaks[:5]}"
    assert searched > 1000
