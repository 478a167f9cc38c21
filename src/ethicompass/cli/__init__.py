"""The ``ethicompass`` command line: one verb per capability, one module per principle.

Each module here parses its verbs' options, calls the domain package, writes through the audit log
and prints; it holds no domain logic. The app, the shared verbs and the error handling are in
``_app.py``; every principle's module is imported by name below and adds its verbs through
``register(app)``, so a module that fails to import stops the CLI instead of vanishing from it.
"""

from __future__ import annotations

from ethicompass.cli import (
    consent,
    fairness,
    privacy_risk,
    privacy_tables,
    privacy_text,
    review,
    safety_benefit,
    safety_monitor,
    server,
    sites,
    spark,
    training,
    transparency,
)
from ethicompass.cli._app import app, main, run

__all__ = ["app", "main", "run"]

# help order: the order the verbs were added before the move
for _module in (
    transparency,
    privacy_tables,
    privacy_text,
    privacy_risk,
    fairness,
    consent,
    safety_benefit,
    safety_monitor,
    training,
    review,
    sites,
    server,
    spark,
):
    _module.register(app)
