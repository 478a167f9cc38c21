"""The SVG canvas the safety plots share (decision curves in ``_benefit``, reliability curves in ``_calibration``).

Matplotlib's object API with the SVG canvas (no pyplot, no global state). Text stays text
(``svg.fonttype = none``) and ids are salted with a fixed string, so the same result gives
the same bytes.
"""

from __future__ import annotations

import io
import logging
from typing import Any

__all__ = ["RC", "render_svg"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "ethicompass", "font.size": 9}


def render_svg(fig: object) -> str:
    """The figure as SVG text, the same bytes for the same figure."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": "ethicompass"})  # type: ignore[arg-type]
    return buffer.getvalue()
