"""Which engine runs a function on a frame the in-process path cannot take (a Spark DataFrame).

Domain code never imports an engine (CONTRIBUTING.md, section 1: layout): it asks :func:`engine_for`, and
hands the frame to the module it returns, which offers the domain's function under the same name
(``engine.deidentify(frame, schema, policy=..., key=...)``). The table below is the one place that
names the engines; each is imported only when a frame of its kind arrives.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["ENGINES", "engine_for"]

#: (module prefix of the frame's class, the engine module that runs on it)
ENGINES: tuple[tuple[str, str], ...] = (("pyspark.sql", "ethicompass.engines.spark"),)


def engine_for(frame: object, /) -> ModuleType | None:
    """The engine module for ``frame`` (a PySpark DataFrame, classic or Connect), or None for an in-process frame.

    Nothing is imported to decide: the frame's class is matched by its module and name.
    """
    cls = type(frame)
    if cls.__name__ != "DataFrame":
        return None
    for prefix, module in ENGINES:
        if cls.__module__.startswith(prefix):
            return importlib.import_module(module)
    return None
