"""scan on tables it was not written for: the schema corpus of real data-model headers (tests/data/schemas).

Targets (issue 18): every identifier column is proposed as an identifier, a date, a quasi-identifier or
``review``, never ``other``; at most 5 % of the other columns go to ``review``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from ethicompass.privacy import scan
from ethicompass.privacy.tables._scan_headers import header_tokens, header_vocabulary, match_header
from ethicompass.privacy.tables._scan_shapes import facility_share, name_shaped, place_share
from ethicompass.study import PhiType, Role

CORPUS = Path(__file__).resolve().parents[1] / "data" / "schemas"
TABLES = sorted(p.name.removesuffix(".truth.csv") for p in CORPUS.glob("*.truth.csv"))
CAUGHT = {Role.PARTICIPANT_ID, Role.DIRECT_IDENTIFIER, Role.DATE, Role.QUASI_IDENTIFIER, Role.REVIEW}


def _truth(table: str) -> dict[str, str]:
    with (CORPUS / f"{table}.truth.csv").open(encoding="utf-8") as fh:
        return {row["column"]: row["phi_type"] for row in csv.DictReader(fh)}


def _scan(table: str):  # type: ignore[no-untyped-def]
    return scan(pl.read_csv(CORPUS / f"{table}.csv", infer_schema=False))


def test_the_corpus_is_real_and_small() -> None:
    assert len(TABLES) >= 25
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    size = 0
    for table in TABLES:
        assert f"`{table}`" in readme, f"{table} has no source in README.md"
        header = pl.read_csv(CORPUS / f"{table}.csv", n_rows=0).columns
        assert header == list(_truth(table)), f"{table}: the truth file does not list the header"
        assert pl.read_csv(CORPUS / f"{table}.csv", infer_schema=False).height >= 100
        size += (CORPUS / f"{table}.csv").stat().st_size
    assert size < 1_000_000


@pytest.mark.parametrize("table", TABLES)
def test_no_identifier_column_is_proposed_as_other(table: str) -> None:
    report = _scan(table)
    missed = [
        f"{column} ({phi}): {report[column].role.value}; {'; '.join(report[column].evidence)}"
        for column, phi in _truth(table).items()
        if phi and report[column].role not in CAUGHT and report[column].phi_type is None
    ]
    assert not missed, f"{table}: identifier columns proposed as other: {missed}"


def test_at_most_five_percent_of_other_columns_go_to_review() -> None:
    others = reviewed = 0
    sent: list[str] = []
    for table in TABLES:
        report = _scan(table)
        for column, phi in _truth(table).items():
            if phi:
                continue
            others += 1
            if report[column].role == Role.REVIEW:
                reviewed += 1
                sent.append(f"{table}.{column}")
    assert reviewed <= 0.05 * others, f"{reviewed}/{others} non-identifiers sent to review: {sent}"


@pytest.mark.parametrize(
    ("header", "phi"),
    [
        # short forms and abbreviations, any case and separator
        ("FIRST", "NAME"), ("fname", "NAME"), ("lname", "NAME"), ("GivenName", "NAME"),
        ("family", "NAME"), ("SURNAME", "NAME"), ("forename", "NAME"), ("middle", "NAME"),
        ("MAIDEN", "NAME"), ("Mother's Maiden Name", "NAME"), ("alias", "NAME"), ("nick-name", "NAME"),
        ("DOB", "DATE"), ("pob", "LOCATION"), ("Birthplace", "LOCATION"), ("place of birth", "LOCATION"),
        ("cityOfBirth", "LOCATION"), ("country_of_birth", "LOCATION"), ("e-mail", "EMAIL"),
        ("zip_code", "ZIP"), ("Post Code", "ZIP"), ("Tel", "PHONE"), ("fax_no", "FAX"),
        # prefixes and suffixes exports add
        ("pat_first_nm", "NAME"), ("patient_last_name", "NAME"), ("PT_SURNAME_TXT", "NAME"),
        ("PAT_NAME", "NAME"), ("patientFirstName", "NAME"), ("person_maiden_name", "NAME"),
        # data models
        ("name.given", "NAME"), ("name.family", "NAME"), ("address.line", "LOCATION"),
        ("telecom.value", "PHONE"), ("address.postalCode", "ZIP"), ("PAT_MAIDENNAME", "NAME"),
        ("ADDRESS_CITY", "LOCATION"), ("addrAtDxCity", "LOCATION"), ("nameSpouseParent", "NAME"),
        ("birth_datetime", "DATE"), ("month_of_birth", "DATE"), ("anchor_age", "AGE"),
        ("STATECITYZIP_PATH", "LOCATION"), ("LAT", "LOCATION"), ("INVNAM", "NAME"),
        ("NAME_CHAR", "NAME"), ("city_village", "LOCATION"), ("PERSON FAMILY NAME", "NAME"),
        # six languages
        ("nombre", "NAME"), ("apellidos", "NAME"), ("segundo_apellido", "NAME"), ("fecha_nacimiento", "DATE"),
        ("nom", "NAME"), ("prénom", "NAME"), ("nom_de_naissance", "NAME"), ("lieu_de_naissance", "LOCATION"),
        ("Vorname", "NAME"), ("Nachname", "NAME"), ("Geburtsname", "NAME"), ("Straße", "LOCATION"),
        ("Patienten_PLZ", "ZIP"), ("naam", "NAME"), ("achternaam", "NAME"), ("woonplaats", "LOCATION"),
        ("cognome", "NAME"), ("luogo_di_nascita", "LOCATION"), ("sobrenome", "NAME"),
        ("nome_proprio", "NAME"), ("NM_MAE_PAC", "NAME"), ("naturalidade", "LOCATION"),
    ],
)  # fmt: skip
def test_header_vocabulary_reads_headers_as_exports_write_them(header: str, phi: str) -> None:
    term = match_header(header)
    assert term is not None, f"{header!r} ({header_tokens(header)}) is not in the vocabulary"
    assert term.phi_type == PhiType(phi)


@pytest.mark.parametrize(
    "header",
    ["address_type", "ADDRESS_USE", "address.state", "person_address_id", "telecom.system",
     "family_name_prefix", "drug_name", "test_name", "site_name", "lab_value", "height", "diagnosis"],
)  # fmt: skip
def test_header_vocabulary_negative_controls(header: str) -> None:
    assert match_header(header) is None


def test_every_vocabulary_term_has_a_source_and_a_language() -> None:
    terms = header_vocabulary()
    assert len(terms) > 200
    assert {t.lang for t in terms} >= {"en", "es", "fr", "de", "nl", "it", "pt"}
    assert all(t.source and t.lang for t in terms)
    assert len({t.term for t in terms}) == len(terms), "a term is listed twice"


@pytest.mark.parametrize(
    ("value", "shaped"),
    [
        ("Jacinto644", True), ("Kub503", True), ("O'Connor", True), ("García-López", True),
        ("van der Berg", True), ("J.", False), ("J. R. R.", False), ("SMITH, JOHN", True),
        ("Nguyễn Văn An", True), ("梁亮", True), ("जय", True), ("E11.9", False), ("home", False),
        ("12 Main Street", False), ("Type 2 diabetes mellitus", False), ("2021-03-04", False),
    ],
)  # fmt: skip
def test_name_shape(value: str, shaped: bool) -> None:
    assert name_shaped(value) is shaped


def test_places_and_facilities() -> None:
    assert place_share(["Boston", "Worcester  Massachusetts  US", "Springfield"]) == 1.0
    assert place_share(["Jacinto644", "Kub503"]) == 0.0
    assert place_share(["Middlesex County", "Orleans Parish"]) == 1.0
    assert facility_share(["Massachusetts General Hospital", "Klinikum Nord", "Ziekenhuis Amstelland"]) == 1.0
    assert facility_share(["Cardiology", "Oncology"]) == 0.0
