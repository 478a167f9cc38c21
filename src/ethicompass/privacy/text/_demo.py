"""Demo step: find and redact PHI in the synthetic clinical notes, and score the finder against the gold."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from ethicompass.frames import sha256_file
from ethicompass.privacy._keys import Key, load_key
from ethicompass.privacy.text._eval import evaluate_phi, load_synthetic_gold
from ethicompass.privacy.text._find import find_phi_many
from ethicompass.privacy.text._redact import redact

if TYPE_CHECKING:
    from ethicompass.demo import DemoContext

#: Notes scored and redacted in the demo (the rest of the file is the same kind of text).
DEMO_NOTES = 600


def run(ctx: DemoContext) -> None:
    """Score the PHI finder on the notes' gold spans, write surrogate-redacted notes, log it."""
    from ethicompass.transparency import AuditLog

    notes_path = ctx.path("notes")
    documents = load_synthetic_gold(notes_path, notes_path.with_name("notes_gold.jsonl"))[:DEMO_NOTES]
    participants = {}
    with notes_path.open(encoding="utf-8") as fh:
        for line, _ in zip(fh, range(DEMO_NOTES), strict=False):
            row = json.loads(line)
            participants[row["note_id"]] = row.get("participant_id")
    started = time.perf_counter()
    spans = dict(zip([d.id for d in documents], find_phi_many([d.text for d in documents]), strict=True))
    seconds = time.perf_counter() - started
    result = evaluate_phi(documents, predictions=spans)
    megabytes = sum(len(d.text.encode("utf-8")) for d in documents) / 1e6
    ctx.say(
        f"PHI finder on {len(documents):,} synthetic notes ({megabytes:.2f} MB, {seconds:.1f} s, no model): "
        f"{result.gold_spans:,} gold PHI spans; {result.span_recall_full:.1%} fully covered (nothing leaks), "
        f"{result.span_recall_any:.1%} touched; token precision {result.token_precision:.1%}, "
        f"recall {result.token_recall:.1%}; {result.phi_free_flagged} of {result.phi_free_documents} "
        "PHI-free notes flagged."
    )
    weakest = sorted(result.per_type.items(), key=lambda kv: kv[1]["span_recall_full"])[:2]
    ctx.say(
        "Weakest types (full coverage): "
        + ", ".join(f"{kind} {row['span_recall_full']:.1%} of {row['spans']}" for kind, row in weakest)
    )
    key_file = ctx.out_dir / "keys" / "demo.key"
    key = load_key(key_file) if key_file.is_file() else Key.generate()
    out_dir = ctx.out_dir / "deidentified"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "notes_sample_redacted.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for doc in documents:
            text = redact(
                doc.text, spans[doc.id], style="surrogate", key=key, participant_id=participants[doc.id]
            )
            fh.write(json.dumps({"note_id": doc.id, "text": text}, ensure_ascii=False) + "\n")
    AuditLog(ctx.store).append(
        action="privacy.phi_redact",
        object_type="text",
        object_id="notes",
        hashes={"input": sha256_file(notes_path), "output": sha256_file(out)},
        params={
            "style": "surrogate",
            "documents": len(documents),
            "key_fingerprint": key.fingerprint,
            "span_recall_full": round(result.span_recall_full, 4),
            "token_precision": round(result.token_precision, 4),
        },
    )
    first = documents[0]
    ctx.say(
        f"Wrote surrogate-redacted notes to {out} (names, places and numbers replaced consistently per patient, "
        f"dates shifted by each patient's key-derived offset). Note {first.id} starts: "
        f"{json.loads(out.read_text(encoding='utf-8').splitlines()[0])['text'][:90]!r}"
    )
    ctx.results["privacy_text"] = result
