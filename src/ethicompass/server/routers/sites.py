"""Multi-site review on the server: sites upload their ``.ecsite`` files, reviewers run the federated review.

``POST /api/v1/sites/uploads`` takes one site file as the request body (under the general body limit;
a site file is small), from a token of the ``site`` role whose user is named after its site: the file
must be that site's (403 otherwise), verify as ``federate`` would (422 naming the site and what is
wrong), and agree with the study's other uploads on the policy and the manifest. A second file of the
same site and study is accepted only as a replacement signed by the same key with a newer audit
checkpoint (409 otherwise). Only a file signed by a key an administrator registered for the site beforehand is accepted (``POST
/api/v1/sites/keys``, admin; ``GET /api/v1/sites/keys``, reviewers and admins; ``POST
/api/v1/sites/keys/{site}/{key_id}/revoke``, admin); any other is refused (403) and the refusal audited.
``GET /api/v1/sites/uploads`` lists a site's own uploads (reviewers and
admins: every upload). On the reviewer pages, ``/review/sites`` lists the studies with uploads and runs
the federated review over them; the review appears in the reviews list marked multi-site.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ethicompass.accounts import User, require_role
from ethicompass.errors import InputError
from ethicompass.server._csrf import verify_csrf
from ethicompass.server._templating import render

__all__ = ["UPLOAD_ROLES", "router"]

#: Who may upload (a site, its own file) and who may list uploads.
UPLOAD_ROLES = ("site",)
LIST_ROLES = ("site", "reviewer", "admin")
#: Who registers and revokes the keys sites must sign with, and who may read them.
KEY_ADMIN_ROLES = ("admin",)
KEY_READ_ROLES = ("reviewer", "admin")


class NewSiteKey(BaseModel):
    """A site's public key to register: base64 of the raw 32 bytes (as `audit keygen` prints it) or PEM."""

    site: str = Field(min_length=1, max_length=200)
    public_key: str = Field(min_length=1, max_length=2000)


api = APIRouter(prefix="/api/v1/sites", tags=["sites"])
pages = APIRouter(prefix="/review/sites", include_in_schema=False)

_BODY = {
    "required": True,
    "description": "the .ecsite file `ethicompass site summarize` wrote, as its bytes",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


@api.post("/uploads", status_code=201, openapi_extra={"requestBody": _BODY})
async def upload(request: Request, user: User = Depends(require_role(*UPLOAD_ROLES))) -> dict[str, Any]:
    """Verify and store the caller's site file (audited as ``site.upload``)."""
    from ethicompass.sites import upload_site_file

    raw = await request.body()
    if not raw:
        raise InputError("the upload is empty", hint="send the .ecsite file as the request body")
    return await run_in_threadpool(
        upload_site_file, request.app.state.store, raw, site=user.name, actor=user.actor, role=user.role
    )


@api.get("/uploads")
def uploads(request: Request, user: User = Depends(require_role(*LIST_ROLES))) -> list[dict[str, Any]]:
    """Uploads, newest first (never their content): a site sees its own, reviewers and admins every one."""
    from ethicompass.sites import list_uploads

    return list_uploads(request.app.state.store, site=user.name if user.role == "site" else None)


@api.post("/keys", status_code=201)
def add_key(
    body: NewSiteKey, request: Request, admin: User = Depends(require_role(*KEY_ADMIN_ROLES))
) -> dict[str, Any]:
    """Register (pin) a site's public key before it uploads (admin; audited ``site.key-add``)."""
    from ethicompass.sites import add_site_key

    return add_site_key(
        request.app.state.store,
        body.site,
        body.public_key,
        actor=admin.actor,
        role=admin.role,
        from_file=False,
    )


@api.get("/keys")
def keys(
    request: Request, site: str | None = None, _: User = Depends(require_role(*KEY_READ_ROLES))
) -> list[dict[str, Any]]:
    """Every registered site key (site, fingerprint, how and when registered, whether revoked)."""
    from ethicompass.sites import list_site_keys

    return list_site_keys(request.app.state.store, site=site)


@api.post("/keys/{site}/{key_id}/revoke")
def revoke_key(
    request: Request,
    site: str = Path(max_length=200),
    key_id: str = Path(min_length=8, max_length=64, pattern=r"^[0-9a-f]+$"),
    admin: User = Depends(require_role(*KEY_ADMIN_ROLES)),
) -> dict[str, Any]:
    """Revoke a site's key (admin; audited ``site.key-revoke``): its files are refused from now on."""
    from ethicompass.sites import revoke_site_key

    return revoke_site_key(request.app.state.store, site, key_id, actor=admin.actor, role=admin.role)


def _reviewer(request: Request) -> User | None:
    from ethicompass.server.routers.review import _reviewer as reviewer

    return reviewer(request)


@pages.get("")
def studies(request: Request, error: str | None = None) -> Response:
    """The studies with live site uploads, each with its sites and a form to run the federated review."""
    from ethicompass.server._signin import to_sign_in
    from ethicompass.sites import list_uploads

    user = _reviewer(request)
    if user is None:
        return to_sign_in(request, "/review/login")
    by_study: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(
        list_uploads(request.app.state.store, live=True), key=lambda r: (r["study"], r["site"])
    ):
        by_study.setdefault(row["study"], []).append(row)
    from ethicompass.sites import list_site_keys

    registered = {(k["site"], k["key_id"]) for k in list_site_keys(request.app.state.store, active=True)}
    return render(
        request,
        "sites/uploads.html",
        {"title": "Multi-site uploads", "studies": by_study, "registered": registered, "user": user},
    )


@pages.post("/review", dependencies=[Depends(verify_csrf)])
def run_review(
    request: Request, study: str = Form(..., max_length=300), policy: str = Form("", max_length=200_000)
) -> Response:
    """Run the federated review of ``study`` over its live uploads under the pasted policy; open it."""
    from ethicompass.server._signin import to_sign_in
    from ethicompass.sites import review_uploads

    user = _reviewer(request)
    if user is None:
        return to_sign_in(request, "/review/login")
    review_id = review_uploads(request.app.state.store, study, policy_text=policy, actor=user.actor)
    return RedirectResponse(f"/review/{review_id}", status_code=303)


#: What the app factory includes: the JSON API and the reviewer's pages.
router = APIRouter()
router.include_router(api)
router.include_router(pages)
