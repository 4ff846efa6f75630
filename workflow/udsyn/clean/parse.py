"""Free-text years and numbers, parsed with the rule recorded per value.

Respondents type start years ("ca. 2012", "2009/10", "før 2007", "1990'erne")
and full-time equivalents ("1,5", "ca. 2", "1-2 årsværk") as free text. Each
value is parsed by exactly one documented rule, and the rule id travels with
the value so that the cleaning log, README and data dictionary can say how
many values each rule produced. Nothing here raises on odd text: text that
fits no rule is missing with rule ``year_unparseable`` / ``number_unparseable``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Parsed:
    """A parsed value (None when missing) and the id of the rule that gave it."""

    value: int | float | None
    rule: str  # a key of YEAR_RULES / NUMBER_RULES


YEAR_RULES: dict[str, str] = {
    "missing": "Empty or blank text: missing (not a change, nothing was answered).",
    "year": "A four-digit year, e.g. '2010': taken as is.",
    "year_approximate": "An approximate year, e.g. 'ca. 2012', 'omkring 2011', 'cirka 2010', "
    "'~2010': the year.",
    "year_range": "A range of years, e.g. '2009/10', '2009-2010': the first or last year "
    "(config cleaning.year_range_pick); a two-digit second year is read in the "
    "century of the first; a range ending before it starts is unparseable.",
    "year_before": "A year with 'før', 'inden' or 'before', e.g. 'før 2007': the year minus "
    "config cleaning.year_before_offset.",
    "decade": 'A decade, e.g. "1990\'erne", "90\'erne": the decade\'s first year plus config '
    "cleaning.decade_offset (two-digit decades 50-90 are 19xx, 00-40 are 20xx).",
    "dont_know": "'Ved ikke', 'vides ikke', 'husker ikke' or '?': missing.",
    "year_out_of_range": "A parsed year before config cleaning.year_min or after the year the "
    "survey was fielded (survey.fielded_year): missing.",
    "year_unparseable": "Any other text: missing.",
}

NUMBER_RULES: dict[str, str] = {
    "missing": "Empty or blank text: missing (not a change, nothing was answered).",
    "number": "A number with an optional decimal point, e.g. '2', '2.0' (no thousands "
    "separators).",
    "decimal_comma": "A number with a decimal comma, e.g. '1,5': read as 1.5.",
    "number_approximate": "An approximate number, e.g. 'ca. 2', 'omkring 3', 'cirka 1,5': "
    "the number.",
    "number_with_unit": "A number followed by a unit, e.g. '2 årsværk', '3 stillinger', "
    "'2 fte': the number.",
    "number_range": "A range, e.g. '1-2', '1,5-2': its midpoint; a range ending below its "
    "start is unparseable.",
    "zero_word": "'ingen', 'nul' or '0 (ingen)': zero.",
    "dont_know": "'Ved ikke', 'vides ikke', 'husker ikke' or '?': missing.",
    "number_ambiguous_separator": "A number whose separator is followed by exactly three "
    "digits and whose whole part does not start with 0, e.g. '1.000', '2,500': '.' is the "
    "thousands separator in Danish and the decimal point in English (',' the other way "
    "round), so it is either a thousand times more or less: missing. ('0,125' and "
    "'2,5' are decimals.)",
    "number_out_of_range": "A parsed number below config cleaning.fte_min or above "
    "cleaning.fte_max: missing.",
    "number_unparseable": "Any other text: missing.",
}

# --- normalisation shared by both parsers -----------------------------------

# Typographic variants that word processors and phones substitute for the
# plain characters the patterns below expect.
_TRANSLATE = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u00b4": "'",
        "`": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)

_DONT_KNOW = re.compile(r"(?:ved ikke|vides ikke|husker ikke|\?+)")
_APPROX = r"(?:ca\.? ?|cirka |omkring |~ ?)"


def _normalise(text: str) -> str:
    """NFC, plain apostrophes/dashes, casefold, single spaces, no trailing period."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE).casefold()
    return " ".join(text.split()).rstrip(". ")


def _is_missing(text: object) -> bool:
    """None, NaN/NA from a data frame, or blank text."""
    if text is None or text is pd.NA:
        return True
    if isinstance(text, float) and math.isnan(text):
        return True
    return isinstance(text, str) and not text.strip()


# --- years -------------------------------------------------------------------

_YEAR_BEFORE = re.compile(r"(?:før|inden|before) ([0-9]{4})")
_YEAR_RANGE = re.compile(r"([0-9]{4}) ?[-/] ?([0-9]{4}|[0-9]{2})")
# A decade is written with its first year: "1990'erne", "90'erne", "2000erne".
_DECADE = re.compile(r"([0-9]{1,3}0) ?'? ?erne")
_YEAR = re.compile(r"[0-9]{4}")


def _decade_start(digits: str) -> int | None:
    """'1990' -> 1990; two digits: 50-90 -> 19xx, 00-40 -> 20xx; else None."""
    if len(digits) == 4:
        return int(digits)
    if len(digits) == 2:
        short = int(digits)
        if short >= 50:
            return 1900 + short
        if short <= 40:
            return 2000 + short
    return None


