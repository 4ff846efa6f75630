"""Personal data out of free text, before it leaves the raw layer.

Free-text answers may contain a respondent's e-mail address, phone number,
CPR number or name. Each is replaced by a placeholder, and the ids of the
rules that fired are returned so the cleaning log can count them without
ever showing what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SCRUB_RULES: dict[str, str] = {
    "email": "An e-mail address (local part, at-sign, domain; also with the at-sign written "
    "'(at)' or '[at]') is replaced by '[e-mail removed]'.",
    "phone": "A Danish phone number, 8 digits written together or in groups separated by "
    "single spaces (also non-breaking) or hyphens ('12345678', '12 34 56 78', '1234 5678', "
    "'12 345 678', '12-34-56-78'), or in pairs separated by dots ('12.34.56.78'), "
    "optionally after +45 or 0045, is replaced by '[phone removed]'. Not two years "
    "('2012 2013', '2008-2010') and not a date ('12.03.2014', '2014-03-12').",
    "cpr": "A CPR-like number, DDMMYY-XXXX, DDMMYY XXXX or DDMMYYXXXX with a day 01-31 and "
    "month 01-12, is replaced by '[CPR removed]'.",
    "name": "The respondent's name from the distribution list, in full or any capitalised "
    "part of at least 3 letters (the name split at spaces, hyphens, commas and other "
    "punctuation: 'Prøvesen, Jonas'; every part of a name typed without capitals), as a "
    "whole word in any case, is replaced by '[name removed]'.",
}

_EMAIL = re.compile(
    r"[\w.%+-]+(?:@|\s?[(\[]\s?at\s?[)\]]\s?)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE
)
# Digits on either side would make the number part of a longer one (an ID, an
# amount), which is not what these patterns mean.
_CPR = re.compile(
    r"(?<![0-9])(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}[ \u00a0-]?[0-9]{4}"
    r"(?![0-9])"
)
# 8 digits, any two of them separated by at most one space, non-breaking space,
# hyphen or dot; what is not a phone number among these is told by _is_phone.
_PHONE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)45[ \u00a0]?)?(?P<number>[0-9]{2}(?:[ \u00a0.-]?[0-9]){6})(?![0-9])"
)
_TWO_YEARS = re.compile(r"(?:19|20)[0-9]{2}[ \u00a0-](?:19|20)[0-9]{2}")
_DATE = re.compile(
    r"(?:0[1-9]|[12][0-9]|3[01])([.-])(?:0[1-9]|1[0-2])\1(?:19|20)[0-9]{2}"
    r"|(?:19|20)[0-9]{2}([.-])(?:0[1-9]|1[0-2])\2(?:0[1-9]|[12][0-9]|3[01])"
)
_DOTTED_PHONE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}){3}")


def _is_phone(match: re.Match[str]) -> bool:
    """Two years ('2012 2013') and a date ('12.03.2014') have a phone number's digits;
    dots other than between pairs ('12.345.678') write an amount."""
    number = match["number"]
    if _TWO_YEARS.fullmatch(number) or _DATE.fullmatch(number):
        return False
    return "." not in number or _DOTTED_PHONE.fullmatch(number) is not None


# E-mail first (an address may contain a name or digits); CPR before phone so
# that a CPR number is always reported as one, whatever the phone pattern
# later accepts (today its digit boundaries already keep the two apart).
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("email", _EMAIL, "[e-mail removed]"),
    ("cpr", _CPR, "[CPR removed]"),
    ("phone", _PHONE, "[phone removed]"),
)
# What a pattern finds that is nonetheless kept.
_KEEP = {"phone": lambda match: not _is_phone(match)}


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every full name and every capitalised part of >= 3 letters."""
    words: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        words.add(r"\s+".join(re.escape(part) for part in name.split()))
        # A name typed without capitals ("dorte dummysen") has no lower-case particle
        # ("van") to tell apart: every part of at least 3 letters counts.
        uncapitalised = name == name.lower()
        words.update(
            re.escape(part)
            for part in re.split(r"[^\w']+", name)
            if len(part) >= 3 and (part[0].isupper() or uncapitalised)
        )
    if not words:
        return None
    # Longest first, so that a full name is removed as one piece.
    alternatives = "|".join(sorted(words, key=lambda word: (-len(word), word)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub_personal_data(
    text: str | None, names: Iterable[str] = ()
) -> tuple[str | None, tuple[str, ...]]:
    """The text with personal data replaced, and the sorted ids of the rules applied.

    ``names`` are the personal names known for this respondent (e.g. from the
    distribution list). None (or any non-text cell) is returned unchanged.
    """
    if not isinstance(text, str):
        return text, ()
    applied: set[str] = set()
    patterns = list(_PATTERNS)
    name_pattern = _name_pattern(names)
    if name_pattern is not None:
        patterns.append(("name", name_pattern, "[name removed]"))
    for rule, pattern, placeholder in patterns:
        keep = _KEEP.get(rule)
        if keep is None:
            text, replaced = pattern.subn(placeholder, text)
        else:
            found = [match for match in pattern.finditer(text) if not keep(match)]
            replaced = len(found)
            for match in reversed(found):  # from the end: earlier offsets stay valid
                text = text[: match.start()] + placeholder + text[match.end() :]
        if replaced:
            applied.add(rule)
    return text, tuple(sorted(applied))
