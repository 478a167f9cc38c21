"""Render a review report as self-contained HTML (inline CSS and SVG) and, with WeasyPrint, PDF."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ethicompass import __version__
from ethicompass._extras import install_hint
from ethicompass.errors import ConfigurationError
from ethicompass.review._report import PRINCIPLE_TITLES, PRINCIPLES, Report

LABELS = {"pass": "pass", "warn": "warn", "fail": "fail", "not_assessed": "not assessed"}
OVERALL = {
    "pass": "every principle met the committee's thresholds.",
    "warn": "nothing failed, but some checks need a reviewer's judgement or could not be run.",
    "fail": "at least one check failed the committee's thresholds; see what to do under each failure.",
}


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):  # readable "name: value" pairs, never a Python dict
        return "; ".join(f"{str(k).replace('_', ' ')}: {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def render_html(report: Report, /) -> str:
    """The report as one self-contained HTML page (no external requests)."""
    env = Environment(
        loader=PackageLoader("ethicompass.review", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    principles = [(name, report.principles[name]) for name in PRINCIPLES if name in report.principles]
    return template.render(
        report=report.to_dict() | {"verdict": report.verdict},
        principles=principles,
        titles=PRINCIPLE_TITLES,
        labels=LABELS,
        overall_sentence=OVERALL[report.verdict],
        version=__version__,
        fmt=_fmt,
    )


def pdf_available() -> bool:
    """Whether the ``pdf`` extra (WeasyPrint) is installed."""
    return importlib.util.find_spec("weasyprint") is not None


def render_pdf(html: str, path: Path, /) -> None:
    """Write the HTML report as PDF (needs the ``pdf`` extra)."""
    if not pdf_available():
        raise ConfigurationError("PDF output needs WeasyPrint", hint=install_hint("pdf"))
    import weasyprint

    weasyprint.HTML(string=html).write_pdf(str(path))
