"""The multi-site record of a stored federated review (table ``site_reviews``), written by ``federate``."""

from __future__ import annotations

import json
from typing import Any

from ethicompass.store._sites_tables import site_reviews

__all__ = ["record_site_review"]


def record_site_review(store: Any, review_id: int, study: str, detail: dict[str, Any], /) -> None:
    """Keep the multi-site detail (heterogeneity, drivers, provenance) of stored review ``review_id``,
    so the reviewer's pages show it as a multi-site review however it was run (server or command line)."""
    with store.begin() as conn:
        conn.execute(
            site_reviews.insert().values(review_id=review_id, study=study, detail_json=json.dumps(detail))
        )