def _year_and_rule(
    text: str, *, range_pick: str, before_offset: int, decade_offset: int
) -> tuple[int | None, str]:
    """The year a normalised text names and the rule, before the range check."""
    if _DONT_KNOW.fullmatch(text):
        return None, "dont_know"
    approximate = re.match(_APPROX, text)
    core = text[approximate.end() :] if approximate else text
    if _YEAR.fullmatch(core):
        return int(core), "year_approximate" if approximate else "year"
    if match := _YEAR_BEFORE.fullmatch(core):
        return int(match[1]) - before_offset, "year_before"
    if match := _YEAR_RANGE.fullmatch(core):
        first, second = match[1], match[2]
        # "2009/10": the two-digit year lies in the century of the first.
        last = int(first[:2] + second) if len(second) == 2 else int(second)
        if last < int(first):
            return None, "year_unparseable"
        return (int(first) if range_pick == "first" else last), "year_range"
    if match := _DECADE.fullmatch(core):
        start = _decade_start(match[1])
        if start is None:
            return None, "year_unparseable"
        return start + decade_offset, "decade"
    return None, "year_unparseable"


def parse_year(
    text: str | None,
    *,
    fielded_year: int,
    year_min: int,
    range_pick: str,
    before_offset: int,
    decade_offset: int,
) -> Parsed:
    """Parse a free-text year by the rules in ``YEAR_RULES``; never raises on text.

    ``range_pick`` is "first" or "last"; years outside ``year_min``..``fielded_year``
    (inclusive) are missing with rule ``year_out_of_range``.
    """
    if range_pick not in ("first", "last"):
        raise ValueError(f"range_pick must be 'first' or 'last', not {range_pick!r}")
    if _is_missing(text):
        return Parsed(None, "missing")
    year, rule = _year_and_rule(
        _normalise(str(text)),
        range_pick=range_pick,
        before_offset=before_offset,
        decade_offset=decade_offset,
    )
    if year is not None and not year_min <= year <= fielded_year:
        return Parsed(None, "year_out_of_range")
    return Parsed(year, rule)


# --- numbers -----------------------------------------------------------------

_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
# Units respondents add to an FTE count; "stilling(er)" and "fuldtidsstilling(er)"
# are posts, which in this question are meant as full-time posts.
_UNITS = r"(?:årsværk|stillinger|stilling|fuldtidsstillinger|fuldtidsstilling|fte)"
_ZERO = re.compile(r"(?:ingen|nul|0 ?\((?:ingen|nul)\))")
_NUMBER_TEXT = re.compile(
    rf"(?P<approx>{_APPROX})?(?P<sign>-)?(?P<first>{_NUMBER})"
    rf"(?: ?- ?(?P<last>{_NUMBER}))?(?P<unit> ?{_UNITS})?"
)


# '1.000' or '2,500': a thousands separator or a decimal one, depending on the language.
_THOUSANDS_OR_DECIMAL = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")


def _to_float(digits: str) -> float:
    return float(digits.replace(",", "."))


def _number_and_rule(text: str) -> tuple[float | None, str]:
    """The number a normalised text names and the rule, before the range check.

    Forms combine ("ca. 1-2 årsværk"); the rule is the most informative one:
    range, then approximate, then unit, then decimal comma, then plain number.
    """
    if _DONT_KNOW.fullmatch(text):
        return None, "dont_know"
    if _ZERO.fullmatch(text):
        return 0.0, "zero_word"
    match = _NUMBER_TEXT.fullmatch(text)
    if match is None or (match["sign"] and match["last"]):
        return None, "number_unparseable"
    if any(
        _THOUSANDS_OR_DECIMAL.fullmatch(part or "") for part in (match["first"], match["last"])
    ):
        return None, "number_ambiguous_separator"
    first = _to_float(match["first"]) * (-1 if match["sign"] else 1)
    if match["last"] is not None:
        last = _to_float(match["last"])
        if last < first:
            return None, "number_unparseable"
        return (first + last) / 2, "number_range"
    if match["approx"]:
        return first, "number_approximate"
    if match["unit"]:
        return first, "number_with_unit"
    return first, "decimal_comma" if "," in match["first"] else "number"


def parse_number(text: str | None, *, minimum: float, maximum: float) -> Parsed:
    """Parse a free-text number by the rules in ``NUMBER_RULES``; never raises on text.

    Numbers outside ``minimum``..``maximum`` (inclusive) are missing with rule
    ``number_out_of_range``.
    """
    if _is_missing(text):
        return Parsed(None, "missing")
    number, rule = _number_and_rule(_normalise(str(text)))
    if number is not None and not minimum <= number <= maximum:
        return Parsed(None, "number_out_of_range")
    return Parsed(number, rule)


# --- whole columns -----------------------------------------------------------

# The value column's dtype per parser: years stay integers (nullable), numbers
# are floats with NaN for missing.
_DTYPES: dict[Callable[..., Parsed], str] = {parse_year: "Int64", parse_number: "float64"}


def parse_unique(
    values: pd.Series, parser: Callable[..., Parsed], **kwargs: object
) -> pd.DataFrame:
    """Parse a column, each distinct value once, into columns ``value`` and ``rule``.

    The result is aligned to ``values.index``. Missing cells (NaN/None) get the
    parser's ``missing`` rule; non-text cells are parsed as their ``str()``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [parser(u if isinstance(u, str) else str(u), **kwargs) for u in uniques]
    # factorize codes missing cells as -1, so the result for a missing cell goes
    # last and numpy's negative indexing picks it up.
    parsed.append(parser(None, **kwargs))
    picked_values = np.array([p.value for p in parsed], dtype=object)[codes]
    picked_rules = np.array([p.rule for p in parsed], dtype=object)[codes]
    dtype = _DTYPES.get(parser, "object")
    value = pd.Series(picked_values, index=values.index, dtype=object)
    if dtype == "float64":
        value = value.astype("float64")  # None -> NaN
    elif dtype != "object":
        value = value.astype(dtype)
    return pd.DataFrame(
        {"value": value, "rule": pd.Series(picked_rules, index=values.index, dtype="str")}
    )
