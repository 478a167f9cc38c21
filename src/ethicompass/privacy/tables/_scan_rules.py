"""The column recognizers ``scan`` uses: each is data (name pattern, content pattern) plus one check.

Adding one is one row of :data:`RULES` (CONTRIBUTING.md, section 6: recognizers and rules). Checks are the
published checksums and validity rules: Luhn (ISO/IEC 7812), SSN area/group/serial validity (SSA), the VIN check digit
(49 CFR 565.15), the DEA registration number check digit, IPv4 octets, calendar validity.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ethicompass.study import PhiType, Role

__all__ = ["RULES", "Rule", "dea_ok", "luhn_ok", "name_tokens", "ssn_ok", "vin_ok"]


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def ssn_ok(value: str) -> bool:
    """SSA validity: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and group > 0 and serial > 0


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUES.update(dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9})
_VIN_VALUES.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_ok(value: str) -> bool:
    """The North American VIN check digit (position 9)."""
    v = value.upper()
    if len(v) != 17 or any(c not in _VIN_VALUES for c in v):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS, strict=True)) % 11
    return v[8] == ("X" if total == 10 else str(total))


def dea_ok(value: str) -> bool:
    """The DEA registration number check digit: (d1+d3+d5 + 2(d2+d4+d6)) mod 10 == d7."""
    if len(value) != 9 or not value[:2].isalpha() or not value[2:].isdigit():
        return False
    d = [int(c) for c in value[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def _ipv4_ok(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 and str(int(p)) == p for p in parts)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 1, 2)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
)


def _date_ok(value: str) -> bool:
    """A real calendar date between 1850 and 2150 in an ISO, US, European or compact form."""
    for pattern, (yi, mi, di) in _DATE_FORMS:
        m = pattern.match(value)
        if m is None:
            continue
        try:
            d = _dt.date(int(m.group(yi)), int(m.group(mi)), int(m.group(di)))
        except ValueError:
            return False
        return 1850 <= d.year <= 2150
    return False


@lru_cache(maxsize=1)
def name_tokens() -> frozenset[str]:
    """Lower-case given and family names (Faker's en_US lists, drawn from US Census data)."""
    from faker.providers.person.en_US import Provider

    names: set[str] = set()
    for attr in ("first_names", "first_names_female", "first_names_male", "last_names"):
        names.update(n.lower() for n in getattr(Provider, attr, ()))
    return frozenset(names)


@lru_cache(maxsize=1)
def city_affixes() -> tuple[frozenset[str], tuple[str, ...]]:
    """City prefixes and suffixes (Faker's en_US address formats)."""
    from faker.providers.address.en_US import Provider

    return frozenset(p.lower() for p in Provider.city_prefixes), tuple(
        s.lower() for s in Provider.city_suffixes
    )


def _is_name(value: str) -> bool:
    tokens = [t for t in re.split(r"[\s,]+", value.strip()) if t]
    if not 1 <= len(tokens) <= 4 or not all(t[:1].isupper() for t in tokens):
        return False
    known = name_tokens()
    if all(len(t.strip(".")) == 1 for t in tokens):
        return False
    return all(t.strip(".").lower() in known or len(t.strip(".")) == 1 for t in tokens)


def _is_city(value: str) -> bool:
    tokens = value.split()
    if not 1 <= len(tokens) <= 3 or not all(t[:1].isupper() and t.replace("'", "").isalpha() for t in tokens):
        return False
    prefixes, suffixes = city_affixes()
    return tokens[0].lower() in prefixes or tokens[-1].lower().endswith(suffixes)


_STREET = re.compile(
    r"^\d{1,6}[A-Z]?\s+(\w+\.?\s+){0,4}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|"
    r"place|pl|way|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|loop|route|rte|"
    r"[a-z]+)\.?(\s+(apt|suite|ste|unit|#)\.?\s*\w+)?$",
    re.IGNORECASE,
)


def _is_street(value: str) -> bool:
    return bool(_STREET.match(value)) and any(c.isalpha() for c in value) and " " in value.strip()


@dataclass(frozen=True)
class Rule:
    """One recognizer: a PHI type, the role it proposes, a column-name pattern and a content check.

    ``content`` takes one value (a string) and says whether it looks like this identifier;
    ``min_share`` of the sampled non-empty values must pass for a content match.
    """

    phi_type: PhiType
    role: Role
    name: str | None
    content: Callable[[str], bool] | None
    evidence: str
    min_share: float = 0.8
    vocabulary: bool = False  # a word list (names, cities): needs many distinct values, not a category


def _rx(pattern: str, check: Callable[[str], bool] | None = None) -> Callable[[str], bool]:
    compiled = re.compile(pattern, re.IGNORECASE)
    if check is None:
        return lambda v: bool(compiled.match(v))
    return lambda v: bool(compiled.match(v)) and check(v)


_PHONE = r"^(\+?1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(\s*(x|ext\.?)\s*\d{1,6})?$"
_IMAGE = r"^(https?://|/|[a-z]:\\|\.{0,2}/)?\S+\.(jpe?g|png|gif|bmp|tiff?|heic|webp|dcm)$"

