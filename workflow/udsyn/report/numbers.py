"""How the report writes a number, in one place, for any locale Babel knows.

The digits are rounded here, from the value's exact binary expansion, half to
even: the same digits Python's own formatting (``f"{x:.2f}"``) gives, so the
English report reads as it always did. Babel supplies only the locale's
symbols and patterns (decimal and group separators, the minus sign, where the
percent sign goes: ``69%`` in English, ``69 %`` in Danish). The few words a
formatted number carries (``pp``, ``to``) are in ``WORDS``.

Every format has a *spec*, a short string such as ``pct:0`` or ``num:2``, that
the report writes beside each number it shows (``data-format``), so a test, or
a reader, can format the cited cell again and compare (``apply_spec``).
"""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel import Locale
from babel.numbers import (
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_minus_sign_symbol,
)

DEFAULT_LOCALE = "en"
MISSING = "–"  # a result the table does not have (shown, never an error)

# The words that belong to a formatted number, by language (``points_tick``: the
# short form a figure's axis writes).
WORDS = {
    "en": {"points": "pp", "to": "to", "points_tick": "pp"},
    "da": {"points": "procentpoint", "to": "til", "points_tick": "%-point"},
}


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return str(value) in ("<NA>", "NaT")


def words(locale: str) -> dict[str, str]:
    """The words of ``locale`` (its language's, e.g. ``da_DK`` -> ``da``)."""
    language = Locale.parse(locale).language
    if language not in WORDS:
        raise ValueError(
            f"udsyn.report.numbers.WORDS has no words for locale {locale!r} "
            f"(it has {sorted(WORDS)}): add them there"
        )
    return WORDS[language]


def rounded(value, digits: int) -> Decimal:
    """``value`` rounded to ``digits`` decimals from its exact binary value, half
    to even: the digits of ``f"{value:.{digits}f}"`` (a negative zero keeps its sign)."""
    return Decimal(float(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)


def _magnitude(number: Decimal, digits: int, locale: str, grouping: bool = True) -> str:
    """The digits of abs(number), with the locale's separators."""
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * digits if digits else "")
    return format_decimal(abs(number), format=pattern, locale=locale)


def _sign(number: Decimal, locale: str, plus: bool = False) -> str:
    if number.is_signed():
        return get_minus_sign_symbol(locale)
    return "+" if plus else ""


@cache
def _percent_affixes(locale: str) -> tuple[str, str]:
    """What the locale writes before and after a percentage's digits."""
    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    found = re.fullmatch(r"(?P<before>[^#0,.]*)[#0,.]+(?P<after>.*)", pattern)
    if not found:
        raise ValueError(f"unexpected percent pattern {pattern!r} for locale {locale!r}")
    sign = Locale.parse(locale).number_symbols["latn"]["percentSign"]
    return found["before"].replace("%", sign), found["after"].replace("%", sign)


def pct(value, digits: int = 0, locale: str = DEFAULT_LOCALE) -> str:
    """A share as a percentage: 0.6875 -> '69%' (en), '69 %' (da)."""
    if _missing(value):
        return MISSING
    number = rounded(100 * float(value), digits)
    before, after = _percent_affixes(locale)
    return f"{_sign(number, locale)}{before}{_magnitude(number, digits, locale)}{after}"


def points(value, digits: int = 0, locale: str = DEFAULT_LOCALE) -> str:
    """A difference of shares in percentage points, signed: 0.21 -> '+21 pp'."""
    if _missing(value):
        return MISSING
    number = rounded(100 * float(value), digits)
    magnitude = _magnitude(number, digits, locale)
    return f"{_sign(number, locale, plus=True)}{magnitude} {words(locale)['points']}"


