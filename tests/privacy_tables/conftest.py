"""Fixtures for table scanning and de-identification: a key, and a generated table of every PHI type."""

from __future__ import annotations

import random
from typing import Any

import pytest

from ethicompass.privacy import Key

#: column -> PHI type (None: not an identifier) of :func:`identifier_table`.
IDENTIFIER_COLUMNS: dict[str, str] = {
    "participant_id": "participant_id",
    "mrn": "MRN",
    "first_name": "NAME",
    "last_name": "NAME",
    "full_name": "NAME",
    "ssn": "SSN",
    "birth_date": "DATE",
    "visit_date": "DATE",
    "street": "LOCATION",
    "city": "LOCATION",
    "zip": "ZIP",
    "phone": "PHONE",
    "email": "EMAIL",
    "website": "URL",
    "ip_address": "IP",
    "card_number": "ACCOUNT",
    "vin": "VEHICLE",
    "dea_number": "LICENSE",
    "device_mac": "DEVICE",
    "photo": "PHOTO",
    "health_plan_id": "HEALTH_PLAN",
}
MEASUREMENT_COLUMNS = ("hba1c", "systolic_bp", "heart_rate", "ldl", "weight_kg", "creatinine", "steps", "bmi")
CATEGORY_COLUMNS = ("sex", "arm", "site")


@pytest.fixture(params=["native", "hashlib"])
def hash_route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the compiled hashing library, then with the hashlib fallback."""
    from ethicompass import _native

    if request.param == "hashlib":
        monkeypatch.setattr(_native, "_LIB", None)
    return str(request.param)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _vin(rng: random.Random) -> str:
    from ethicompass.privacy.tables._scan_rules import _VIN_VALUES, _VIN_WEIGHTS

    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    v = [rng.choice(chars) for _ in range(17)]
    v[8] = "0"
    total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS, strict=True)) % 11
    v[8] = "X" if total == 10 else str(total)
    return "".join(v)


def _dea(rng: random.Random) -> str:
    d = [rng.randrange(10) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFM") + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + "".join(map(str, d)) + str(check)


def identifier_table(n: int = 300, seed: int = 0) -> dict[str, list[Any]]:
    """A table with one column of every PHI type, measurements and categories (all text, as CSV holds it)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {
        c: [] for c in (*IDENTIFIER_COLUMNS, *MEASUREMENT_COLUMNS, *CATEGORY_COLUMNS)
    }
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        card = "4" + "".join(str(rng.randrange(10)) for _ in range(14))
        values = {
            "participant_id": f"P{i:07d}",
            "mrn": str(10_000_000 + rng.randrange(89_999_999)),
            "first_name": first,
            "last_name": last,
            "full_name": f"{first} {last}",
            "ssn": f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
            "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=100).isoformat(),
            "visit_date": fake.date_between("-5y", "today").isoformat(),
            "street": fake.street_address(),
            "city": fake.city(),
            "zip": fake.zipcode(),
            "phone": f"({rng.randint(201, 989)}) {rng.randint(201, 999)}-{rng.randint(0, 9999):04d}",
            "email": fake.email(),
            "website": fake.url(),
            "ip_address": fake.ipv4(),
            "card_number": card + _luhn_digit(card),
            "vin": _vin(rng),
            "dea_number": _dea(rng),
            "device_mac": fake.mac_address(),
            "photo": f"/images/patients/{fake.uuid4()}.jpg",
            "health_plan_id": f"HP{rng.randrange(10**9):09d}",
            "hba1c": f"{rng.gauss(6.5, 1.2):.1f}",
            "systolic_bp": str(rng.randint(95, 180)),
            "heart_rate": str(rng.randint(48, 120)),
            "ldl": f"{rng.gauss(3.1, 0.8):.2f}",
            "weight_kg": f"{rng.gauss(80, 15):.1f}",
            "creatinine": str(rng.randint(50, 140)),
            "steps": str(rng.randint(500, 15000)),
            "bmi": f"{rng.gauss(27, 4):.1f}",
            "sex": rng.choice("FM"),
            "arm": rng.choice(["control", "treatment"]),
            "site": rng.choice(["site-01", "site-02", "site-03"]),
        }
        for c, v in values.items():
            rows[c].append(v)
    return rows


@pytest.fixture(scope="session")
def id_table() -> dict[str, list[Any]]:
    """The generated table of every PHI type (300 rows)."""
    return identifier_table()


@pytest.fixture
def key() -> Key:
    """A fixed key, so failures reproduce."""
    return Key(bytes(range(32)))


@pytest.fixture(scope="session")
def table_spec() -> Any:
    """What the generated table holds: identifier columns (with PHI type), measurements, categories."""
    from types import SimpleNamespace

    return SimpleNamespace(
        identifiers=IDENTIFIER_COLUMNS,
        measurements=MEASUREMENT_COLUMNS,
        categories=CATEGORY_COLUMNS,
        make=identifier_table,
    )
