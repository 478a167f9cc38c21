"""Schemathesis over the server's OpenAPI: no operation answers 500, and every answer conforms to the
description (status code, content type, body; errors in the declared error model), whatever it is sent.

Every operation of ``/api/v1/openapi.json`` is called with generated path ids, query strings and
bodies (valid, out of range and malformed) as an administrator. ``make test`` runs a brief pass;
``make fuzz`` runs ``ETHICOMPASS_FUZZ_EXAMPLES`` examples per operation (2,000 by default there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("ETHICOMPASS_FUZZ_EXAMPLES", "8"))
_STATE: dict[str, Any] = {}
#: No 500, and every answer as the OpenAPI describes it: a documented status, content type and body
#: (errors in the Error model: ``error``, ``message``, ``hint``).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ethicompass.consent import Registry
    from ethicompass.server import ServerSettings, add_user, create_app, issue_token
    from ethicompass.store import Store
    from ethicompass.training import load_courses, record_certificate

    folder: Path = tmp_path_factory.mktemp("schemathesis")
    store = Store(f"sqlite:///{folder / 'state.db'}").open()
    Registry(store).register_participants(["P1", "P2"], source="tests")
    Registry(store).grant("P1", "recontact", recorded_at="2024-01-01")
    add_user(store, "root", role="admin")
    for course in load_courses():
        record_certificate(store, "root", course.id, completed=date.today(), verified_by="test")
    _STATE["token"] = issue_token(store, "root")
    app = create_app(store, settings=ServerSettings(secret_key="fuzz", secure_cookies=False))
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    app.state.audit_writer.close()
    store.dispose()


def test_no_operation_answers_500_or_outside_its_description(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {_STATE['token']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20  # every route is in the OpenAPI

    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)
