"""Disclosure control: no published count under the minimum, complementary suppression, the check, bad files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sites.conftest import Federation


def _cells(
    body: dict[str, Any], column: str, kinds: tuple[str, ...] = ("overall", "attribute", "joint")
) -> list[Any]:
    """One column of every cell of the file's tables of the given kinds."""
    return [
        row[table["columns"].index(column)]
        for table in body["fairness"]["tables"]
        if table["kind"] in kinds
        for row in table["rows"]
    ]


def _minimal_body(groups: list[str], rows: list[Any]) -> dict[str, Any]:
    """A site body whose fairness section is an overall table of one cell and ``rows`` as the table of
    the one group column (enough for the check)."""
    from ethicompass.sites._format import FORMAT, FORMAT_VERSION

    internal = ["_label", "_pred", "_score", "_n", "_sum_e", "_sum_e2", "_sum_e4"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "site": "A",
        "fairness": {
            "groups": groups,
            "tables": [
                {
                    "kind": "overall",
                    "groups": [],
                    "columns": internal,
                    "rows": [[0, 0, 0.1, 9, 0.9, 0.1, 0.01]],
                },
                {"kind": "attribute", "groups": groups, "columns": [*groups, *internal], "rows": rows},
            ],
        },
    }


def test_every_published_count_is_at_least_the_minimum(guarded_sites: Federation) -> None:
    for f in guarded_sites.files:
        body = f.body
        assert [(t["kind"], t["groups"]) for t in body["fairness"]["tables"]] == [
            ("overall", []),
            *[("attribute", [g]) for g in ("sex", "race", "age_group", "site")],
            ("joint", ["sex", "race", "age_group", "site"]),
        ]
        counts = _cells(body, "_n")
        assert counts and min(counts) >= 5
        for values in body["representativeness"].values():
            assert all(n >= 5 for n in values.values())
        assert all(n >= 5 for n in body["consent"]["rows_dropped"].values())
        assert body["certificate"]["passed"] and body["certificate"]["min_cell_size"] == 5
        # every score key is an edge of the policy's 100 bins (no row's score leaves the site)
        edges = np.array(_cells(body, "_score", ("overall", "attribute"))) * 100
        assert np.allclose(edges, np.round(edges))
        assert set(_cells(body, "_score", ("joint",))) <= {None}  # the joint table has no score
        assert f.signature_valid()


def test_nothing_identifying_leaves(guarded_sites: Federation, small_study: Path) -> None:
    import polars as pl

    ids = set(pl.read_csv(small_study / "patients.csv")["participant_id"].to_list())
    emails = set(pl.read_csv(small_study / "patients.csv")["email"].to_list())
    for f in guarded_sites.files:
        text = f.to_text()
        assert not any(pid in text for pid in ids)
        assert not any(e in text for e in emails)
        # the only group columns are the audit's attributes and the site column
        assert f.body["fairness"]["groups"] == ["sex", "race", "age_group", "site"]


def test_suppression_is_recorded_per_table_and_group(guarded_sites: Federation) -> None:
    for f in guarded_sites.files:
        record = f.body["disclosure"]["suppressed"]["fairness"]
        assert record["cells"] == sum(t["cells"] for t in record["tables"])
        for table in record["tables"]:
            lo, hi = table["rows"]
            assert table["cells"] == 0 or (table["cells"] >= 2 and table["cells"] <= lo <= hi)
            # the band never pins a total: never narrower than "each hidden cell holds 1 to 4 rows"
            assert table["cells"] == 0 or (hi - lo >= 3 and hi >= table["cells"] * 4)
            if table["kind"] != "overall":
                assert sum(w["cells"] for w in table["withheld"]) == table["cells"]
                for w in table["withheld"]:
                    assert len(w["group"]) == len(table["groups"]) and w["rows"][1] - w["rows"][0] >= 3
                    assert w["rows"][1] >= 4 * w["cells"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=30),
    st.integers(min_value=2, max_value=6),
    st.integers(min_value=1, max_value=5),
)
def test_complementary_never_leaves_one_hidden_cell_in_a_margin(
    counts: list[int], minimum: int, k: int
) -> None:
    from ethicompass.sites import complementary

    n = np.array(counts)
    margins = [np.arange(n.size)] + [np.arange(n.size)[i::k] for i in range(k)]
    mask = complementary(n, margins, minimum)
    assert mask[(n > 0) & (n < minimum)].all()  # every small cell is hidden
    for margin in margins:
        # a margin with exactly one hidden cell would give it away by subtraction: never one under the minimum
        # (unless the margin is that cell, or its total is itself under the minimum: no file publishes it)
        lone = margin[mask[margin]]
        if lone.size == 1 and margin.size > 1 and n[margin].sum() >= minimum:
            assert n[lone[0]] >= minimum


