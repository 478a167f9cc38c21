"""Generalisation hierarchies for quasi-identifiers: each level is coarser than the one before.

Level 0 is the raw value; the last level is always ``*`` (the value suppressed). Built in:
numeric bands (:meth:`Hierarchy.intervals`, e.g. ages in 5/10/20-year bands), dates (month,
quarter, year), prefixes (ZIP codes 5 -> 3 -> 2 -> 1 digits), categorical merges (from YAML,
:func:`load_hierarchies`), and suppression only. A null stays null (its own value) below ``*``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ethicompass.errors import ColumnError, ManifestError
from ethicompass.frames import read_text_file

logging.getLogger(__name__).addHandler(logging.NullHandler())

_DATE_LEVELS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Hierarchy:
    """A generalisation hierarchy: ``levels`` names each level, from ``raw`` to ``*``.

    Build one with a named constructor: :meth:`intervals`, :meth:`age_bands`, :meth:`dates`,
    :meth:`prefix`, :meth:`categorical` or :meth:`suppression`.
    """

    kind: str
    levels: tuple[str, ...]
    params: tuple[Any, ...] = ()

    @classmethod
    def intervals(cls, widths: Sequence[int | float] = (5, 10, 20)) -> Hierarchy:
        """Numeric bands of growing width, e.g. ``40-44`` then ``40-49`` then ``40-59``."""
        ws = tuple(widths)
        if not ws or any(w <= 0 for w in ws) or list(ws) != sorted(ws):
            raise ManifestError(f"band widths {list(ws)} must be positive and increasing")
        return cls("intervals", ("raw", *(f"band{w:g}" for w in ws), "*"), ws)

    @classmethod
    def age_bands(cls) -> Hierarchy:
        """Ages in 5-, 10- and 20-year bands, then ``*``."""
        return cls.intervals((5, 10, 20))

    @classmethod
    def dates(cls, levels: Sequence[str] = _DATE_LEVELS) -> Hierarchy:
        """Dates to ``2024-03`` (month), ``2024-Q1`` (quarter), ``2024`` (year), then ``*``."""
        lv = tuple(levels)
        if not lv or any(x not in _DATE_LEVELS for x in lv):
            raise ManifestError(f"date levels {list(lv)} must be some of {list(_DATE_LEVELS)}, in order")
        return cls("dates", ("raw", *lv, "*"), lv)

    @classmethod
    def prefix(cls, lengths: Sequence[int] = (3, 2, 1)) -> Hierarchy:
        """Keep the first characters (ZIP ``02139`` -> ``021**`` -> ``02***`` -> ``0****``), then ``*``."""
        ls = tuple(lengths)
        if not ls or any(x < 0 for x in ls) or list(ls) != sorted(ls, reverse=True):
            raise ManifestError(f"prefix lengths {list(ls)} must be decreasing and not negative")
        return cls("prefix", ("raw", *(f"prefix{x}" for x in ls), "*"), ls)

    @classmethod
    def categorical(cls, levels: Sequence[Mapping[str, Sequence[str]]]) -> Hierarchy:
        """Merge categories level by level: each level maps a group name to the raw values in it.

        A raw value a level does not list stays itself at that level.
        """
        frozen = tuple(
            tuple((str(g), tuple(str(v) for v in vals)) for g, vals in lv.items()) for lv in levels
        )
        return cls("categorical", ("raw", *(f"level{i + 1}" for i in range(len(frozen))), "*"), frozen)

    @classmethod
    def suppression(cls) -> Hierarchy:
        """Only two levels: the raw value, or ``*``."""
        return cls("suppression", ("raw", "*"))

    @classmethod
    def default_for(cls, column: str, dtype: pl.DataType) -> Hierarchy:
        """The built-in hierarchy for a column without one: by type, and ``zip``/``postcode`` by name."""
        lowered = column.lower()
        if "zip" in lowered or "postcode" in lowered or "postal" in lowered:
            return cls.prefix()
        if dtype.is_numeric():
            return cls.intervals()
        if dtype.is_temporal():
            return cls.dates()
        return cls.suppression()

    def generalise(self, values: pl.Series, level: int) -> pl.Series:
        """The values at ``level`` (0 = raw, unchanged; the last = ``*``), as strings below the top."""
        if level == 0:
            return values
        if level == len(self.levels) - 1:
            return pl.Series(values.name, ["*"] * len(values), dtype=pl.String)
        expr = self._expr(pl.col(values.name), values.dtype, level)
        return values.to_frame().select(expr.alias(values.name)).to_series()

    def _expr(self, col: pl.Expr, dtype: pl.DataType, level: int) -> pl.Expr:
        param = self.params[level - 1]
        if dtype == pl.Null:
            return col.cast(pl.String)
        if self.kind == "intervals":
            if not dtype.is_numeric():
                raise ColumnError(f"band hierarchy needs a numeric column, not {dtype}")
            lo = (col / param).floor() * param
            if dtype.is_integer() and float(param).is_integer():
                lo_i = lo.cast(pl.Int64)
                return pl.format("{}-{}", lo_i, lo_i + int(param) - 1)
            return pl.format("[{}, {})", lo, lo + param)
        if self.kind == "dates":
            d = col if dtype.is_temporal() else col.cast(pl.String).str.to_date(strict=False)
            if param == "month":
                return d.dt.strftime("%Y-%m")
            if param == "quarter":
                return pl.format("{}-Q{}", d.dt.year(), d.dt.quarter())
            return d.dt.year().cast(pl.String)
        if self.kind == "prefix":
            s = col.cast(pl.String)
            return pl.concat_str([s.str.slice(0, param), s.str.slice(param).str.replace_all(".", "*")])
        if self.kind == "categorical":
            mapping = {v: g for g, vals in param for v in vals}
            s = col.cast(pl.String)
            return s.replace(list(mapping), list(mapping.values()))
        raise AssertionError(self.kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (kind and level names)."""
        return {"kind": self.kind, "levels": list(self.levels)}


