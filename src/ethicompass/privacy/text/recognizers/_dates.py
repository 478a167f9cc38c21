"""Date patterns and their calendar check, used by the recognizer registry: every element of a date but the year."""

from __future__ import annotations

import calendar
import re

# ---------------------------------------------------------------- dates
_MONTHS = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_MONTHS_UP = r"JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?"
#: Lower-case notes write months in lower case too ("seen jul 22", "in nov. 2016").
_MONTHS_LOW = _MONTHS.lower()
MONTH = rf"(?P<mn>{_MONTHS}|{_MONTHS_UP}|{_MONTHS_LOW})\.?"
_MONTH_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_WEEKDAY_FULL = (
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    "|MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?|(?:" + _WEEKDAY_FULL + r")),?\s+"
#: An ordinal's ending in any case ("5th", "5TH").
_ORDINAL = r"(?:st|nd|rd|th|ST|ND|RD|TH)"
DAY = rf"(?P<d>[12]\d|3[01]|0[1-9]|[1-9]){_ORDINAL}?"
YEAR = r"(?P<y>(?:19|20)\d{2}|'\d{2})"
TIME = (
    r"(?:,?\s+(?:at\s+)?(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"|(?:[01]\d|2[0-3])[0-5]\d\s?(?:h|hrs|hours)\b))?"
)
_NOT_DOSE = (
    r"(?!\s?(?:mg|mcg|ml|mL|g|kg|units?|tabs?|tablets?|caps?|capsules?|pills?|doses?|puffs?|drops?|%|x\b"
    r"|of\b|strength))"
)

#: Words right after a month/day that make it a ratio, fraction or setting ("1/2 hour", "d5 1/2 ns", "3/4 strength",
#: "4/4 bottles", "10/5 bipap"); any case (``DATE_SHORT`` reads the text as written).
_NOT_DATE_AFTER = r"(?!\s*(?:" + "|".join(
    "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in word)
    for word in (
        "hrs", "hr", "hours", "hour", "h", "nss", "ns", "strength", "str", "normal", "amps", "amp", "bottles",
        "bottle", "sets", "psv", "ps", "peep", "bipap", "cpap", "simv", "imv", "fio2", "pain",
    )
) + r")\b)"  # fmt: skip
#: A percentage or a unit glued on: the last number is no two-digit year ("10/5/50%", "10/5/12bpm").
_NOT_YEAR_AFTER = r"(?!\s?%|[A-Za-z])"