def test_a_guarded_federation_states_the_bounds(guarded_sites: Federation, tmp_path: Path) -> None:
    from ethicompass.sites import federate
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'c.db'}").open()
    try:
        output, _ = federate(
            guarded_sites.files, policy=guarded_sites.policy, store=store, out_dir=tmp_path / "out"
        )
    finally:
        store.dispose()
    check = next(c for c in output.report.principles["privacy"].checks if c.id == "privacy.site_disclosure")
    assert (
        check.verdict == "warn" and "group combination(s) withheld; overall table: between" in check.evidence
    )
    assert "estimates exclude the suppressed cells" in check.evidence
    # a 400-patient study split three ways loses cells of most groups: those are named and not judged, the
    # rest (the whole population's decision curve and calibration) is, from complete overall tables
    withheld = {f.site: f.body["disclosure"]["suppressed"]["fairness"]["tables"] for f in guarded_sites.files}
    p = guarded_sites.study.predictions
    judged = {
        "fairness": list(guarded_sites.policy.fairness.groups or p.groups),
        "beneficence": [*p.groups, *([p.site] if p.site and p.site not in p.groups else [])],
    }
    named = {
        principle: {
            f"{t['groups'][0]}={w['group'][0]}"
            for tables in withheld.values()
            for t in tables
            if t["kind"] == "attribute" and t["groups"][0] in attributes
            for w in t["withheld"]
        }
        for principle, attributes in judged.items()
    }
    for principle in ("fairness", "beneficence"):
        checks = {c.id: c for c in output.report.principles[principle].checks}
        assert f"{principle}.site_suppression" not in checks
        note = checks[f"{principle}.site_withheld"]
        assert named[principle] and note.verdict == "warn"
        assert all(group in note.evidence for group in named[principle]), (named[principle], note.evidence)
        assert output.report.principles[principle].verdict != "not_assessed"
    benefit = {c.id: c for c in output.report.principles["beneficence"].checks}
    assert benefit["beneficence.net_benefit"].verdict in ("pass", "warn", "fail")
    # no judged group is one a site withheld cells of
    fairness = {c.id: c for c in output.report.principles["fairness"].checks}
    for check_id, c in fairness.items():
        if "_difference." in check_id:
            assert not any(group in c.evidence for group in named["fairness"]), check_id


