"""Tables of the ethics review: each stored review (report JSON, HTML, hashes) and reviewers' sign-offs."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from ethicompass.store._metadata import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

#: Stored ethics reviews: the report's JSON and HTML, its hashes and its study.
review_reports = Table(
    "review_reports",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(300), nullable=False, index=True),
    Column("generated_at", String(32), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("policy_name", String(300), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("report_json", Text, nullable=False),
    Column("report_html", Text, nullable=False),
    Column("report_hash", String(80), nullable=False),
    Column("html_hash", String(80), nullable=False),
    Column("pdf_hash", String(80), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", String(32), nullable=False),
)

#: Reviewers' sign-offs and change requests on a stored review (bound to the audit log).
review_signoffs = Table(
    "review_signoffs",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("review_id", BigInteger, nullable=False, index=True),
    Column("decision", String(32), nullable=False),
    Column("comment", Text, nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("recorded_at", String(32), nullable=False),
)
