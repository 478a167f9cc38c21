"""Consent integrity: a withdrawal is never undone by accident, ids are exact, records are tamper-evident.

- The scenario that once undid a withdrawal (import, withdraw, import the same old file again).
- Event rules: effective time decides, duplicates are no-ops, late old events are history.
- Exact participants: look-alike and unknown ids refused on every path (Python, CLI, CSV, FHIR).
- Tamper evidence: consent records, training certificates and review sign-offs edited, deleted or
  inserted behind the log's back make ``audit verify`` fail, naming the record (both databases).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from ethicompass.consent import (
    Action,
    ConsentRecord,
    FhirVersion,
    Registry,
    read_consents_csv,
    read_fhir_file,
    write_fhir_file,
)
from ethicompass.errors import InputError, UnknownParticipantError
from ethicompass.transparency import AuditLog

T0 = datetime(2021, 3, 27, tzinfo=UTC)
CONSENTS = (
    "participant_id,purpose,action,decision,recorded_at,version,document_version\n"
    "P0000001,ai-model-training,grant,permit,2021-03-27T09:00:00Z,1,v1\n"
    "P0000002,ai-model-training,grant,permit,2021-03-28T09:00:00Z,1,v1\n"
    "P0000003,ai-model-training,grant,permit,2021-03-29T09:00:00Z,1,v1\n"
)
PATIENTS = "participant_id,age\nP0000001,40\nP0000002,51\nP0000003,62\n"
LOOK_ALIKES = [
    "P0000003\u200b",  # zero-width space
    "P0000003\x00",  # NUL
    "\u202eP0000003",  # right-to-left override
    "P0000003\u2066",  # bidi isolate
    " P0000003",  # leading space
    "P0000003 ",  # trailing space
    "P000\u00a00003",  # no-break space inside
    "P0000003\t",  # tab
]


# ----------------------------------------------------------------------------- the scenario
def test_reimporting_an_old_file_never_undoes_a_withdrawal(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "consents.csv").write_text(CONSENTS)
    (tmp_path / "patients.csv").write_text(PATIENTS)
    pl.DataFrame({"participant_id": ["P0000001", "P0000002"], "score": [0.3, 0.4]}).write_csv(
        tmp_path / "predictions.csv"
    )
    assert cli("consent", "participants", "import", tmp_path / "patients.csv").code == 0
    assert cli("consent", "import", tmp_path / "consents.csv").code == 0
    r = cli("consent", "withdraw", "-p", "P0000001", "--purpose", "ai-model-training", "-f", "json")
    assert (r.code, r.json()["decision"], r.json()["version"]) == (0, "deny", 2)
    r = cli("consent", "import", tmp_path / "consents.csv", "-f", "json")
    assert r.code == 0
    assert {k: r.json()["imported"][0][k] for k in ("records", "duplicates")} == {
        "records": 0,
        "duplicates": 3,
    }
    r = cli("consent", "status", "-p", "P0000001", "--purpose", "ai-model-training", "-f", "json")
    assert (r.json()["decision"], r.json()["version"]) == ("deny", 2)
    out = tmp_path / "cohort.csv"
    args = ["--purpose", "ai-model-training", "-c", "participant_id", "--out", out]
    assert cli("consent", "enforce", tmp_path / "predictions.csv", *args).code == 0
    assert pl.read_csv(out)["participant_id"].to_list() == ["P0000002"]
    assert cli("audit", "verify").code == 0


def test_an_older_file_arriving_late_is_history(store: Any) -> None:
    reg = Registry(store)
    reg.withdraw("P1", "ai-model-training", recorded_at=T0 + timedelta(days=30))
    summary = reg.import_records(
        [ConsentRecord("P1", "ai-model-training", Action.grant, T0, source="csv")], source="csv"
    )
    assert (summary.records, summary.superseded) == (1, 1)
    now = reg.status("P1", "ai-model-training")
    assert (now.reason, now.version) == ("withdrawn", 1)
    assert reg.status("P1", "ai-model-training", at=T0 + timedelta(days=1)).reason == "granted"
    # a backdated grant through the API path is history too; only a later grant undoes the withdrawal
    reg.grant("P1", "ai-model-training", recorded_at=T0 + timedelta(days=2))
    assert reg.status("P1", "ai-model-training").reason == "withdrawn"
    reg.grant("P1", "ai-model-training", recorded_at=T0 + timedelta(days=31))
    assert reg.status("P1", "ai-model-training").reason == "granted"


def test_what_we_knew_differs_from_what_was_decided(store: Any) -> None:
    reg = Registry(store)
    reg.grant("P2", "recontact", recorded_at=T0)
    entered = reg.withdraw("P2", "recontact", recorded_at=T0 + timedelta(days=1)).entered_at
    assert entered is not None
    before_entry = entered - timedelta(microseconds=1)
    decided = reg.status("P2", "recontact", at=T0 + timedelta(days=2))
    known = reg.status("P2", "recontact", at=T0 + timedelta(days=2), known_at=before_entry)
    assert (decided.reason, known.reason) == ("withdrawn", "granted")
    table = reg.status_table("recontact", at=T0 + timedelta(days=2), known_at=before_entry)
    assert table.filter(pl.col("participant") == "P2")["reason"].to_list() == ["granted"]


def test_a_tie_in_effective_time_is_a_deny(store: Any) -> None:
    reg = Registry(store)
    reg.withdraw("P3", "recontact", recorded_at=T0)
    reg.grant("P3", "recontact", recorded_at=T0, source="csv")
    assert reg.status("P3", "recontact").decision.value == "deny"
    assert reg.status_table("recontact")["decision"].to_list() == ["deny"]


def test_future_effective_times_are_refused(store: Any) -> None:
    reg = Registry(store)
    with pytest.raises(InputError, match="in the future"):
        reg.grant("P1", "recontact", recorded_at=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(InputError, match="in the future"):
        reg.import_records(
            [ConsentRecord("P1", "recontact", Action.grant, datetime.now(UTC) + timedelta(days=3))]
        )


def test_fhir_round_trip_is_idempotent_and_undated_consent_is_refused(store: Any, tmp_path: Path) -> None:
    reg = Registry(store)
    reg.grant("P1", "secondary-research", recorded_at=T0)
    reg.withdraw("P1", "secondary-research", recorded_at=T0 + timedelta(days=5))
    path = tmp_path / "out.json"
    write_fhir_file(reg.records(), path, fhir_version=FhirVersion.r4)
    first = reg.import_records(read_fhir_file(path), source="fhir-r4")
    second = reg.import_records(read_fhir_file(path), source="fhir-r4")
    assert second.records == 0 and second.duplicates == first.records
    assert reg.status("P1", "secondary-research").reason == "withdrawn"
    bundle = json.loads(path.read_text())
    del bundle["entry"][0]["resource"]["dateTime"]
    bundle["entry"][0]["resource"].pop("extension", None)
    path.write_text(json.dumps(bundle))
    with pytest.raises(InputError, match="dateTime is missing"):
        read_fhir_file(path)


# ----------------------------------------------------------------------------- exact participants
@pytest.mark.parametrize("look_alike", LOOK_ALIKES, ids=ascii)
def test_look_alike_ids_are_refused_by_the_registry(store: Any, look_alike: str) -> None:
    reg = Registry(store)
    reg.register_participants(["P0000003"])
    reg.grant("P0000003", "ai-model-training", recorded_at=T0)
    with pytest.raises(InputError, match="U\\+"):
        reg.withdraw(look_alike, "ai-model-training")
    with pytest.raises(InputError):
        reg.register_participants([look_alike])
    assert reg.status("P0000003", "ai-model-training").decision.value == "permit"


def test_unknown_and_case_variants_name_the_closest_known_id(store: Any) -> None:
    reg = Registry(store)
    reg.register_participants(["P0000003"])
    with pytest.raises(UnknownParticipantError, match="did you mean 'P0000003'"):
        reg.withdraw("p0000003", "ai-model-training")
    with pytest.raises(UnknownParticipantError) as info:
        reg.withdraw("Z9999999", "ai-model-training")
    assert "did you mean" not in str(info.value)
    with pytest.raises(UnknownParticipantError):
        reg.status("Z9999999", "ai-model-training")
    with pytest.raises(UnknownParticipantError):
        reg.history("Z9999999")


def test_an_import_with_unknown_ids_stores_nothing_unless_told(store: Any) -> None:
    reg = Registry(store)
    events = [
        ConsentRecord("P1", "recontact", Action.grant, T0),
        ConsentRecord("NEW-1", "recontact", Action.grant, T0),
    ]
    with pytest.raises(UnknownParticipantError, match="nothing was stored"):
        reg.import_records(events)
    assert reg.records() == []
    skipped = reg.import_records(events, unknown="skip")
    assert (skipped.records, skipped.unknown) == (1, 1)
    registered = reg.import_records(events, unknown="register")
    assert (registered.records, registered.duplicates, registered.registered) == (1, 1, 1)
    assert reg.is_known("NEW-1")


@pytest.mark.parametrize("look_alike", ["P0000003\u200b", "p0000003", "P9999999"], ids=ascii)
def test_cli_refuses_look_alikes_and_the_real_participant_stays(
    cli: Callable[..., Any], tmp_path: Path, look_alike: str
) -> None:
    (tmp_path / "consents.csv").write_text(CONSENTS)
    (tmp_path / "patients.csv").write_text(PATIENTS)
    cli("consent", "participants", "import", tmp_path / "patients.csv")
    cli("consent", "import", tmp_path / "consents.csv")
    r = cli("consent", "withdraw", "--participant", look_alike, "--purpose", "ai-model-training")
    assert r.code == 2
    assert "withdrawn" not in r.out
    if look_alike == "p0000003":
        assert "P0000003" in r.err
    r = cli("consent", "status", "-p", "P0000003", "--purpose", "ai-model-training", "-f", "json")
    assert r.json()["decision"] == "permit"


def test_csv_import_names_the_line_of_a_look_alike(tmp_path: Path) -> None:
    path = tmp_path / "consents.csv"
    path.write_text(CONSENTS + "P0000003\u200b,recontact,grant,permit,2021-04-01,1,v1\n")
    with pytest.raises(InputError, match="line 5"):
        read_consents_csv(path)


def test_cli_import_with_unknown_ids_exits_2_and_stores_nothing(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "consents.csv").write_text(CONSENTS)
    r = cli("consent", "import", tmp_path / "consents.csv")
    assert r.code == 2 and "nothing was stored" in r.err
    assert cli("consent", "participants", "count", "-f", "json").json() == {"participants": 0}
    r = cli("consent", "import", tmp_path / "consents.csv", "--register-unknown", "-f", "json")
    assert r.code == 0 and r.json()["imported"][0]["registered"] == 3


# ----------------------------------------------------------------------------- tamper evidence
def _verify_findings(store: Any) -> list[dict[str, Any]]:
    result = AuditLog(store).verify()
    return [] if result.ok else [r.to_dict() for r in result.records]


def _consent_rows(store: Any) -> None:
    reg = Registry(store)
    reg.import_records(
        [ConsentRecord(p, "ai-model-training", Action.grant, T0) for p in ("P1", "P2", "P3")], source="csv"
    )
    reg.withdraw("P1", "ai-model-training")


def _certificate_rows(store: Any) -> None:
    from ethicompass.training import load_courses, record_certificate

    course = load_courses()[0].id
    for user in ("ana", "ben"):
        record_certificate(store, user, course, completed=date(2026, 1, 5), verified_by="registrar")


def _signoff_rows(store: Any) -> None:
    from ethicompass._time import now_iso as utc_now
    from ethicompass.review._store import ReviewStore

    reviews = ReviewStore(store)
    report = {
        "study": "s",
        "generated_at": utc_now(),
        "verdict": "pass",
        "policy": {"name": "p", "version": "1"},
    }
    with store.begin() as conn:
        review_id = reviews.insert(
            conn,
            report=report,
            html="<p>r</p>",
            hashes={"report.json": "sha256:0", "report.html": "sha256:1"},
            actor="t",
            recorded_at=utc_now(),
        )
    reviews.sign_off(review_id, decision="sign_off", comment="fine", reviewer="rev", role="reviewer")
    reviews.sign_off(review_id, decision="request_changes", comment="more", reviewer="rev", role="reviewer")


TABLES = {
    "consent_records": (_consent_rows, "action = 'grant', decision = 'permit'", "decision"),
    "training_certificates": (_certificate_rows, "expires_on = '2099-12-31'", "expires_on"),
    "review_signoffs": (_signoff_rows, "decision = 'sign_off'", "decision"),
}


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_a_record_changed_behind_the_log_fails_verify(store: Any, table: str, tamper: str) -> None:
    make, edit, _ = TABLES[table]
    make(store)
    assert AuditLog(store).verify().ok
    with store.begin() as conn:
        last = conn.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar_one()
        if tamper == "edit":
            conn.execute(sa.text(f"UPDATE {table} SET {edit} WHERE id = :i"), {"i": last})
        elif tamper == "delete":
            conn.execute(sa.text(f"DELETE FROM {table} WHERE id = :i"), {"i": last})
        else:
            row = dict(
                conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :i"), {"i": last}).mappings().one()
            )
            row["id"] = last + 100
            if table == "consent_records":
                row["version"] = int(row["version"]) + 100
            cols = ", ".join(row)
            conn.execute(
                sa.text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in row)})"), row
            )
    findings = _verify_findings(store)
    expected = {"edit": "changed", "delete": "deleted", "insert": "inserted"}[tamper]
    assert [(f["table"], f["problem"]) for f in findings] == [(table, expected)]
    named = last + 100 if tamper == "insert" else last
    assert named in findings[0]["record_ids"]


def test_audit_verify_cli_exits_1_naming_the_record(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "consents.csv").write_text(CONSENTS)
    cli("consent", "import", tmp_path / "consents.csv", "--register-unknown")
    cli("consent", "withdraw", "-p", "P0000001", "--purpose", "ai-model-training")
    assert cli("audit", "verify").code == 0
    from ethicompass.store import Store

    store = Store.from_env().open()
    with store.begin() as conn:
        conn.execute(
            sa.text("UPDATE consent_records SET action = 'grant', decision = 'permit' WHERE version = 2")
        )
    store.dispose()
    r = cli("audit", "verify", "-f", "json")
    assert r.code == 1
    assert r.json()["records"][0]["problem"] == "changed"
    assert "consent_records record" in r.json()["problem"]


# ----------------------------------------------------------------------------- the web paths
def test_api_and_access_codes_refuse_look_alikes_and_unknown_ids(store: Any) -> None:
    from urllib.parse import quote

    from fastapi.testclient import TestClient

    from ethicompass.server import ServerSettings, add_user, create_app, issue_access_code, issue_token

    Registry(store).grant("P1", "recontact", recorded_at=T0)
    add_user(store, "dm", role="data_manager")
    token = issue_token(store, "dm")
    app = create_app(store, settings=ServerSettings(secret_key="k", secure_cookies=False))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        for bad in ("P1\u200b", "P1\x00", "\u202eP1", "p1", "P9999999"):
            url = f"/api/v1/participants/{quote(bad, safe='')}/consent/recontact"
            r = client.post(url, json={"action": "withdraw"}, headers=headers)
            assert r.status_code == 422, (bad, r.text)
            assert client.get(url, headers=headers).status_code == 422
        assert (
            client.get("/api/v1/participants/P1/consent/recontact", headers=headers).json()["decision"]
            == "permit"
        )
        for name in ("dm\u200b2", "dm\x00", "\u202edm"):
            r = client.post("/api/v1/users", json={"name": name, "role": "reviewer"}, headers=headers)
            assert r.status_code in (403, 422), (name, r.text)
    app.state.audit_writer.close()
    with pytest.raises(UnknownParticipantError):
        issue_access_code(store, "NOBODY-999")
    with pytest.raises(InputError):
        add_user(store, "rev\u200b", role="reviewer")
    with pytest.raises(UnknownParticipantError):
        add_user(store, "pat", role="participant", participant="NOBODY-999")
