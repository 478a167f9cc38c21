"""Redact PHI spans from text: ``tag`` (``[NAME]``), ``pseudonym`` (keyed tokens) or ``surrogate``.

Surrogates are realistic and consistent within a patient: the same name (or number, e-mail, place) of
the same participant always becomes the same fake one under the same key, and dates move by the
participant's key-derived offset (:func:`ethicompass.privacy.date_offset_days`), so notes and tables
stay consistent. Without ``participant_id`` the offset and the surrogates are key-wide.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from ethicompass.errors import ColumnError, ConfigurationError, InputError
from ethicompass.frames import require_columns, to_polars
from ethicompass.privacy._keys import Key, date_offset_days, pseudonym
from ethicompass.privacy.text._find import DEFAULT_THRESHOLD, Span, find_phi_many
from ethicompass.privacy.text._lexicon import lexicon
from ethicompass.privacy.text.recognizers import _dates as parts
from ethicompass.study import PhiType

__all__ = ["RedactStyle", "redact", "redact_column"]

RedactStyle = Literal["tag", "surrogate", "pseudonym"]
_STYLES = ("tag", "surrogate", "pseudonym")


def redact(
    text: str,
    spans: Sequence[Span],
    /,
    *,
    style: RedactStyle = "tag",
    key: Key | None = None,
    participant_id: str | None = None,
    shift_low: int = -365,
    shift_high: int = 365,
) -> str:
    """``text`` with every span replaced according to ``style``.

    ``tag`` needs nothing else; ``pseudonym`` and ``surrogate`` need ``key``. ``spans`` must be
    sorted and non-overlapping, as :func:`find_phi` returns them.
    """
    if style not in _STYLES:
        raise InputError(f"unknown redaction style {style!r}", hint="use 'tag', 'surrogate' or 'pseudonym'")
    if style != "tag" and key is None:
        raise ConfigurationError(
            f"redaction style {style!r} needs the pseudonymisation key",
            hint="pass key=privacy.load_key(path) (CLI: --key-file KEY or $ETHICOMPASS_KEY), or use style 'tag'",
        )
    out: list[str] = []
    pos = 0
    offset: int | None = None
    for span in spans:
        if span.start < pos or span.end > len(text) or span.start > span.end:
            raise InputError(
                f"span {span.start}..{span.end} overlaps the previous one or lies outside the text",
                hint="pass the sorted, non-overlapping spans that find_phi returns",
            )
        out.append(text[pos : span.start])
        value = text[span.start : span.end]
        if style == "tag":
            out.append(f"[{span.type.value}]")
        elif style == "pseudonym":
            assert key is not None
            out.append(f"[{span.type.value}:{pseudonym(f'{span.type.value}:{_normal(value)}', key)}]")
        else:
            assert key is not None
            if offset is None:
                offset = date_offset_days(participant_id or "", key, low=shift_low, high=shift_high)
            out.append(_surrogate(value, span.type, key, participant_id or "", offset))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _normal(value: str) -> str:
    return " ".join(value.casefold().split())


def _digest(key: Key, participant: str, kind: str, value: str) -> bytes:
    return key.digests([f"surrogate\x00{participant}\x00{kind}\x00{_normal(value)}"])[0]


def _pick(options: Sequence[str], digest: bytes) -> str:
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def _shape(value: str, digest: bytes) -> str:
    """Same shape, new characters: each digit and letter replaced from the digest (punctuation kept)."""
    stream = iter(digest * (len(value) // len(digest) + 1))
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(str(next(stream) % 10))
        elif ch.isalpha() and ch.isascii():
            letter = chr(ord("A") + next(stream) % 26)
            out.append(letter if ch.isupper() else letter.lower())
        else:
            out.append(ch)
    return "".join(out)


_NAME_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*\.?")
_TITLE_WORDS = {"Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Miss"}
_FAC_WORD = re.compile(
    r"\b(Hospital|Hosp\.|Medical Center|Med Center|Clinic|Health|Nursing Home|Cancer Center|Infirmary)\b",
    re.I,
)


@functools.cache
def _pools() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """First names, surnames and cities to draw surrogates from, in a fixed order."""
    lex = lexicon()
    return tuple(sorted(lex.first_names)), tuple(sorted(lex.last_names)), tuple(sorted(lex.cities))


def _surrogate(value: str, phi_type: PhiType, key: Key, participant: str, offset: int) -> str:
    lex = lexicon()
    digest = _digest(key, participant, phi_type.value, value)
    if phi_type == PhiType.NAME:
        first_names, last_names = _pools()[:2]

        def one(m: re.Match[str]) -> str:
            token = m.group(0)
            bare = token.rstrip(".")
            if bare.title() in _TITLE_WORDS:
                return token
            d = _digest(key, participant, "name-token", bare)
            if len(bare) == 1:
                return chr(ord("A") + d[0] % 26) + token[1:]
            pool = first_names if bare.title() in lex.first_names else last_names
            new = _pick(pool, d)
            return new.upper() if bare.isupper() else (new.lower() if bare.islower() else new)

        return _NAME_TOKEN.sub(one, value)
    if phi_type == PhiType.DATE:
        return _shift_date(value, offset) or f"[{phi_type.value}]"
    if phi_type == PhiType.AGE:
        return re.sub(r"\d+", "90+", value, count=1)
    if phi_type == PhiType.EMAIL:
        return f"user{digest[:3].hex()}@example.org"
    if phi_type == PhiType.URL:
        return f"https://example.org/{digest[:4].hex()}"
    if phi_type == PhiType.IP:
        return f"10.{digest[0]}.{digest[1]}.{digest[2]}" if "." in value else f"fd00::{digest[:2].hex()}"
    if phi_type == PhiType.LOCATION:
        _, last_names, cities = _pools()
        city = _pick(cities, digest)
        facility = _FAC_WORD.search(value)
        if facility:
            return f"{_pick(last_names, digest[8:])} {facility.group(1)}"
        return city
    return _shape(value, digest)


_MONTH_NAMES = ["", *(dt.date(2000, i, 1).strftime("%B") for i in range(1, 13))]


def _shift_date(value: str, offset: int) -> str | None:
    """The date in ``value`` moved by ``offset`` days, written the way it was; None if not parseable."""
    for pattern in (*parts.DATE_MONTH_DAY, *parts.DATE_DAY_MONTH, *parts.DATE_NUMERIC):
        m = re.fullmatch(pattern, value.strip())
        if m is None:
            continue
        groups = m.groupdict()
        month_text = groups.get("mn")
        month = (
            int(groups["m"])
            if groups.get("m")
            else parts._MONTH_NUMBER.get((month_text or "")[:3].lower(), 0)
        )
        year_text = groups.get("y")
        year = _year(year_text)
        try:
            day = int(groups["d"])
            moved = dt.date(year, month, day) + dt.timedelta(days=offset)
        except (TypeError, ValueError, OverflowError):
            return None
        edits: list[tuple[str, str]] = [("d", f"{moved.day:0{len(groups['d'])}d}")]
        if year_text:
            new_year = str(moved.year) if len(year_text.lstrip("'")) == 4 else f"{moved.year % 100:02d}"
            edits.append(("y", ("'" if year_text.startswith("'") else "") + new_year))
        if month_text:
            name = _MONTH_NAMES[moved.month]
            new_month = name[: len(month_text)] if len(month_text) <= 4 else name
            edits.append(("mn", new_month.upper() if month_text.isupper() else new_month))
        else:
            edits.append(("m", f"{moved.month:0{len(groups['m'])}d}"))
        out = value.strip()
        for group, new in sorted(edits, key=lambda e: m.start(e[0]), reverse=True):
            start, end = m.span(group)
            out = out[:start] + new + out[end:]
        return out
    return None


def _year(text: str | None) -> int:
    if not text:
        return 2000
    digits = text.lstrip("'")
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def redact_column(
    frame: Any,
    /,
    *,
    column: str,
    style: RedactStyle = "tag",
    key: Key | None = None,
    participant_column: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> pl.DataFrame:
    """A Polars copy of ``frame`` with the free-text ``column`` redacted row by row.

    ``participant_column`` names the participant of each row (for consistent surrogates and date shifts).
    """
    needed = [column] + ([participant_column] if participant_column else [])
    require_columns(frame, needed, source="the frame")
    df = to_polars(frame)
    series = df.get_column(column)
    if series.dtype not in (pl.String, pl.Null):
        raise ColumnError(f"column {column!r} holds {series.dtype}, not text", hint="pass a free-text column")
    pids = df.get_column(participant_column).cast(pl.String).to_list() if participant_column else None
    values = series.to_list()
    found = find_phi_many([value for value in values if value is not None], threshold=threshold)
    out = [
        None
        if value is None
        else redact(value, next(found), style=style, key=key, participant_id=pids[i] if pids else None)
        for i, value in enumerate(values)
    ]
    return df.with_columns(pl.Series(column, out, dtype=pl.String))
