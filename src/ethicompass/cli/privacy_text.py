"""CLI verbs for clinical text: ``phi find``, ``phi redact`` and ``phi eval``.

INPUT is a ``.txt`` file, a directory of ``.txt`` files, a JSONL file (``--text-field``, ``--id-field``)
or a CSV/Parquet file (``--column``). ``find`` and ``redact`` write one JSON object per document and
stream, so notes files of any size run in bounded memory. Span values are never printed: a span is
its offsets, type, score and recognizer.
"""

from __future__ import annotations

import enum
import functools
import json
import operator
import os
import sys
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from ethicompass._console import (
    OutputFormat,
    emit_json,
    emit_table,
    format_option,
    judge,
    no_fail_option,
    say,
    summary,
)
from ethicompass.errors import DataFileError
from ethicompass.frames import atomic_path, atomic_write_text, sha256_file

__all__ = ["register"]

phi_app = typer.Typer(
    help="Find, redact and evaluate PHI in clinical free text (offline; no model needed).",
    no_args_is_help=True,
)


class SpanFormat(enum.StrEnum):
    """How ``phi find`` prints its spans."""

    jsonl = "jsonl"
    json = "json"
    table = "table"


class Style(enum.StrEnum):
    """Redaction styles."""

    tag = "tag"
    surrogate = "surrogate"
    pseudonym = "pseudonym"


InputArg = Annotated[
    Path, typer.Argument(help="A .txt file, a directory of .txt files, a JSONL file, or a CSV/Parquet table.")
]
TextField = Annotated[str, typer.Option("--text-field", help="JSONL: the field holding the text.")]
IdField = Annotated[str | None, typer.Option("--id-field", help="JSONL: the field holding the document id.")]
ColumnOpt = Annotated[str | None, typer.Option("--column", "-c", help="CSV/Parquet: the free-text column.")]
ThresholdOpt = Annotated[
    float, typer.Option("--threshold", min=0.0, max=1.0, help="Drop findings scored below this (0-1).")
]
JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        help="Worker processes scanning 1 MB batches side by side (0: one per CPU). The output is the same as "
        "with 1; each worker takes about a second to start and 200 MB, so it pays from a few MB of text.",
    ),
]


def _documents(
    path: Path, text_field: str, id_field: str | None, column: str | None, pid: str | None = None
) -> Any:
    from ethicompass.privacy import check_text_file, iter_documents

    check_text_file(path)
    return _nonempty(
        path,
        iter_documents(path, text_field=text_field, id_field=id_field, column=column, participant_field=pid),
    )


def _nonempty(path: Path, documents: Iterator[Any]) -> Iterator[Any]:
    """``documents``, failing (exit 2) when there is none: nothing found in nothing is no verdict."""
    seen = False
    for doc in documents:
        seen = True
        yield doc
    if not seen:
        raise DataFileError(f"{path} holds no documents", hint="pass a file or folder with at least one note")


def _with_spans(documents: Iterable[Any], threshold: float, jobs: int = 1) -> Iterator[tuple[Any, list[Any]]]:
    """Each document with its spans: one ``find_phi_many`` stream over every text, so its batches (about
    1 MB of text) are as large as they can be; only the documents of the batches in hand are held (with
    ``jobs`` workers, up to two batches per worker)."""
    from ethicompass.privacy.text import find_phi_many

    pending: deque[Any] = deque()

    def texts() -> Iterator[str]:
        for doc in documents:
            pending.append(doc)
            yield doc.text

    for spans in find_phi_many(texts(), threshold=threshold, jobs=jobs):
        yield pending.popleft(), spans


_type_of = operator.attrgetter("type.value")
#: ``json.dumps`` of a string with ``ensure_ascii=False`` (the C encoder ``json`` itself uses).
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _jsonl_record(doc_id: Any, text: str | None, spans: list[Any]) -> str:
    """``json.dumps({"id": doc_id, "text": text, "spans": [s.to_dict() ...]}, ensure_ascii=False) + "\\n"``
    (no ``"text"`` when it is None), byte for byte, in less than half the time on notes dense in PHI.

    A span's type, score and recognizer repeat across a file: their JSON is made once each (``_span_tail``);
    only the offsets are formatted per span. ``tests/privacy_text/test_phi_speed_paths.py`` holds it equal to
    ``json.dumps``.
    """
    head = f'{{"id": {json.dumps(doc_id, ensure_ascii=False)}, '
    if text is not None:
        head += f'"text": {_json_string(text)}, '
    if not spans:
        return head + '"spans": []}\n'
    body = "}, ".join(
        [
            f'{{"start": {s.start}, "end": {s.end}, '
            f"{(_span_tail if s.score else _span_tail.__wrapped__)(s.type, s.score, s.recognizer)}"
            for s in spans
        ]
    )
    return f'{head}"spans": [{body}}}]}}\n'