def hierarchies_from_dict(data: Mapping[str, Any], /, *, source: str = "hierarchies") -> dict[str, Hierarchy]:
    """Hierarchies from parsed YAML/JSON: ``{column: {type: ..., ...}}`` (see docs/privacy-risk.md)."""
    out: dict[str, Hierarchy] = {}
    if not isinstance(data, Mapping):
        raise ManifestError(f"{source} must map column names to hierarchies")
    for column, spec in data.items():
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise ManifestError(
                f"{source}: hierarchy of column {column!r} needs a 'type'",
                hint="one of intervals, age, dates, prefix, categorical, suppression",
            )
        kind = spec["type"]
        try:
            if kind == "intervals":
                out[column] = Hierarchy.intervals(spec.get("widths", (5, 10, 20)))
            elif kind == "age":
                out[column] = Hierarchy.age_bands()
            elif kind == "dates":
                out[column] = Hierarchy.dates(spec.get("levels", _DATE_LEVELS))
            elif kind in ("prefix", "zip"):
                out[column] = Hierarchy.prefix(spec.get("lengths", (3, 2, 1)))
            elif kind == "categorical":
                levels = spec.get("levels")
                if not isinstance(levels, list) or not all(isinstance(x, Mapping) for x in levels):
                    raise ManifestError(
                        f"{source}: categorical hierarchy of {column!r} needs 'levels', a list of mappings",
                        hint="e.g. levels: [{Asian/PI: [Asian, Pacific Islander]}]",
                    )
                out[column] = Hierarchy.categorical(levels)
            elif kind == "suppression":
                out[column] = Hierarchy.suppression()
            else:
                raise ManifestError(
                    f"{source}: column {column!r} has unknown hierarchy type {kind!r}",
                    hint="use intervals, age, dates, prefix, categorical or suppression",
                )
        except (TypeError, ValueError) as exc:
            raise ManifestError(f"{source}: hierarchy of column {column!r} is invalid ({exc})") from exc
    return out


def load_hierarchies(path: str | Path, /) -> dict[str, Hierarchy]:
    """Read hierarchies from a YAML file (a top-level ``hierarchies:`` key is optional)."""
    p = Path(path)
    try:
        data = yaml.safe_load(read_text_file(p, what="hierarchies file"))
    except OSError as exc:
        raise ManifestError(f"{p}: cannot read ({exc.strerror})", hint="check the path") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"{p}: not valid YAML ({exc})", hint="fix the YAML syntax") from exc
    except RecursionError:
        raise ManifestError(f"{p}: YAML nested too deeply to read", hint="fix the YAML structure") from None
    if isinstance(data, Mapping) and "hierarchies" in data:
        data = data["hierarchies"]
    return hierarchies_from_dict(data or {}, source=str(p))
