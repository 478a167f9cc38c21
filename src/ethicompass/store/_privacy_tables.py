"""Tables of privacy (risk and releases): the differential-privacy budget ledger per dataset.

``privacy_dp_budgets`` holds each dataset's total privacy budget (epsilon); ``privacy_dp_ledger``
one row per release that debited it. The remaining budget is the total less the ledger's sum.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table

from ethicompass.store._metadata import metadata

privacy_dp_budgets = Table(
    "privacy_dp_budgets",
    metadata,
    Column("dataset", String(256), primary_key=True),
    Column("epsilon_total", Float, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

privacy_dp_ledger = Table(
    "privacy_dp_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(256), nullable=False, index=True),
    Column("recorded_at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("query", String(32), nullable=False),
    Column("column_name", String(200), nullable=True),
    Column("epsilon", Float, nullable=False),
    Column("mechanism", String(200), nullable=False),
)
