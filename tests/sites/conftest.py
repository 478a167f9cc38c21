"""Fixtures for multi-site tests: a study split into site folders, each summarised with its own key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest


@dataclass(frozen=True)
class Federation:
    """A study, its split into sites, the policy they used, and the sites' files."""

    study: Any
    policy: Any
    files: list[Any]
    root: Path


def policy_of(min_cell_size: int, score_bins: int | None) -> Any:
    """The default policy with the given disclosure settings."""
    from ethicompass.review import Policy

    return Policy.model_validate({"sites": {"min_cell_size": min_cell_size, "score_bins": score_bins}})


def summarise_sites(study: Any, assignment: dict[str, str], root: Path, policy: Any) -> list[Any]:
    """Split ``study`` by ``assignment`` (participant -> site) and summarise every site with its own key and store."""
    from ethicompass.sites import read_site_file
    from ethicompass.sites._split import split_study, summarize_split

    manifests = split_study(study, sites=assignment, out_dir=root / "split")
    return [
        read_site_file(root / f"{name}.ecsite")
        for name in summarize_split(manifests, policy=policy, root=root)
    ]


def register_keys(store: Any, fed: Federation, sites: list[str] | tuple[str, ...] = ("A", "B", "C")) -> None:
    """Pin the public key of each of ``fed``'s sites on the server ``store`` (as an administrator would)."""
    from ethicompass.sites import add_site_key
    from ethicompass.transparency import load_signing_key
    from ethicompass.transparency._checkpoint import public_key_of

    for site in sites:
        public = public_key_of(load_signing_key(fed.root / f"{site}.pem"))
        add_site_key(store, site, public, actor="test-admin", role="admin")


def by_site_column(study_dir: Path, buckets: dict[str, str]) -> dict[str, str]:
    """participant -> site bucket, from the patients' ``site`` column."""
    patients = pl.read_csv(study_dir / "patients.csv", columns=["participant_id", "site"])
    return {p: buckets[s] for p, s in patients.iter_rows()}


@pytest.fixture(scope="session")
def three_sites(small_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Federation:
    """The seeded 400-patient study split by its site column into three sites, no disclosure control."""
    from ethicompass.study import Study

    root = tmp_path_factory.mktemp("three")
    study = Study.from_file(small_study / "study.yaml")
    buckets = {"site-01": "A", "site-02": "A", "site-03": "B", "site-04": "B", "site-05": "C", "site-06": "C"}
    policy = policy_of(1, None)
    return Federation(
        study, policy, summarise_sites(study, by_site_column(small_study, buckets), root, policy), root
    )


@pytest.fixture(scope="session")
def guarded_sites(small_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Federation:
    """The same three sites under the default disclosure control (minimum cell 5, 100 score bins)."""
    from ethicompass.study import Study

    root = tmp_path_factory.mktemp("guarded")
    study = Study.from_file(small_study / "study.yaml")
    buckets = {"site-01": "A", "site-02": "A", "site-03": "B", "site-04": "B", "site-05": "C", "site-06": "C"}
    policy = policy_of(5, 100)
    return Federation(
        study, policy, summarise_sites(study, by_site_column(small_study, buckets), root, policy), root
    )
