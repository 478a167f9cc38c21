"""Clinical free text: find PHI in notes, redact it, and measure the finder against gold annotations.

Entry points: :func:`find_phi` (and :func:`find_phi_many`, :func:`find_phi_column` for batches and columns)
returns :class:`Span` objects; :func:`redact` (and :func:`redact_column`) replaces them;
:func:`evaluate_phi` scores the finder against :class:`GoldDocument` files read by :func:`load_gold`.
The recognizers themselves, one table of data plus checks, live in :mod:`ethicompass.privacy.text.recognizers`.

The package-level names of :mod:`ethicompass.privacy` are the public surface; these modules are where they live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.privacy.text._eval import GoldDocument, PhiEval, evaluate_phi, load_gold
    from ethicompass.privacy.text._find import Span, find_phi, find_phi_column, find_phi_many
    from ethicompass.privacy.text._redact import redact, redact_column

__getattr__, __dir__ = attach(
    __name__,
    {
        "GoldDocument": "ethicompass.privacy.text._eval",
        "PhiEval": "ethicompass.privacy.text._eval",
        "Span": "ethicompass.privacy.text._find",
        "evaluate_phi": "ethicompass.privacy.text._eval",
        "find_phi": "ethicompass.privacy.text._find",
        "find_phi_column": "ethicompass.privacy.text._find",
        "find_phi_many": "ethicompass.privacy.text._find",
        "load_gold": "ethicompass.privacy.text._eval",
        "redact": "ethicompass.privacy.text._redact",
        "redact_column": "ethicompass.privacy.text._redact",
    },
)

__all__ = [
    "GoldDocument",
    "PhiEval",
    "Span",
    "evaluate_phi",
    "find_phi",
    "find_phi_column",
    "find_phi_many",
    "load_gold",
    "redact",
    "redact_column",
]
