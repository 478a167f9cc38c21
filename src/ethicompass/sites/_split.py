"""``split_study``: one study's files split into one study folder per site (for demos, tests and drills).

Every dataset with a participant id column keeps the rows of the site's participants; the others
(a reference population) are copied whole. The manifest is copied unchanged, so every site's
summary carries the same manifest hash.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from ethicompass.errors import InputError

__all__ = ["split_study"]


def _write(frame: pl.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        frame.write_csv(path)
    elif path.suffix in (".jsonl", ".ndjson"):
        frame.write_ndjson(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        raise InputError(
            f"cannot split {path.name}: unknown format", hint="use CSV, JSONL or Parquet datasets"
        )


def split_study(study: Any, /, *, sites: Mapping[str, str], out_dir: Path) -> dict[str, Path]:
    """Write ``out_dir/SITE/`` for every site named in ``sites`` (participant id -> site); return the manifests.

    A participant missing from ``sites`` belongs to no site and is left out everywhere.
    """
    from ethicompass.frames import load_table
    from ethicompass.study import Role

    manifest = study.base_dir / "study.yaml"
    names = sorted(set(sites.values()))
    assignment = pl.DataFrame({"_pid": list(sites), "_site": list(sites.values())})
    out: dict[str, Path] = {}
    for name in names:
        (Path(out_dir) / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest, Path(out_dir) / name / "study.yaml")
        out[name] = Path(out_dir) / name / "study.yaml"
    for dataset, spec in study.datasets.items():
        source = study.dataset_path(dataset)
        pid = spec.columns_with(Role.PARTICIPANT_ID)
        if not pid:
            for name in names:
                target = Path(out_dir) / name / spec.path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            continue
        frame = load_table(source)
        keyed = frame.with_columns(pl.col(pid[0]).cast(pl.String).alias("_pid")).join(
            assignment, on="_pid", how="left", maintain_order="left"
        )
        for name in names:
            target = Path(out_dir) / name / spec.path
            target.parent.mkdir(parents=True, exist_ok=True)
            _write(keyed.filter(pl.col("_site") == name).drop("_pid", "_site"), target)
    return out
