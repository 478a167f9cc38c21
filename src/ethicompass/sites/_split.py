"""``split_study``: one study's files split into one study folder per site (for demos, tests and drills), and
``summarize_split``: every site of such a split summarised as the site itself would.

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

__all__ = ["split_study", "summarize_split"]


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


def summarize_split(
    manifests: Mapping[str, Path], /, *, policy: Any, root: Path, state_dir: Path | None = None
) -> dict[str, Any]:
    """Summarise each site of ``split_study``'s ``manifests`` with its own key and its own state database.

    Site ``NAME`` signs with ``root/NAME.pem`` (made if missing), keeps its audit log and budget ledger in
    ``state_dir/NAME.db`` (``state_dir`` defaults to ``root``; a fresh folder gives every site a fresh
    ledger) and writes ``root/NAME.ecsite``. Returns each site's written :class:`SiteFile`, by name.
    """
    from ethicompass.sites._site import summarize_site
    from ethicompass.store import Store
    from ethicompass.study import Study
    from ethicompass.transparency import generate_signing_key, load_signing_key

    state = Path(state_dir) if state_dir is not None else Path(root)
    written = {}
    for name, manifest in manifests.items():
        key = Path(root) / f"{name}.pem"
        if not key.exists():
            generate_signing_key(key)
        store = Store(f"sqlite:///{state / name}.db").open()
        try:
            written[name] = summarize_site(
                Study.from_file(manifest),
                site=name,
                policy=policy,
                store=store,
                key=load_signing_key(key),
                out=Path(root) / f"{name}.ecsite",
            )
        finally:
            store.dispose()
    return written
