"""Column transformations of de-identification: ZIP3, ages, dates, birth years, offsets.

Each is a pure function of Polars series; ``_deid.DeidTransform`` composes them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ethicompass.errors import ColumnError
from ethicompass.privacy.tables._safe_harbor import Policy

__all__ = ["adjust_birth_year", "age_cap", "ages_of", "as_text", "offsets_of", "parse_dates", "zip3"]

_ZIP_OK = r"^\d{3}(\d{2})?(-?\d{4})?$"


def offsets_of(raw: np.ndarray, policy: Policy) -> np.ndarray:
    """Vectorised :func:`offset_from_digest` over the big-endian words ``D[16:24]``."""
    low, high = policy.shift_low, policy.shift_high
    skip_zero = low <= 0 <= high and low != high
    size = high - low + 1 - (1 if skip_zero else 0)
    offset = low + (raw % np.uint64(size)).astype(np.int64)
    if skip_zero:
        offset = offset + (offset >= 0)
    return offset


def as_text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.Object:
        raise ColumnError(f"column {s.name!r} holds mixed types", hint="give the column one type")
    if s.dtype.is_float():
        whole = s.drop_nulls()
        if (whole == whole.floor()).all():
            return s.cast(pl.Int64).cast(pl.String)
    return s.cast(pl.String)


def zip3(s: pl.Series, policy: Policy, c: dict[str, int]) -> pl.Series:
    if s.dtype.is_integer():
        text = pl.select(
            pl.when(s < 1000).then(s.cast(pl.String).str.zfill(3)).otherwise(s.cast(pl.String).str.zfill(5))
        ).to_series()
    else:
        text = as_text(s).str.strip_chars()
    ok = text.str.contains(_ZIP_OK)
    head = pl.select(pl.when(ok).then(text.str.slice(0, 3))).to_series()
    restricted = head.is_in(sorted(policy.restricted_zip3))
    c["suppressed"] = int((~ok).sum())
    c["set_to_000"] = int((restricted & (head != "000")).sum())
    return pl.select(pl.when(restricted).then(pl.lit("000")).otherwise(head)).to_series().alias(s.name)


def ages_of(s: pl.Series, *, first_row: int = 1) -> pl.Series:
    """Ages as numbers ("90+" as 90); a value that is not an age fails, naming its data row."""
    if s.dtype.is_numeric():
        return s.cast(pl.Float64)
    text = as_text(s).str.strip_chars()
    plus = text.str.ends_with("+")
    number = text.str.strip_suffix("+").cast(pl.Float64, strict=False)
    bad = number.is_null() & text.is_not_null()
    if bad.any():
        row = int(bad.arg_max() or 0) + first_row
        raise ColumnError(
            f"column {s.name!r} row {row}: not an age", hint="ages must be numbers (or N+ for a top group)"
        )
    return pl.select(pl.when(plus).then(number.clip(lower_bound=90)).otherwise(number)).to_series()


def age_cap(s: pl.Series, ages: pl.Series, policy: Policy, c: dict[str, int]) -> pl.Series:
    over = ages > policy.age_cap
    c["capped"] = int(over.sum())
    text = pl.select(
        pl.when(ages == ages.floor())
        .then(ages.cast(pl.Int64).cast(pl.String))
        .otherwise(ages.cast(pl.String))
    ).to_series()
    label = f"{policy.age_cap + 1}+"
    return pl.select(pl.when(over).then(pl.lit(label)).otherwise(text)).to_series().alias(s.name)


def parse_dates(
    s: pl.Series, column: str, policy: Policy, c: dict[str, int], *, first_row: int = 1
) -> tuple[pl.Series, pl.Series]:
    """(dates as Date/Datetime, years already reduced to a year as Int32); ``first_row`` numbers errors."""
    empty_years = pl.repeat(None, s.len(), dtype=pl.Int32, eager=True).alias("y")
    if s.dtype in (pl.Date,) or isinstance(s.dtype, pl.Datetime):
        return s, empty_years
    if s.dtype.is_integer():
        years = s.cast(pl.Int32)
        bad = years.is_not_null() & ((years < 1000) | (years > 2999))
        _bad_rows(bad, column, policy, c, "is a number, not a year", first_row)
        years = pl.select(pl.when(bad).then(None).otherwise(years)).to_series()
        return pl.repeat(None, s.len(), dtype=pl.Date, eager=True).alias("d"), years
    if s.dtype != pl.String:
        raise ColumnError(
            f"column {column!r} is {s.dtype}, not dates", hint="give dates as ISO text or dates"
        )
    parsed = s.str.strptime(pl.Date, "%Y-%m-%d", strict=False)  # ISO as it stands: the common case
    text, years_only = s, empty_years
    if (s.is_not_null() & parsed.is_null()).any():  # spaces, times after the date, other formats
        text = s.str.strip_chars()
        iso = text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        parsed = pl.select(pl.coalesce(parsed, iso)).to_series()
    if (text.is_not_null() & parsed.is_null()).any():
        years_only = pl.select(
            pl.when(text.str.contains(r"^\d{4}$")).then(text.cast(pl.Int32, strict=False))
        ).to_series()
        for fmt in policy.date_formats:  # other formats only for the rows still unparsed
            if not (text.is_not_null() & parsed.is_null() & years_only.is_null()).any():
                break
            parsed = pl.select(pl.coalesce(parsed, text.str.strptime(pl.Date, fmt, strict=False))).to_series()
    bad = text.is_not_null() & parsed.is_null() & years_only.is_null()
    _bad_rows(bad, column, policy, c, "is not a date", first_row)
    return parsed, years_only


def _bad_rows(
    bad: pl.Series, column: str, policy: Policy, c: dict[str, int], what: str, first_row: int
) -> None:
    n = int(bad.sum())
    if not n:
        return
    if policy.on_bad_date == "fail":
        rows = (bad.arg_true() + first_row).head(5).to_list()
        shown = ", ".join(str(r) for r in rows) + (" ..." if n > 5 else "")
        raise ColumnError(
            f"column {column!r}: {n} value(s) {what} (data rows {shown})",
            hint=f"fix them, give the policy date_formats (tried {', '.join(policy.date_formats)}), "
            "or set on_bad_date: suppress",
        )
    c["suppressed"] = c.get("suppressed", 0) + n


def adjust_birth_year(year: pl.Series, ages: pl.Series | None, policy: Policy) -> tuple[pl.Series, int]:
    cap = policy.age_cap + 1
    if ages is not None:
        excess = (ages - cap).clip(lower_bound=0).fill_null(0).cast(pl.Int32)
        return (year + excess).alias(year.name), int((excess > 0).sum())
    limit = policy.effective_reference_year() - cap
    moved = int((year < limit).sum())
    return year.clip(lower_bound=limit).alias(year.name), moved