def num(value, digits: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    """A number with group separators and fixed decimals: 1234.5 -> '1,234.50' (en),
    '1.234,50' (da)."""
    if _missing(value):
        return MISSING
    number = rounded(value, digits)
    return f"{_sign(number, locale)}{_magnitude(number, digits, locale)}"


def pvalue(value, digits: int = 3, prefix: bool = True, locale: str = DEFAULT_LOCALE) -> str:
    """A p-value as a reader should see it: 0.0036 -> 'p = 0.004', 0.00002 ->
    'p < 0.001' (never 'p = 0.000'); ``prefix=False`` for a table column headed
    p: '0.004', '< 0.001'."""
    if _missing(value):
        return MISSING
    value, floor = float(value), 10.0**-digits
    if not 0 <= value <= 1:
        raise ValueError(f"a p-value must lie between 0 and 1, not {value}")
    below = value < floor
    text = f"< {num(floor, digits, locale)}" if below else num(value, digits, locale)
    if not prefix:
        return text
    return f"p {text}" if below else f"p = {text}"


def bare(value, locale: str = DEFAULT_LOCALE) -> str:
    """A number printed without a filter: a whole number as its digits, without
    group separators (it may be a year, a code or a count: '2009', '77'); any
    other number with all its digits ('74.651085' in English, '74,651085' in Danish)."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        return value
    as_float = float(value)
    if as_float.is_integer() and abs(as_float) < 2**53:
        number = Decimal(int(as_float))
        return f"{_sign(number, locale)}{abs(int(as_float))}"
    text = repr(as_float).lstrip("-")
    sign = get_minus_sign_symbol(locale) if as_float < 0 else ""
    return sign + text.replace(".", get_decimal_symbol(locale))


def python(value, spec: str, locale: str = DEFAULT_LOCALE) -> str:
    """``value`` as Python's ``format(value, spec)`` writes it in English, written
    in ``locale`` (the specs of the figure manifest's captions and the figures'
    axes: ".0%", ".2f", "d", "g", "+.0f", ",.2f"); English is Python's own text."""
    if Locale.parse(locale).language == DEFAULT_LOCALE:
        return format(value, spec)
    sign = "+" if spec.startswith("+") else ""
    # thousands grouped only where the spec asks (","), as Python does: a year stays 2009
    group = "#,##" if "," in spec else ""
    spec = spec.lstrip("+").replace(",", "")
    if spec.endswith("%"):
        digits = int(spec[1:-1] or 0) if spec.startswith(".") else 0
        pattern = group + "0" + ("." + "0" * digits if digits else "") + "\u00a0%"
        text = format_percent(Decimal(repr(float(value))), pattern, locale=locale)
    elif spec == "d":
        text = format_decimal(int(value), group + "0", locale=locale)
    elif spec.endswith("f"):
        digits = int(spec[1:-1] or 0) if spec.startswith(".") else 6
        pattern = group + "0" + ("." + "0" * digits if digits else "")
        text = format_decimal(Decimal(repr(float(value))), pattern, locale=locale)
    else:  # "g" and the empty spec: as many digits as the number has
        text = format_decimal(
            Decimal(format(value, spec or "")), group + "0.##########", locale=locale
        )
    if sign and not text.startswith(("-", "\u2212")):
        text = "+" + text
    return text


def between(low: str, high: str, locale: str = DEFAULT_LOCALE) -> str:
    """Two formatted ends of an interval: '58% to 78%'."""
    return f"{low} {words(locale)['to']} {high}"


# ------------------------------------------------------------------ specs


def spec(kind: str, *arguments) -> str:
    """The spec of a format: ``spec("pct", 0)`` -> 'pct:0'."""
    return ":".join([kind, *(str(a) for a in arguments)])


def apply_spec(format_spec: str, value, locale: str = DEFAULT_LOCALE) -> str:
    """Format ``value`` as ``format_spec`` says; the inverse of what the report wrote.

    'pct:D', 'points:D', 'num:D' (D decimals), 'pvalue:D:p' or 'pvalue:D:bare'
    (with or without the 'p =' prefix), 'bare' (a number shown without a
    filter), 'text' (a text cell, as it is), 'words' (a text cell translated into
    ``locale``'s language, udsyn.report.i18n.data_words), 'replace:["OLD", "NEW"]' (a text
    cell with OLD replaced by NEW, as Jinja's ``replace``), 'py:SPEC' (Python's format
    ``SPEC``, which the figure captions use, written in ``locale``: ``python``).
    """
    kind, _, rest = format_spec.partition(":")
    if kind == "py":
        from udsyn.report.figure_manifest import format_caption_value

        return format_caption_value(value, rest, locale)
    arguments = rest.split(":") if rest else []
    if kind in ("pct", "points", "num"):
        return {"pct": pct, "points": points, "num": num}[kind](value, int(arguments[0]), locale)
    if kind == "pvalue":
        return pvalue(value, int(arguments[0]), arguments[1] == "p", locale)
    if kind == "bare":
        return bare(value, locale)
    if kind == "text":
        return str(value)
    if kind == "words":
        from udsyn.report import i18n

        gettext = i18n.translations(locale).gettext
        return i18n.data_words(gettext(str(value)), gettext)
    if kind == "replace":
        old, new = json.loads(rest)
        return str(value).replace(old, new)
    raise ValueError(f"unknown number format {format_spec!r}")