@functools.lru_cache(maxsize=4096, typed=True)  # typed: a score of 1 is written "1", of 1.0 "1.0"
def _span_tail(phi_type: Any, score: float, recognizer: str) -> str:
    """The JSON of a span after its offsets, as ``Span.to_dict`` and ``json.dumps`` write it (without the
    closing brace). A zero score is not looked up: 0.0 and -0.0 are one key that JSON writes apart."""
    tail = json.dumps(
        {"type": phi_type.value, "score": round(score, 3), "recognizer": recognizer}, ensure_ascii=False
    )
    return tail[1:-1]


def _open_out(stack: ExitStack, out: Path | None) -> IO[str]:
    if out is None:
        return sys.stdout
    tmp = stack.enter_context(atomic_path(out))
    return stack.enter_context(tmp.open("w", encoding="utf-8"))


def _quiet_on_closed_pipe(command: Any) -> Any:
    """``phi find ... | head``: a reader that stops early ends the command quietly (exit 0), not with a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
            raise typer.Exit(0) from None

    return run


@_quiet_on_closed_pipe
def find_cmd(
    input_path: InputArg,
    text_field: TextField = "text",
    id_field: IdField = None,
    column: ColumnOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSONL here (default: stdout).")
    ] = None,
    threshold: ThresholdOpt = 0.5,
    fmt: Annotated[
        SpanFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one object per document (streamed); json: one document with every document's spans "
            "and the counts; table: counts per type.",
        ),
    ] = SpanFormat.jsonl,
    jobs: JobsOpt = 1,
) -> None:
    """Find PHI spans in each document: {"id", "spans": [{start, end, type, score, recognizer}]}."""
    from ethicompass.privacy import check_text_file, hash_input

    counts: Counter[str] = Counter()
    documents = 0
    check_text_file(input_path)
    with ExitStack() as stack:
        if fmt == SpanFormat.jsonl and out is None:
            _audit_find(input_path, hash_input(input_path), None, threshold)
        sink = _open_out(stack, out) if fmt == SpanFormat.jsonl else None
        found: list[dict[str, Any]] = []
        for doc, spans in _with_spans(_documents(input_path, text_field, id_field, column), threshold, jobs):
            documents += 1
            counts.update(map(_type_of, spans))
            if sink is not None:
                sink.write(_jsonl_record(doc.id, None, spans))
            elif fmt == SpanFormat.json:
                found.append({"id": doc.id, "spans": [s.to_dict() for s in spans]})
        if not (fmt == SpanFormat.jsonl and out is None):
            _audit_find(input_path, hash_input(input_path), {"documents": documents, **counts}, threshold)
    total = f"{documents:,} documents, {sum(counts.values()):,} PHI spans"
    if fmt == SpanFormat.json:
        data = {"documents": documents, "spans": sum(counts.values()), "counts": dict(sorted(counts.items()))}
        text = json.dumps({**data, "results": found}, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            atomic_write_text(out, text)
        say(total)
    elif fmt == SpanFormat.table:
        emit_table(f"PHI in {input_path.name}", ["type", "spans"], sorted(counts.items()))
        summary(total)
    else:
        say(total)


def _audit_find(path: Path, digest: str, counts: dict[str, int] | None, threshold: float) -> None:
    from ethicompass.transparency import audited

    with audited() as audit:
        audit.append(
            action="privacy.phi_find",
            object_type="text",
            object_id=path.name,
            hashes={"input": digest},
            params={"threshold": threshold, **({"counts": counts} if counts is not None else {})},
        )


def redact_cmd(
    input_path: InputArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the redacted documents (JSONL).")],
    style: Annotated[
        Style,
        typer.Option("--style", help="tag: [NAME]; surrogate: realistic fakes; pseudonym: keyed tokens."),
    ] = Style.tag,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", "-k", help="Secret key (surrogate/pseudonym; else $ETHICOMPASS_KEY)."),
    ] = None,
    participant_field: Annotated[
        str | None,
        typer.Option("--participant-field", help="JSONL field or table column with the participant id."),
    ] = None,
    text_field: TextField = "text",
    id_field: IdField = None,
    column: ColumnOpt = None,
    threshold: ThresholdOpt = 0.5,
    jobs: JobsOpt = 1,
) -> None:
    """Redact PHI: writes {"id", "text", "spans"} per document to OUT (atomically, after the audit entry)."""
    from ethicompass.privacy import hash_input, load_key
    from ethicompass.privacy.text import redact

    key = load_key(key_file) if style != Style.tag else None
    counts: Counter[str] = Counter()
    documents = 0
    with ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(out))
        with tmp.open("w", encoding="utf-8") as sink:
            docs = _documents(input_path, text_field, id_field, column, participant_field)
            for doc, spans in _with_spans(docs, threshold, jobs):
                text = redact(doc.text, spans, style=style.value, key=key, participant_id=doc.participant_id)
                documents += 1
                counts.update(map(_type_of, spans))
                sink.write(_jsonl_record(doc.id, text, spans))
        from ethicompass.transparency import audited

        with audited() as audit:
            audit.append(
                action="privacy.phi_redact",
                object_type="text",
                object_id=out.name,
                hashes={"input": hash_input(input_path), "output": sha256_file(tmp)},
                params={
                    "style": style.value,
                    "threshold": threshold,
                    "documents": documents,
                    "counts": dict(counts),
                    **({"key_fingerprint": key.fingerprint} if key is not None else {}),
                },
            )
    say(
        f"redacted {sum(counts.values()):,} PHI spans in {documents:,} documents ({style.value}); wrote {out}"
    )


def eval_cmd(
    input_path: Annotated[
        Path, typer.Argument(help="notes.jsonl (with --gold), or an ASQ-PHI queries file (gold inside).")
    ],
    gold: Annotated[Path | None, typer.Option("--gold", "-g", help="Gold spans (notes_gold.jsonl).")] = None,
    threshold: ThresholdOpt = 0.5,
    min_recall: Annotated[
        float,
        typer.Option(
            "--min-recall",
            min=0.0,
            max=1.0,
            help="Fail (exit 1) when full-coverage recall is lower (the policy's privacy.min_text_recall).",
        ),
    ] = 0.95,
    fmt: OutputFormat = format_option(),
    no_fail: Annotated[bool, no_fail_option()] = False,
) -> None:
    """Score the PHI finder against gold spans: span recall, token precision/recall/F1, PHI-free flags."""
    from ethicompass.privacy.text import evaluate_phi, load_gold

    documents = load_gold(input_path, gold=gold)
    result = evaluate_phi(documents, threshold=threshold)
    if fmt == OutputFormat.json:
        emit_json(result.to_dict())
    else:
        rows: list[list[Any]] = [
            ["span recall (any overlap)", result.span_recall_any],
            ["span recall (full coverage)", result.span_recall_full],
            ["token precision", result.token_precision],
            ["token recall", result.token_recall],
            ["token F1", result.token_f1],
            ["PHI-free documents flagged", f"{result.phi_free_flagged}/{result.phi_free_documents}"],
        ]
        emit_table(
            f"PHI finder on {input_path.name} ({result.documents} documents)", ["measure", "value"], rows
        )
        frame = result.to_frame()
        emit_table("per PHI type", frame.columns, [list(row) for row in frame.rows()])
    judge(
        result.span_recall_full < min_recall,
        f"full-coverage span recall {result.span_recall_full:.4f} is below {min_recall}",
        hint="inspect the misses per type and add or fix a recognizer; pass --no-fail to report only",
        no_fail=no_fail,
    )


def register(app: typer.Typer) -> None:
    """Add the ``phi`` sub-app (``find``, ``redact``, ``eval``) to the ``ethicompass`` CLI."""
    phi_app.command("find")(find_cmd)
    phi_app.command("redact")(redact_cmd)
    phi_app.command("eval")(eval_cmd)
    app.add_typer(phi_app, name="phi")
