"""PHI in clinical text: ethicompass ``find_phi`` against presidio-analyzer, same texts, one run.

    .venv/bin/python benchmarks/phi.py [--rows 2000] [--presidio-rows 300] [--stream-mb 100] [--no-presidio]

Targets (issue 7), on ASQ-PHI dev (../shared/data/asq-phi-dev): full-coverage span recall >= 0.97, token
precision >= 0.85, PHI-free documents flagged <= 10%; >= 2 MB/s of text per core, linear in size; a 100 MB
notes file streams in bounded memory (generated here in a temporary folder, never committed).

ASQ-PHI is split at random (``random.Random(20261127)``, first half of the shuffled query indices = the
half the recognizers were developed on, second half = held out) and both halves are reported separately.

Presidio: ``AnalyzerEngine`` with its predefined recognizers over a *blank* spaCy English pipeline
(``spacy.blank("en")`` saved to a temporary folder), because no spaCy model is installed and nothing may be
downloaded: so presidio here has no NER (no PERSON/LOCATION from a model), only its pattern recognizers.
tldextract (used by its e-mail recognizer) is pointed at its bundled suffix snapshot so it never goes online.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ethicompass.privacy import Span, evaluate_phi, find_phi, find_phi_many, load_gold
from ethicompass.privacy._text_eval import GoldDocument
from ethicompass.study import PhiType

SPLIT_SEED = 20261127
ASQ = Path(__file__).resolve().parents[2] / "shared" / "data" / "asq-phi-dev" / "queries.txt"
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


def presidio_analyzer() -> Any:
    """Presidio with a blank spaCy pipeline and an offline tldextract."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # type: ignore[assignment]
    folder = Path(tempfile.mkdtemp(prefix="blank-en-"))
    spacy.blank("en").to_disk(folder)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(folder)}])
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def presidio_spans(analyzer: Any, text: str) -> list[Span]:
    """Presidio's results as our spans (types mapped; anything else counts as ID)."""
    return [
        Span(r.start, r.end, PRESIDIO_TYPES.get(r.entity_type, PhiType.ID), float(r.score), r.entity_type)
        for r in analyzer.analyze(text=text, language="en")
    ]


def split_asq(docs: list[GoldDocument]) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """The development half and the held-out half (seeded shuffle of the query order)."""
    order = list(range(len(docs)))
    random.Random(SPLIT_SEED).shuffle(order)
    half = len(order) // 2
    dev, held = sorted(order[:half]), sorted(order[half:])
    return [docs[i] for i in dev], [docs[i] for i in held]


def row(name: str, result: Any) -> str:
    r = result
    return (
        f"| {name} | {r.documents} | {r.span_recall_any:.3f} | {r.span_recall_full:.3f} | {r.token_precision:.3f} "
        f"| {r.token_recall:.3f} | {r.token_f1:.3f} | {r.phi_free_flagged}/{r.phi_free_documents} "
        f"({r.phi_free_flagged_share:.1%}) |"
    )


