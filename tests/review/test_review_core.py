"""Ethics review: policy validation, verdict rules, the golden report, the audit entry, the HTML.

The golden test compares a normalised ``report.json`` of the seeded 400-patient study (seed 7)
with ``tests/review/data/golden_report.json``. After an intended change to an assessor, regenerate
it with::

    ETHICOMPASS_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/review/test_review_core.py -k golden

and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.errors import ManifestError
from ethicompass.review import Check, Policy, PrincipleResult, Report, combine
from ethicompass.review._report import PRINCIPLES, Verdict

GOLDEN = Path(__file__).parent / "data" / "golden_report.json"


# ----------------------------------------------------------------------------- policy
@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("privacy: {k: 1}", "privacy.k"),
        ("privacy: {method: guesswork}", "privacy.method"),
        ("privacy: {max_average_risk: 2}", "privacy.max_average_risk"),
        ("fairness: {max_tpr_difference: 0}", "fairness.max_tpr_difference"),
        ("fairness: {representativeness: [1.1, 1.5]}", "fairness"),
        ("safety: {threshold_range: [0.5, 0.2]}", "safety"),
        ("safety: {calibration_slope: [1.2, 0.8]}", "safety"),
        ("consent: {max_unresolved: -1}", "consent.max_unresolved"),
        ("privacy: {kk: 5}", "privacy.kk"),
        ("unknown_section: {}", "unknown_section"),
        ("schema_version: 2", "schema_version"),
    ],
)
def test_policy_error_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        Policy.from_file(path)
    assert f"{path}: {field}" in str(info.value)
    assert info.value.hint


@pytest.mark.parametrize(
    ("text", "words"),
    [("[1, 2]", "mapping"), ("privacy: {k: [", "not valid YAML")],
)
def test_policy_file_shape(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=words):
        Policy.from_file(path)


def test_policy_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such policy file"):
        Policy.from_file(tmp_path / "absent.yaml")


def test_policy_partial_file_keeps_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("name: strict\nprivacy: {k: 11}\n", encoding="utf-8")
    policy = Policy.from_file(path)
    assert policy.privacy.k == 11
    assert policy.privacy.prosecutor_limit() == pytest.approx(1 / 11)
    assert policy.fairness == Policy.default().fairness
    assert policy.to_dict()["name"] == "strict"


def test_every_default_cites_a_source() -> None:
    from ethicompass.review import SOURCES

    defaults = Policy.default().to_dict()
    for section in ("privacy", "fairness"):
        for key in defaults[section]:
            if key in ("groups",):
                continue
            assert f"{section}.{key}" in SOURCES, f"{section}.{key} has no source"
    assert all(SOURCES.values())


# ----------------------------------------------------------------------------- verdicts
@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], "not_assessed"),
        (["not_assessed"], "not_assessed"),
        (["not_assessed", "not_assessed"], "not_assessed"),
        (["pass"], "pass"),
        (["pass", "pass"], "pass"),
        (["pass", "warn"], "warn"),
        (["pass", "not_assessed"], "warn"),
        (["warn", "not_assessed"], "warn"),
        (["fail"], "fail"),
        (["pass", "fail"], "fail"),
        (["warn", "fail"], "fail"),
        (["not_assessed", "fail"], "fail"),
        (["pass", "warn", "not_assessed", "fail"], "fail"),
    ],
)
def test_combine(verdicts: list[Verdict], expected: Verdict) -> None:
    assert combine(verdicts) == expected
    checks = tuple(Check(id=f"x.{i}", title="x", verdict=v) for i, v in enumerate(verdicts))
    assert PrincipleResult("privacy", checks).verdict == expected


def _report(per_principle: dict[str, list[Verdict]]) -> Report:
    principles = {
        name: PrincipleResult(
            name, tuple(Check(id=f"{name}.{i}", title="t", verdict=v) for i, v in enumerate(vs))
        )
        for name, vs in per_principle.items()
    }
    return Report(study="s", policy={}, generated_at="2026-01-01T00:00:00Z", principles=principles)


@pytest.mark.parametrize(
    ("per_principle", "expected", "code"),
    [
        ({name: ["pass"] for name in PRINCIPLES}, "pass", 0),
        ({name: ["not_assessed"] for name in PRINCIPLES}, "warn", 0),
        ({"privacy": ["pass"], "training": ["not_assessed"]}, "warn", 0),
        ({"privacy": ["pass"], "fairness": ["warn"]}, "warn", 0),
        ({"privacy": ["pass"], "fairness": ["fail", "pass"]}, "fail", 1),
        ({"privacy": ["not_assessed"], "fairness": ["fail"]}, "fail", 1),
        ({}, "warn", 0),
    ],
)
def test_report_verdict(per_principle: dict[str, list[Verdict]], expected: str, code: int) -> None:
    report = _report(per_principle)
    assert report.verdict == expected
    assert report.verdict != "pass" or all(p.verdict == "pass" for p in report.principles.values())
    assert report.exit_code == code
    data = report.to_dict()
    assert set(data) == {
        "schema_version",
        "study",
        "study_info",
        "policy",
        "generated_at",
        "verdict",
        "principles",
    }
    for name, principle in data["principles"].items():
        assert name in PRINCIPLES
        assert principle["verdict"] == report.principles[name].verdict
    assert list(data["principles"]) == [n for n in PRINCIPLES if n in per_principle]


# ----------------------------------------------------------------------------- golden
def normalise(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what changes run to run: generation time and content hashes."""
    text = json.dumps({k: v for k, v in report.items() if k != "generated_at"}, sort_keys=True)
    text = re.sub(r"sha256:[0-9a-f]{8,64}", "sha256:<hash>", text)
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def reviewed(real_review: Any) -> Iterator[tuple[Any, Any]]:
    """The session's review of the seeded study (no PDF), with its store reopened."""
    from ethicompass.store import Store

    store = Store(real_review.url).open()
    try:
        yield real_review.output, store
    finally:
        store.dispose()


