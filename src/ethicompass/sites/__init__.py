"""Multi-site review: counts travel, rows stay.

Each site runs ``summarize_site(study, site=..., policy=..., store=..., key=..., out=...)``: its rows
become counts (the fairness tables: overall, one per group column, joint; the score's sums,
representativeness and consent counts), disclosure control removes every count under the policy's
minimum cell size (complementary suppression over all tables at once, bounds recorded per table and
group), the check's certificate and a signed audit checkpoint go into the file, and the file is signed
with the site's key. ``check_site(path)`` re-judges a file. The coordinator runs
``federate(files, policy=..., store=..., out_dir=...)``: it verifies every file and writes the same
report as a pooled review (a group any site withheld cells of is named, not judged), plus between-site heterogeneity, the site as a fairness attribute, which
sites drive a disparity, and the provenance of every file. On the server, sites upload their files
(``upload_site_file``), signed by a key an administrator registered for the site beforehand
(``add_site_key``), and reviewers run the federated review over them (``review_uploads``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ethicompass._lazy import attach

if TYPE_CHECKING:
    from ethicompass.sites._disclosure import check_body, complementary
    from ethicompass.sites._federate import federate, federated_results
    from ethicompass.sites._format import SiteFile, read_site_file
    from ethicompass.sites._heterogeneity import Heterogeneity, cochran_q
    from ethicompass.sites._keys import add_site_key, list_site_keys, revoke_site_key
    from ethicompass.sites._merge import MergedSites, merge_sites, verify_sites
    from ethicompass.sites._site import SiteCheck, check_site, summarize_site
    from ethicompass.sites._uploads import (
        list_uploads,
        multi_site_reviews,
        review_uploads,
        site_review_detail,
        upload_site_file,
    )

__getattr__, __dir__ = attach(
    __name__,
    {
        "Heterogeneity": "ethicompass.sites._heterogeneity",
        "add_site_key": "ethicompass.sites._keys",
        "list_site_keys": "ethicompass.sites._keys",
        "revoke_site_key": "ethicompass.sites._keys",
        "MergedSites": "ethicompass.sites._merge",
        "SiteCheck": "ethicompass.sites._site",
        "SiteFile": "ethicompass.sites._format",
        "check_body": "ethicompass.sites._disclosure",
        "check_site": "ethicompass.sites._site",
        "cochran_q": "ethicompass.sites._heterogeneity",
        "complementary": "ethicompass.sites._disclosure",
        "federate": "ethicompass.sites._federate",
        "federated_results": "ethicompass.sites._federate",
        "list_uploads": "ethicompass.sites._uploads",
        "merge_sites": "ethicompass.sites._merge",
        "multi_site_reviews": "ethicompass.sites._uploads",
        "read_site_file": "ethicompass.sites._format",
        "review_uploads": "ethicompass.sites._uploads",
        "site_review_detail": "ethicompass.sites._uploads",
        "summarize_site": "ethicompass.sites._site",
        "upload_site_file": "ethicompass.sites._uploads",
        "verify_sites": "ethicompass.sites._merge",
    },
)

__all__ = [
    "Heterogeneity",
    "MergedSites",
    "SiteCheck",
    "SiteFile",
    "add_site_key",
    "check_body",
    "check_site",
    "cochran_q",
    "complementary",
    "federate",
    "federated_results",
    "list_site_keys",
    "list_uploads",
    "merge_sites",
    "multi_site_reviews",
    "read_site_file",
    "review_uploads",
    "revoke_site_key",
    "site_review_detail",
    "summarize_site",
    "upload_site_file",
    "verify_sites",
]