DATE_MONTH_DAY = (
    rf"{MONTH}\s+{DAY}(?![\d:]){_NOT_DOSE}(?:,?\s+{YEAR})?(?!\d){TIME}",
    rf"(?:{_WEEKDAY_FULL}|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?,?\s+{MONTH}\s+{DAY}(?![\d:])"
    rf"(?:,?\s+{YEAR})?(?!\d){TIME}",
)
DATE_DAY_MONTH = (
    rf"{DAY}(?:\s+of)?\s+{MONTH}(?:,?\s+{YEAR})?(?!\d){TIME}",
    rf"(?P<d>[12]\d|3[01]|0[1-9]|[1-9])-{MONTH}-(?P<y>(?:19|20)?\d{{2}})(?!\d){TIME}",
    rf"(?P<d>[12]\d|3[01]|0[1-9])(?P<mn>{_MONTHS_UP}|{_MONTHS})(?P<y>(?:19|20)\d{{2}})(?!\d){TIME}",
)
DATE_MONTH_YEAR = (rf"{MONTH},?\s+(?:of\s+)?(?P<y>(?:19|20)\d{{2}})(?!\d)",)
DATE_NUMERIC = (
    r"(?P<m>1[0-2]|0[1-9]|[1-9])(?P<sep>[/-])(?P<d>[12]\d|3[01]|0[1-9]|[1-9])(?P=sep)"
    r"(?P<y>(?:19|20)\d{2}|\d{2})(?![\d/-])" + _NOT_YEAR_AFTER + TIME,
    r"(?P<d>1[3-9]|2\d|3[01])(?<![\d/.-]..)(?P<sep>[/.-])(?P<m>1[0-2]|0[1-9]|[1-9])(?P=sep)(?P<y>(?:19|20)\d{2})"
    r"(?![\d/-])(?!\.\d)" + TIME,
    r"(?P<m>1[0-2]|0[1-9]|[1-9])\.(?P<d>[12]\d|3[01]|0[1-9]|[1-9])\.(?P<y>(?:19|20)\d{2})(?!\d)(?!\.\d)"
    + TIME,
    r"(?P<y>(?:19|20)\d{2})(?P<sep>[/-])(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?Z?)?(?![\d/-])" + TIME,
)
DATE_SHORT = (
    r"(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>\d{1,2})(?![\d/-])(?!\.\d)" + _NOT_DATE_AFTER + _NOT_DOSE + TIME,
)
#: A month/day with no year and no cue ("7/22 found by husband"), as ICU notes write every date: recall first,
#: minus fractions, doses, scales and ratios (``DATE_BARE_EXCLUDE`` before it, ``_NOT_DOSE`` after it).
DATE_BARE = (
    r"(?<![/.\-])(?<!\d:)(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>[12]\d|3[01]|0[1-9]|[1-9])(?![\d/]|-\d)(?!\.\d)"
    + _NOT_DATE_AFTER
    + _NOT_DOSE
    + TIME,
)
#: A month/day right after a count ("blood cx x 3 11/4", "ua sent x2 6/30"): the "x" that vetoes a bare month/day
#: (a ratio or a fraction after "times") is taken by its count here, and what follows the count is a date.
DATE_AFTER_COUNT = (r"(?<![a-z0-9])x[ \t]?[1-9]\d?[ \t]+(?P<phi>" + DATE_BARE[0] + ")",)
#: A month and a two-digit year ("mi 8/87", "fx 5/97"): no day or ratio reads so (days stop at 31).
DATE_BARE_MONTH_YEAR = (
    r"(?<![/.\-\d])(?<!\d:)(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<y2>[4-9]\d)(?![\d/]|-\d)(?!\.\d)(?!\s*(?:hr|h)\b)"
    + _NOT_DOSE,
)
#: The same glued to the abbreviation before it ("s/p fx4/97", "mi8/87"): the match starts at the abbreviation's
#: letters (no recognizer starts inside a word), the span is the date; never after a ventilator setting ("peep5/50").
DATE_GLUED_MONTH_YEAR = (
    r"(?!(?:peep|cpap|bipap|psv|ps|ac|imv|simv|cmv|fio|po|iv|x|q|sbp|dbp|bp)\d)[a-z]{1,4}"
    r"(?P<phi>(?P<m>1[0-2]|0?[1-9])/(?P<y2>[4-9]\d))(?![\d/]|-\d)(?!\.\d)(?!\s*(?:hr|h)\b)" + _NOT_DOSE,
)
DATE_BARE_EXCLUDE = (
    "pain",
    "strength",
    "murmur",
    "sem",
    "grade",
    "motor",
    "power",
    "scale",
    "score",
    "gcs",
    "rass",
    "ratio",
    "i:e",
    "ie",
    "x",
    "bp",
    "b/p",
    "sbp",
    "ps",
    "psv",
    "peep",
    "cpap",
    "bipap",
    "imv",
    "rales",
    "crackles",
    "rhonchi",
    "ronchi",
    "wheezes",
    "flowby",
    "bases",
    "lungs",
    # ventilator settings: pressure support over PEEP ("wean to 10/5", "settings 12/5/40%")
    "settings",
    "setting",
    "wean",
    "weaned",
    "weaning",
    "vent",
    "ventilator",
    "bi-pap",
    "simv",
    "cmv",
    "a/c",
    "ac",
    "ps/peep",
)
#: A day of the month alone, as an ordinal after a preposition ("cultures drawn on the 11th").
DATE_ORDINAL = (
    r"(?:on|since|until|by|from|before|after)[ \t]+the[ \t]+(?P<phi>(?:3[01]|[12]\d|[1-9])(?:st|nd|rd|th))\b",
)
DATE_RELATIVE = (rf"(?:last|this|next|past)\s+(?:{_MONTH_FULL.lower()}|{_WEEKDAY_FULL.lower()})\b",)
DATE_CONTEXT = (
    "on",
    "since",
    "dated",
    "date",
    "until",
    "from",
    "seen",
    "admitted",
    "discharged",
    "dob",
    "visit",
    "note",
    "by",
    "before",
    "after",
)
MONTH_TRIGGERS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_MONTH_NUMBER = {name[:3].lower(): i for i, name in enumerate(calendar.month_name) if name}


def valid_date(text: str, m: re.Match[str]) -> bool:
    """Calendar validity: the day exists in the month (29 February only in a leap year when given)."""
    groups = m.groupdict()
    month = groups.get("m")
    month_no = int(month) if month else _MONTH_NUMBER.get((groups.get("mn") or "")[:3].lower(), 0)
    day = groups.get("d")
    if not month_no or not day:
        return True
    day_no = int(day)
    year = groups.get("y") or ""
    year_no = int(year) if year.isdigit() and len(year) == 4 else 2000
    return 1 <= month_no <= 12 and 1 <= day_no <= calendar.monthrange(year_no, month_no)[1]