@pytest.mark.slow
def test_golden_report(reviewed: tuple[Any, Any]) -> None:
    output, _ = reviewed
    got = normalise(json.loads(output.json_path.read_text(encoding="utf-8")))
    if os.environ.get("ETHICOMPASS_REGENERATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got["verdict"] == want["verdict"]
    for name in PRINCIPLES:
        assert got["principles"][name]["verdict"] == want["principles"][name]["verdict"], name
        assert got["principles"][name] == want["principles"][name], name
    assert got == want


@pytest.mark.slow
def test_report_shape(reviewed: tuple[Any, Any]) -> None:
    output, _ = reviewed
    data = json.loads(output.json_path.read_text(encoding="utf-8"))
    assert set(data) == {
        "schema_version",
        "study",
        "study_info",
        "policy",
        "generated_at",
        "verdict",
        "principles",
    }
    assert data["verdict"] in ("pass", "warn", "fail")
    assert list(data["principles"]) == list(PRINCIPLES)
    for principle in data["principles"].values():
        assert principle["verdict"] in ("pass", "warn", "fail", "not_assessed")
        for check in principle["checks"]:
            assert {"id", "title", "verdict", "value", "threshold", "evidence", "source"} <= set(check)
            if check["verdict"] == "not_assessed":
                assert check["evidence"], check["id"]
    assert data["principles"]["training"]["verdict"] != "pass" or data["principles"]["training"]["checks"]


@pytest.mark.slow
def test_audit_entry_holds_report_hash(reviewed: tuple[Any, Any]) -> None:
    from ethicompass.frames import sha256_file
    from ethicompass.transparency import AuditLog

    output, store = reviewed
    entries = AuditLog(store).entries(action="review.report")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.hashes["report.json"] == output.report_hash == sha256_file(output.json_path)
    assert entry.hashes["report.html"] == sha256_file(output.html_path)
    assert entry.params["verdict"] == output.report.verdict
    assert entry.object_id == output.report.study
    assert AuditLog(store).verify().ok


_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)


@pytest.mark.slow
def test_html_makes_no_external_requests(reviewed: tuple[Any, Any]) -> None:
    """Nothing in the page is fetched: no src, link href, CSS url() or @import from elsewhere.

    Plain ``<a href>`` links (to a cited source) are allowed: they are not requests.
    """
    from lxml import html as lxml_html

    output, _ = reviewed
    text = output.html_path.read_text(encoding="utf-8")
    tree = lxml_html.fromstring(text)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("src", "srcset", "data", "poster", "action", "formaction", "background"):
            value = element.get(attribute)
            assert value is None or not _EXTERNAL.match(value), (element.tag, attribute, value)
        if element.tag in ("link", "use", "image") or element.tag.endswith("}image"):
            for key, value in element.attrib.items():
                if key.endswith("href"):
                    assert not _EXTERNAL.match(value), (element.tag, value)
    assert not tree.xpath("//script[@src]")
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", text, re.I)
    assert "@import" not in text
    assert "<style" in text and "<svg" in text
    assert output.report.study in text


_VERDICTS = st.sampled_from(["pass", "warn", "fail", "not_assessed"])


@settings(max_examples=50, deadline=None)
@given(st.lists(_VERDICTS, max_size=8), st.randoms(use_true_random=False))
def test_combine_properties(verdicts: list[Verdict], rnd: Any) -> None:
    combined = combine(verdicts)
    shuffled = list(verdicts)
    rnd.shuffle(shuffled)
    assert combine(shuffled) == combined  # order does not matter
    assert (combined == "fail") == ("fail" in verdicts)
    assert (combined == "pass") == (bool(verdicts) and all(v == "pass" for v in verdicts))
    assert combined != "pass" or "not_assessed" not in verdicts
    assert combine([*verdicts, "pass"]) in (combined, "pass", "warn")
