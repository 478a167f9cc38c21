"""Text a person typed that names something (an id, a user, a reason): one check that it is visible.

Shared by consent (participant ids), accounts (user and full names) and training (revocation reasons):
a name that holds a hidden character can pass for another name.
"""

from __future__ import annotations

import unicodedata

from ethicompass.errors import InputError

__all__ = ["visible_text"]

#: Unicode categories a name or id may never hold: controls (NUL, tabs, line ends), formats (zero-width
#: spaces and joiners, bidi embeddings and isolates, the BOM), line and paragraph separators,
#: surrogates, private-use and unassigned code points. Each makes a look-alike of a real name.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def visible_text(value: object, /, *, where: str, limit: int, inner_spaces: bool = False) -> str:
    """``value`` in Unicode NFC, refused (``InputError`` naming ``where``, the code point and its
    position) when empty, longer than ``limit``, or holding a hidden character; spaces of any width
    are refused too, except between words when ``inner_spaces``."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{where} is empty", hint=f"pass a {where} of at most {limit} characters")
    text = unicodedata.normalize("NFC", value)
    if len(text) > limit:
        raise InputError(f"{where} is longer than {limit} characters", hint=f"pass a shorter {where}")
    last = len(text)
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        inner = inner_spaces and 1 < position < last
        if category in _HIDDEN_CATEGORIES or (category == "Zs" and not inner):
            name = unicodedata.name(char, "unnamed character")
            raise InputError(
                f"{where} {text!a} holds U+{ord(char):04X} ({name}) at character {position}",
                hint="it may not hold control, zero-width or bidi characters"
                + ("" if inner_spaces else ", nor spaces")
                + ": retype it without them",
            )
    return text
