"""The file's tables: built on nested score partitions, protected together, checked, and judged group by group."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sites.conftest import Federation

_SUMS = ("_n", "_sum_e", "_sum_e2", "_sum_e4")


def _fine(rows: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    from ethicompass.fairness import summarize

    return summarize(rows, label="y", score="p", groups=groups, bins=20, exact_limit=0).counts


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["F", "M"]),
        st.sampled_from(["u", "v", "w"]),
        st.integers(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=19),
    ),
    min_size=20,
    max_size=90,
)


def _frame(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "sex": [r[0] for r in rows],
            "ward": [r[1] for r in rows],
            "y": [r[2] for r in rows],
            "p": [(r[3] + 0.5) / 20 for r in rows],
        }
    )


@settings(max_examples=25, deadline=None)
@given(rows_strategy, st.sampled_from([3, 5]))
def test_no_suppressed_small_cell_is_recoverable(rows: list[tuple[str, str, int, int]], minimum: int) -> None:
    """Random small tables: after protection every published cell holds the minimum, the tables still line
    up (an overall cell is the sum of each attribute's cells it covers), and no hidden cell under the
    minimum is a linear combination of the published cells and the totals a reader knows (each table's and
    each group's total of at least the minimum, and the equations between tables), checked independently
    by least squares, except those the file records as determined by the totals alone."""
    from ethicompass.sites._protect import known_margins
    from ethicompass.sites._tables import _indexed, _margins, _withheld, count_tables, protect_tables

    tables = count_tables(_fine(_frame(rows), ["sex", "ward"]), ["sex", "ward"], minimum)
    overall = tables[0].counts
    for table in tables[1:3]:  # nested partitions: the attribute's cells sum to the overall cells
        summed = table.counts.group_by(["_label", "_pred", "_score"]).agg(pl.col("_n").sum())
        covered = overall.join(summed, on=["_label", "_pred", "_score"], how="left")
        keys_ok = covered.filter(pl.col("_n_right").is_not_null())
        assert keys_ok.height  # every attribute key is an overall key
        assert set(summed["_score"].to_list()) <= set(overall["_score"].to_list())
        assert int(table.counts["_n"].sum()) == int(overall["_n"].sum())
    published, record = protect_tables(tables, minimum)
    for table in published:
        assert (table.counts["_n"] >= minimum).all()
    frames = _indexed(tables)
    n = np.concatenate([f["_n"].to_numpy() for f in frames])
    mask = _withheld(tables, published, frames)
    assert record["cells"] == int(mask.sum())
    known = known_margins(n, _margins(tables, frames), minimum, small_totals=False)
    hidden = np.flatnonzero(mask)
    a = np.zeros((len(known), hidden.size))
    where = {int(c): j for j, c in enumerate(hidden)}
    for r, (cells, coefs) in enumerate(known):
        for c, k in zip(cells, coefs, strict=True):
            if int(c) in where:
                a[r, where[int(c)]] += k
    determined = 0
    for j, cell in enumerate(hidden):
        if not 0 < n[cell] < minimum:
            continue  # a complementary cell could have been published
        target = np.zeros(hidden.size)
        target[j] = 1.0
        y = np.linalg.lstsq(a.T, target, rcond=None)[0]
        determined += bool(np.allclose(a.T @ y, target, atol=1e-7))
    assert determined == record.get("determined_by_totals", 0)


def test_a_rare_value_coarsens_its_own_attribute_only() -> None:
    """One ward of 6 patients: the ward table's score cells merge, the overall and sex tables keep their
    resolution (nested partitions), and no cell of the common wards is hidden for its sake."""
    from ethicompass.sites._tables import count_tables, protect_tables

    rng = np.random.default_rng(3)
    size = 600
    ward = np.where(np.arange(size) < 6, "rare", rng.choice(["u", "v"], size))
    p = rng.integers(0, 20, size)
    y = (rng.random(size) < (p + 0.5) / 20).astype(int)
    frame = pl.DataFrame({"sex": rng.choice(["F", "M"], size), "ward": ward, "y": y, "p": (p + 0.5) / 20})
    tables = count_tables(_fine(frame, ["sex", "ward"]), ["sex", "ward"], 5)
    sizes = {t.groups: t.counts.height for t in tables}
    assert sizes[()] >= 30 and sizes[("sex",)] >= 50
    assert sizes[("ward",)] < 3 * sizes[()]
    _, record = protect_tables(tables, 5)
    cells = {tuple(t["groups"]): t["cells"] for t in record["tables"]}
    assert cells[()] == 0 and cells[("sex",)] == 0  # only the ward table (and the joint one) lose cells
    ward = next(t for t in record["tables"] if t["groups"] == ["ward"])
    assert "rare" in {w["group"][0] for w in ward["withheld"]}


def _withheld(site: str, attributes: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    from ethicompass.sites._merge import Withheld

    return Withheld(site, attributes, values, 1, (1, 4))


def test_withheld_groups_are_left_out_of_the_audit() -> None:
    """Per-group fail closed: a value one site withheld cells of is not in the audit; nor is every
    intersection a withheld joint cell projects onto; the joint table then no longer drives the bootstrap."""
    from ethicompass.fairness import Summary, audit_marginals
    from ethicompass.sites._marginal import marginal_summary, withheld_keys
    from ethicompass.sites._merge import SiteCounts
    from ethicompass.sites._tables import count_tables

    rng = np.random.default_rng(1)
    size = 800
    p = rng.integers(0, 20, size)
    frame = pl.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size),
            "ward": rng.choice(["u", "v", "w"], size),
            "y": (rng.random(size) < (p + 0.5) / 20).astype(int),
            "p": (p + 0.5) / 20,
        }
    )
    tables = count_tables(_fine(frame, ["sex", "ward"]), ["sex", "ward"], 1)

    def summary(t: Any) -> Any:
        return Summary(t.counts, t.groups, 0.5, 0.05, t.kind != "joint", "y", "p", None)

    withheld = (_withheld("B", ("ward",), ("w",)), _withheld("C", ("sex", "ward"), ("F", "u")))
    counts = SiteCounts(
        summary(tables[0]),
        {"sex": summary(tables[1]), "ward": summary(tables[2])},
        summary(tables[3]),
        withheld,
    )
    assert withheld_keys(withheld, ["ward"]) == {("w",)}
    assert withheld_keys(withheld, ["sex", "ward"]) == {("F", "u")}
    marginal = marginal_summary(counts, ["sex", "ward"])
    assert not marginal.joint_complete
    report = audit_marginals(marginal, n_boot=50, min_group_size=5)
    assert {g.group["ward"] for g in report.groups if "ward" in g.group} == {"u", "v"}
    assert {"sex": "F", "ward": "u"} not in [dict(g.group) for g in report.intersections]
    assert {"sex": "M", "ward": "w"} in [dict(g.group) for g in report.intersections]
    assert all(
        dict(d.group or {}).get("ward") != "w" for d in report.disparities if d.attributes == ("ward",)
    )
    assert report.overall.n == size  # the whole population from the overall table, complete


def test_the_joint_table_has_no_score_and_the_check_knows_the_tables(guarded_sites: Federation) -> None:
    from ethicompass.sites import check_body

    body = json.loads(json.dumps(guarded_sites.files[0].body))
    policy = guarded_sites.policy.sites
    assert check_body(body, min_cell_size=policy.min_cell_size, score_bins=policy.score_bins)["passed"]
    bad = [
        (
            "a table field",
            lambda b: b["fairness"]["tables"][1].update({"note": "x"}),
            "unknown field(s) note",
        ),
        ("a fairness field", lambda b: b["fairness"].update({"rows": []}), "unknown fairness field(s): rows"),
        ("a missing table", lambda b: b["fairness"]["tables"].pop(2), "not the overall table"),
        (
            "a score in the joint table",
            lambda b: b["fairness"]["tables"][-1]["rows"][0].__setitem__(
                b["fairness"]["tables"][-1]["columns"].index("_score"), 0.1
            ),
            "holds score keys",
        ),
        (
            "a score off the grid",
            lambda b: b["fairness"]["tables"][0]["rows"][0].__setitem__(
                b["fairness"]["tables"][0]["columns"].index("_score"), 0.123
            ),
            "not an edge of 100 bins",
        ),
    ]
    for what, change, problem in bad:
        changed = json.loads(json.dumps(body))
        change(changed)
        found = check_body(changed, min_cell_size=policy.min_cell_size, score_bins=policy.score_bins)
        assert not found["passed"] and any(problem in p for p in found["problems"]), (what, found["problems"])


def test_a_file_of_the_old_format_is_refused(
    cli: Callable[..., Any], guarded_sites: Federation, tmp_path: Path
) -> None:
    """A version-1 file (one joint table): exit 2 naming the site and the fix, for `site check` and `federate`."""
    from ethicompass.sites._format import sign
    from ethicompass.transparency import load_signing_key

    paths = []
    for f in guarded_sites.files:
        body = json.loads(json.dumps(f.body))
        if f.site == "B":
            body["format_version"] = 1
        path = tmp_path / f"{f.site}.ecsite"
        path.write_text(
            sign(body, load_signing_key(guarded_sites.root / f"{f.site}.pem")).to_text(), encoding="utf-8"
        )
        paths.append(path)
    checked = cli("site", "check", paths[1])
    assert checked.code == 2 and "site 'B'" in checked.err and "summarise again" in checked.err, checked.err
    out = tmp_path / "out"
    result = cli("federate", "review", *paths, "--out", out)
    assert result.code == 2 and "site 'B'" in result.err and "version 1" in result.err, result.err
    assert not (out / "report.json").exists()


@pytest.mark.parametrize("minimum", [3, 5])
def test_rows_band_never_pins_a_total(minimum: int) -> None:
    from ethicompass.sites._tables import rows_band

    for cells in range(1, 6):
        for total in range(cells, 60):
            lo, hi = rows_band(total, cells, minimum)
            assert lo <= total <= hi and hi - lo >= minimum - 2 and hi >= cells * (minimum - 1)