def test_heavy_suppression_of_the_overall_table_is_not_judged(
    guarded_sites: Federation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the policy's max_suppressed_share of the overall tables' rows, fairness and benefit are not
    judged at all (the share is forced here: the small study's overall tables lose under 5 %)."""
    from ethicompass.sites import _federate, federate
    from ethicompass.store import Store

    monkeypatch.setattr(_federate, "suppressed_share", lambda merged: 0.3)
    store = Store(f"sqlite:///{tmp_path / 'c.db'}").open()
    try:
        output, _ = federate(
            guarded_sites.files, policy=guarded_sites.policy, store=store, out_dir=tmp_path / "o"
        )
    finally:
        store.dispose()
    for principle in ("fairness", "beneficence"):
        (only,) = output.report.principles[principle].checks
        assert (
            only.id == f"{principle}.site_suppression"
            and only.verdict == "not_assessed"
            and only.value == 0.3
        )


# ----------------------------------------------------------------------------- bad input
def _resign(path: Path, body: dict[str, Any], key_file: Path) -> None:
    from ethicompass.sites._format import sign
    from ethicompass.transparency import load_signing_key

    path.write_text(sign(body, load_signing_key(key_file)).to_text(), encoding="utf-8")


def _copy(guarded: Federation, tmp_path: Path) -> list[Path]:
    paths = []
    for f in guarded.files:
        target = tmp_path / Path(f.source).name
        target.write_text(Path(f.source).read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(target)
    return paths


def _policy_file(guarded: Federation, tmp_path: Path, **change: Any) -> Path:
    import yaml

    data = guarded.policy.to_dict()
    data.update(change)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _refused(result: Any, out: Path, *needles: str) -> None:
    assert result.code == 2, result.err
    for needle in needles:
        assert needle in result.err
    assert not (out / "report.json").exists()


def test_federate_cli_merges_good_files(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    out = tmp_path / "out"
    result = cli(
        "federate",
        "review",
        *paths,
        "--policy",
        _policy_file(guarded_sites, tmp_path),
        "--out",
        out,
        "--no-fail",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert result.json()["sites"] == ["A", "B", "C"]
    sites = json.loads((out / "sites.json").read_text())
    assert {p["site"] for p in sites["provenance"]} == {"A", "B", "C"}
    assert sites["suppressed_share"] > 0  # and so fairness was not judged (see the test above)
    log = cli("audit", "log", "--format", "json")
    assert "site.federate" in log.out and "review.report" in log.out


def test_a_changed_count_breaks_the_signature(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    data = json.loads(paths[1].read_text())
    table = data["body"]["fairness"]["tables"][0]
    table["rows"][0][table["columns"].index("_n")] += 1
    paths[1].write_text(json.dumps(data))
    out = tmp_path / "out"
    result = cli(
        "federate", "review", *paths, "--policy", _policy_file(guarded_sites, tmp_path), "--out", out
    )
    _refused(result, out, "site 'B'", "signature does not verify")


def test_a_cell_under_the_minimum_is_refused(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    data = json.loads(paths[0].read_text())
    body = data["body"]
    table = body["fairness"]["tables"][1]  # the first attribute table
    table["rows"][0][table["columns"].index("_n")] = 3
    _resign(paths[0], body, guarded_sites.root / "A.pem")  # even signed by the site itself
    out = tmp_path / "out"
    result = cli(
        "federate", "review", *paths, "--policy", _policy_file(guarded_sites, tmp_path), "--out", out
    )
    _refused(result, out, "site 'A'", "under the minimum 5")
    assert cli("site", "check", paths[0]).code == 1


def test_the_same_site_twice_is_refused(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    out = tmp_path / "out"
    result = cli(
        "federate",
        "review",
        *paths,
        paths[0],
        "--policy",
        _policy_file(guarded_sites, tmp_path),
        "--out",
        out,
    )
    _refused(result, out, "site 'A'", "the same site twice")


def test_another_policy_is_refused(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    out = tmp_path / "out"
    other = _policy_file(guarded_sites, tmp_path, version="2")
    _refused(
        cli("federate", "review", *paths, "--policy", other, "--out", out), out, "site 'A'", "version '1'"
    )


def test_another_manifest_is_refused(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    paths = _copy(guarded_sites, tmp_path)
    data = json.loads(paths[1].read_text())
    body = data["body"]
    body["manifest"]["content"]["version"] = "2"
    body["manifest"]["version"] = "2"
    body["manifest"]["hash"] = "sha256:" + "0" * 64
    _resign(paths[1], body, guarded_sites.root / "B.pem")
    out = tmp_path / "out"
    result = cli(
        "federate", "review", *paths, "--policy", _policy_file(guarded_sites, tmp_path), "--out", out
    )
    _refused(result, out, "site 'B'", "manifest version '2'")


def test_a_file_that_is_not_a_site_file(cli: Callable[..., Any], tmp_path: Path) -> None:
    bad = tmp_path / "x.ecsite"
    bad.write_text(json.dumps({"body": {"format": "other"}, "signature": {}}))
    result = cli("federate", "review", bad, "--out", tmp_path / "out")
    assert result.code == 2 and "x.ecsite" in result.err


def test_site_check_passes_a_good_file_and_logs_it(
    cli: Callable[..., Any], guarded_sites: Federation
) -> None:
    result = cli("site", "check", guarded_sites.files[0].source, "--format", "json")
    assert result.code == 0, result.err
    assert result.json()["passed"] is True
    log = cli("audit", "log", "--format", "json")
    assert log.code == 0 and "site.check" in log.out


def test_an_identifier_shaped_group_value_fails_the_check() -> None:
    from ethicompass.sites import check_body

    body = _minimal_body(["ward"], [["MRN 12345678", 0, 0, 0.1, 9, 0.9, 0.1, 0.01]])
    certificate = check_body(body, min_cell_size=5, score_bins=100)
    assert not certificate["passed"]
    assert "12345678" not in json.dumps(certificate)  # the value is never quoted
    body["fairness"]["tables"][1]["rows"][0][0] = "cardiology"
    assert check_body(body, min_cell_size=5, score_bins=100)["passed"]
    # a group named only in the record of what was withheld is checked too
    body["disclosure"] = {
        "suppressed": {
            "fairness": {"tables": [{"kind": "attribute", "withheld": [{"group": ["MRN 12345678"]}]}]}
        }
    }
    assert not check_body(body, min_cell_size=5, score_bins=100)["passed"]


def test_a_group_column_that_is_an_identifier_is_refused(small_study: Path, tmp_path: Path) -> None:
    from ethicompass.errors import InputError
    from ethicompass.review import Policy
    from ethicompass.sites import summarize_site
    from ethicompass.store import Store
    from ethicompass.study import Study
    from ethicompass.transparency import generate_signing_key, load_signing_key

    study = Study.from_file(small_study / "study.yaml")
    policy = Policy.model_validate({"fairness": {"groups": ["participant_id"]}})
    generate_signing_key(tmp_path / "k.pem")
    store = Store(f"sqlite:///{tmp_path / 's.db'}").open()
    try:
        with pytest.raises(InputError, match=r"participant_id.*cannot leave the site"):
            summarize_site(
                study,
                site="A",
                policy=policy,
                store=store,
                key=load_signing_key(tmp_path / "k.pem"),
                out=tmp_path / "A.ecsite",
            )
    finally:
        store.dispose()
    assert not (tmp_path / "A.ecsite").exists()


def test_numeric_identifier_shaped_group_values_fail_the_check() -> None:
    from ethicompass.sites import check_body

    body = _minimal_body(["code"], [[35727110, 0, 0, 0.1, 9, 0.9, 0.1, 0.01]])
    assert not check_body(body, min_cell_size=5, score_bins=100)["passed"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["cardiology", 0, 0, 0.1, 5.0, 0.9, 0.1, 0.01], "5.0 rows"),  # a count that is not an integer
        (["cardiology", 0, 0, 0.1, True, 0.9, 0.1, 0.01], "True rows"),  # nor a boolean
        (["cardiology", 0, 0, 0.1, 4, 0.9, 0.1, 0.01], "4 rows"),
        (["cardiology", 0, 0, 0.1, 9, 0.9, 0.1], "has 7 values"),
        ({"ward": "cardiology"}, "not a list of 8 values"),
    ],
)
def test_the_fast_check_still_finds_every_bad_row(row: Any, problem: str) -> None:
    """The check reads the rows column by column; a bad row among good ones is still named."""
    from ethicompass.sites import check_body

    good = ["cardiology", 1, 1, 0.2, 7, 0.9, 0.1, 0.01]
    body = _minimal_body(["ward"], [good, row, good])
    certificate = check_body(body, min_cell_size=5, score_bins=100)
    assert not certificate["passed"]
    assert any(problem in p and ("row 2" in p or "cell 2" in p) for p in certificate["problems"])
    body["fairness"]["tables"][1]["rows"] = [good, good]
    assert check_body(body, min_cell_size=5, score_bins=100)["passed"]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=2, max_value=5),
    st.integers(min_value=2, max_value=5),
    st.data(),
)
def test_recoverable_finds_exactly_the_cells_the_totals_determine(
    n_rows: int, n_columns: int, data: st.DataObject
) -> None:
    """A two-way table with known row, column and grand totals (what other tables of the same rows give a
    reader) and a random set of hidden cells: a cell is reported iff some combination of the totals less the
    published cells equals it (checked independently by least squares), and a cell alone hidden in a margin
    is always reported (the one-margin rule's case)."""
    from ethicompass.sites._disclosure import recoverable

    size = n_rows * n_columns
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=size, max_size=size)))
    grid = np.arange(size).reshape(n_rows, n_columns)
    margins = [grid.ravel(), *list(grid), *list(grid.T)]
    found = recoverable(margins, mask)
    assert not found[~mask].any()
    hidden = np.flatnonzero(mask)
    a = np.array([[1.0 if c in m else 0.0 for c in hidden] for m in margins])
    for j, cell in enumerate(hidden):
        target = np.zeros(hidden.size)
        target[j] = 1.0
        y = np.linalg.lstsq(a.T, target, rcond=None)[0] if hidden.size else target
        determined = bool(np.allclose(a.T @ y, target, atol=1e-7))
        assert found[cell] == determined
    for m in margins:
        if int(mask[m].sum()) == 1:
            assert found[m[mask[m]]].all()


def test_a_bridge_between_two_hidden_cycles_is_found() -> None:
    """Two 2x2 cycles of hidden cells joined by one hidden cell: every row and column holds two hidden
    cells, so the one-margin rule of `complementary` stops, yet the joining cell is the difference of known
    totals (rows 0 and 1 less columns 0 and 1). `recoverable` finds it; the cycles' cells stay hidden."""
    from ethicompass.sites import complementary
    from ethicompass.sites._disclosure import one_margin, recoverable

    # rows r0..r3, columns c0..c3; hidden: cycle {r0,r1}x{c0,c1}, cycle {r2,r3}x{c2,c3}, bridge (r1, c2)
    n = np.full((4, 4), 50)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        n[r, c] = 3
    grid = np.arange(16).reshape(4, 4)
    margins = [grid.ravel(), *list(grid), *list(grid.T)]
    small = (n.ravel() > 0) & (n.ravel() < 5)
    found = recoverable(margins, small)
    assert found[grid[1, 2]] and int(found.sum()) == 1
    assert not one_margin(n.ravel(), margins, 5)[~small].any()  # the one-margin rule adds nothing here
    sound = complementary(n.ravel(), margins, 5)
    assert not recoverable(margins, sound).any()  # the sound rule closes it
    assert int(sound.sum()) == int(small.sum()) + 1  # with one more cell, a 50 beside the bridge


@settings(max_examples=120, deadline=None)
@given(
    st.integers(min_value=2, max_value=5),
    st.integers(min_value=2, max_value=6),
    st.data(),
)
def test_after_suppression_no_small_cell_is_recoverable(
    n_rows: int, n_columns: int, data: st.DataObject
) -> None:
    """A random two-way table whose row, column and grand totals a reader knows (what the file's margins
    and other tables of the same rows give): after complementary suppression, no hidden cell under the
    minimum is determined by the totals of at least the minimum less the published cells (checked
    independently by least squares), and every published cell holds the minimum."""
    from ethicompass.sites import complementary
    from ethicompass.sites._protect import known_margins, unprotectable

    size = n_rows * n_columns
    n = np.array(data.draw(st.lists(st.integers(min_value=0, max_value=14), min_size=size, max_size=size)))
    grid = np.arange(size).reshape(n_rows, n_columns)
    margins = [grid.ravel(), *list(grid), *list(grid.T)]
    mask = complementary(n, margins, 5)
    assert ((n[~mask] == 0) | (n[~mask] >= 5)).all()
    known = [cells for cells, _ in known_margins(n, margins, 5, small_totals=False)]
    hidden = np.flatnonzero(mask)
    a = np.array([[1.0 if c in m else 0.0 for c in hidden] for m in known]).reshape(len(known), hidden.size)
    pinned = set(np.flatnonzero(unprotectable(n, margins, mask, 5)).tolist())
    for j, cell in enumerate(hidden):
        if n[cell] >= 5 or n[cell] == 0:
            continue  # a complementary cell the totals give away could have been published; 0 is no cell
        target = np.zeros(hidden.size)
        target[j] = 1.0
        y = np.linalg.lstsq(a.T, target, rcond=None)[0] if a.size else np.zeros(0)
        determined = a.size > 0 and bool(np.allclose(a.T @ y, target, atol=1e-7))
        # determined only where the totals alone give it (every cell they reach hidden): the caller refuses
        assert determined == (int(cell) in pinned), (n.reshape(n_rows, n_columns), cell)


def test_cells_the_totals_alone_give_away_are_recorded(guarded_sites: Federation, tmp_path: Path) -> None:
    """A site of the small study is too small to hide every cell from a reader holding its group totals:
    no suppression can, so the file says how many, and the coordinator's privacy check warns."""
    records = {f.site: f.body["disclosure"]["suppressed"]["fairness"] for f in guarded_sites.files}
    pinned = {s for s, r in records.items() if r.get("determined_by_totals", 0) >= 1}
    assert pinned  # site B with this split
    from ethicompass.sites import federate
    from ethicompass.store import Store

    store = Store(f"sqlite:///{tmp_path / 'c.db'}").open()
    try:
        output, _ = federate(
            guarded_sites.files, policy=guarded_sites.policy, store=store, out_dir=tmp_path / "o"
        )
    finally:
        store.dispose()
    check = next(c for c in output.report.principles["privacy"].checks if c.id == "privacy.site_disclosure")
    assert check.verdict == "warn" and "reader holding the group totals could compute" in check.evidence
