"""The one SQLAlchemy ``MetaData`` every table of the state database belongs to."""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The one SQLAlchemy metadata every table of the state database belongs to.
metadata = MetaData(naming_convention=NAMING_CONVENTION)