#: Content rules are tried in this order; the first that passes ``min_share`` wins.
RULES: tuple[Rule, ...] = (
    Rule(
        PhiType.PHOTO,
        Role.DIRECT_IDENTIFIER,
        r"photo|picture|image|portrait|face|headshot",
        _rx(_IMAGE),
        "image file paths or URLs",
    ),
    Rule(
        PhiType.EMAIL,
        Role.DIRECT_IDENTIFIER,
        r"e_?mail",
        _rx(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$"),
        "e-mail addresses",
    ),
    Rule(
        PhiType.URL,
        Role.DIRECT_IDENTIFIER,
        r"url|website|homepage|web_?page|link",
        _rx(r"^(https?|ftp)://\S+$|^www\.\S+\.\S+$"),
        "URLs",
    ),
    Rule(
        PhiType.IP,
        Role.DIRECT_IDENTIFIER,
        r"^ip$|ip_?addr|ip_?address|ipv[46]",
        _rx(r"^\d{1,3}(\.\d{1,3}){3}$", _ipv4_ok),
        "IPv4 addresses (octets <= 255)",
    ),
    Rule(
        PhiType.DEVICE,
        Role.DIRECT_IDENTIFIER,
        r"device|serial|udi|imei|mac_?addr|pacemaker|implant",
        _rx(r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$"),
        "MAC addresses",
    ),
    Rule(
        PhiType.IP,
        Role.DIRECT_IDENTIFIER,
        None,
        _rx(r"^([0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}$"),
        "IPv6 addresses",
    ),
    Rule(
        PhiType.SSN,
        Role.DIRECT_IDENTIFIER,
        r"ssn|social_?security|^sin$|soc_?sec",
        _rx(r"^\d{3}-\d{2}-\d{4}$", ssn_ok),
        "SSN pattern with SSA validity",
    ),
    Rule(
        PhiType.PHONE,
        Role.DIRECT_IDENTIFIER,
        r"phone|mobile|cell|tel|contact_?number",
        _rx(_PHONE),
        "North American phone numbers",
    ),
    Rule(PhiType.FAX, Role.DIRECT_IDENTIFIER, r"fax", None, "column name"),
    Rule(
        PhiType.DATE,
        Role.DATE,
        r"date|_dt$|^dt_|dob|birth|born|admit|discharg|died|death|_at$|time|day$",
        _date_ok,
        "valid calendar dates",
    ),
    Rule(
        PhiType.ZIP,
        Role.QUASI_IDENTIFIER,
        r"zip|postal|postcode|post_code",
        _rx(r"^\d{5}(-\d{4})?$"),
        "5-digit ZIP codes",
    ),
    Rule(
        PhiType.VEHICLE,
        Role.DIRECT_IDENTIFIER,
        r"vin$|vehicle|licen[cs]e_?plate|plate_?n",
        _rx(r"^[A-HJ-NPR-Z0-9]{17}$", vin_ok),
        "VINs with a valid check digit",
    ),
    Rule(
        PhiType.LICENSE,
        Role.DIRECT_IDENTIFIER,
        r"licen[cs]e|certificate|dea_?(no|num)|^dea$|permit",
        _rx(r"^[A-Z]{2}\d{7}$", dea_ok),
        "DEA numbers with a valid check digit",
    ),
    Rule(
        PhiType.ACCOUNT,
        Role.DIRECT_IDENTIFIER,
        r"account|acct|card_?n|credit_?card|iban|bank",
        lambda v: 13 <= len(_digits(v)) <= 19 and bool(re.match(r"^[\d\s-]+$", v)) and luhn_ok(_digits(v)),
        "card/account numbers passing the Luhn check",
    ),
    Rule(
        PhiType.LOCATION,
        Role.DIRECT_IDENTIFIER,
        r"street|address|addr|^line_?[12]$",
        _is_street,
        "street addresses",
        0.7,
        True,
    ),
    Rule(
        PhiType.NAME,
        Role.DIRECT_IDENTIFIER,
        r"name|surname|forename|given|family|nok|next_?of_?kin|physician|doctor|provider",
        _is_name,
        "given and family names (Census name lists)",
        0.6,
        True,
    ),
    Rule(
        PhiType.LOCATION,
        Role.DIRECT_IDENTIFIER,
        r"city|town|county|municipal|village|borough|district",
        _is_city,
        "city names",
        0.5,
        True,
    ),
    Rule(
        PhiType.HEALTH_PLAN,
        Role.DIRECT_IDENTIFIER,
        r"health_?plan|insur|member_?id|beneficiary|medicare|medicaid|payer|policy_?(no|num|id)|subscriber",
        None,
        "column name",
    ),
    Rule(
        PhiType.MRN,
        Role.DIRECT_IDENTIFIER,
        r"mrn|medical_?record|record_?n|chart_?n|hospital_?n|nhs_?n",
        None,
        "column name",
    ),
    Rule(
        PhiType.BIOMETRIC,
        Role.DIRECT_IDENTIFIER,
        r"fingerprint|retina|iris_?scan|voice_?print|biometric",
        None,
        "column name",
    ),
    Rule(PhiType.AGE, Role.QUASI_IDENTIFIER, r"^age$|^age_|_age$|age_?years|age_?at", None, "column name"),
)

#: Column names of a participant id (role participant_id, pseudonymised and keyed for dates).
PARTICIPANT_NAME = r"participant|subject|patient_?id|^pid$|person_?id|study_?id|^patid"
#: Column names of any other identifying number.
ID_NAME = r"(^|_)(id|ident|identifier|number|no|num|code|uuid|guid|key)$|^id_|_id_"
SENSITIVE_NAME = r"^sex$|gender|race|ethnic|religio|sexual_?orient|disabilit"
FREE_TEXT_NAME = r"note|comment|text|narrative|remark|description|free_?text|summary|report"