def cpu_time(fn: Any, *args: Any) -> float:
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def stream_child(path: str) -> None:
    """Run in a child process: stream a JSONL file through find_phi_many; print MB/s and peak RSS."""
    from ethicompass.privacy._text_io import iter_documents

    size = Path(path).stat().st_size
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    spans = 0
    docs = iter_documents(Path(path))
    batch: list[str] = []
    for doc in docs:
        batch.append(doc.text)
        if len(batch) == 256:
            spans += sum(len(s) for s in find_phi_many(batch))
            batch = []
    spans += sum(len(s) for s in find_phi_many(batch))
    cpu = time.process_time() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "mb": size / 1e6,
                "cpu_s": cpu,
                "spans": spans,
                "rss_before_mb": before / 1024,
                "rss_peak_mb": after / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2000, help="synthetic notes to evaluate and time")
    parser.add_argument("--presidio-rows", type=int, default=300, help="synthetic notes given to presidio")
    parser.add_argument("--stream-mb", type=float, default=100.0, help="size of the streamed notes file")
    parser.add_argument("--no-presidio", action="store_true", help="skip presidio")
    parser.add_argument("--stream-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        stream_child(args.stream_child)
        return

    from ethicompass.synth import generate_study

    asq_path = ASQ if ASQ.is_file() else SAMPLE
    asq = load_gold(asq_path)
    dev, held = split_asq(asq)
    tmp = Path(tempfile.mkdtemp(prefix="phi-bench-"))
    generate_study(tmp / "study", patients=max(400, args.rows), seed=0)
    notes = load_gold(tmp / "study" / "notes.jsonl", gold=tmp / "study" / "notes_gold.jsonl")[: args.rows]
    print(
        f"ASQ-PHI: {asq_path} ({len(asq)} queries: {len(dev)} development, {len(held)} held out, seed {SPLIT_SEED})"
    )
    print(f"synthetic notes: {len(notes)} (seed 0)\n")

    header = (
        "| engine, data | docs | span recall (any) | span recall (full) | token P | token R | token F1 "
        "| PHI-free flagged |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(header)
    print(row("ethicompass, ASQ-PHI development half", evaluate_phi(dev)))
    print(row("ethicompass, ASQ-PHI held-out half", evaluate_phi(held)))
    print(row("ethicompass, ASQ-PHI all", evaluate_phi(asq)))
    print(row("ethicompass, synthetic notes", evaluate_phi(notes)))
    analyzer = None
    if not args.no_presidio:
        analyzer = presidio_analyzer()
        sub = notes[: args.presidio_rows]
        print(
            row(
                "presidio (blank spaCy), ASQ-PHI development half",
                evaluate_phi(dev, finder=lambda t: presidio_spans(analyzer, t)),
            )
        )
        print(
            row(
                "presidio (blank spaCy), ASQ-PHI held-out half",
                evaluate_phi(held, finder=lambda t: presidio_spans(analyzer, t)),
            )
        )
        print(
            row(
                f"presidio (blank spaCy), synthetic notes (first {len(sub)})",
                evaluate_phi(sub, finder=lambda t: presidio_spans(analyzer, t)),
            )
        )
        print(row(f"ethicompass, synthetic notes (same first {len(sub)})", evaluate_phi(sub)))

    texts = [d.text for d in notes]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    ours = cpu_time(lambda: list(find_phi_many(texts)))
    ours_single = cpu_time(lambda: [find_phi(t) for t in texts])
    print("\n| throughput (CPU time, one core) | MB | CPU s | MB/s |\n|---|---:|---:|---:|")
    print(f"| ethicompass find_phi_many, {len(texts)} notes | {mb:.2f} | {ours:.2f} | {mb / ours:.3f} |")
    print(f"| ethicompass find_phi one by one | {mb:.2f} | {ours_single:.2f} | {mb / ours_single:.3f} |")
    if analyzer is not None:
        sub_texts = texts[: args.presidio_rows]
        sub_mb = sum(len(t.encode("utf-8")) for t in sub_texts) / 1e6
        theirs = cpu_time(lambda: [analyzer.analyze(text=t, language="en") for t in sub_texts])
        ours_sub = cpu_time(lambda: list(find_phi_many(sub_texts)))
        print(
            f"| presidio analyze, {len(sub_texts)} notes | {sub_mb:.2f} | {theirs:.2f} | {sub_mb / theirs:.3f} |"
        )
        print(
            f"| ethicompass, same {len(sub_texts)} notes | {sub_mb:.2f} | {ours_sub:.2f} | {sub_mb / ours_sub:.3f} |"
        )
        print(f"\nspeed ratio ethicompass / presidio (same notes): {theirs / ours_sub:.1f}x")

    print("\n| linearity: notes repeated k times | MB | CPU s | s per MB |\n|---|---:|---:|---:|")
    for k in (1, 2, 4):
        block = texts[: max(1, len(texts) // 4)] * k
        size = sum(len(t.encode("utf-8")) for t in block) / 1e6
        seconds = cpu_time(lambda b=block: list(find_phi_many(b)))
        print(f"| k={k} | {size:.2f} | {seconds:.2f} | {seconds / size:.3f} |")

    stream = tmp / "notes-stream.jsonl"
    target = int(args.stream_mb * 1e6)
    lines = [json.dumps({"text": t}) + "\n" for t in texts]
    written = 0
    with stream.open("w", encoding="utf-8") as fh:
        while written < target:
            for line in lines:
                fh.write(line)
                written += len(line)
                if written >= target:
                    break
    child = subprocess.run(
        [sys.executable, __file__, "--stream-child", str(stream)], capture_output=True, text=True, check=True
    )
    result = json.loads(child.stdout)
    print(
        f"\nstreamed {result['mb']:.1f} MB of notes in {result['cpu_s']:.1f} CPU s "
        f"({result['mb'] / result['cpu_s']:.3f} MB/s); peak RSS {result['rss_peak_mb']:.0f} MB "
        f"(after imports {result['rss_before_mb']:.0f} MB); {result['spans']:,} spans"
    )
    stream.unlink()


if __name__ == "__main__":
    main()
