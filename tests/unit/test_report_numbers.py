"""How the report writes numbers (udsyn.report.numbers), in English and Danish:
the English digits as Python's own formatting gives them, the locale's symbols
from Babel, and every format reproducible from its spec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from udsyn.report.numbers import apply_spec, bare, num, pct, points, pvalue, spec, words

NBSP = "\u00a0"


@pytest.mark.parametrize(
    "value, digits, english, danish",
    [
        (0.6875, 0, "69%", f"69{NBSP}%"),
        (0.6875, 1, "68.8%", f"68,8{NBSP}%"),
        (0.0, 0, "0%", f"0{NBSP}%"),
        (1.0, 0, "100%", f"100{NBSP}%"),
        (12.345, 0, "1,234%", f"1.234{NBSP}%"),
        (-0.054, 1, "-5.4%", f"-5,4{NBSP}%"),
        (None, 0, "–", "–"),
        (float("nan"), 0, "–", "–"),
    ],
)
def test_pct(value, digits, english, danish):
    assert pct(value, digits) == english
    assert pct(value, digits, "da") == danish


@pytest.mark.parametrize(
    "value, english, danish",
    [
        (0.21, "+21 pp", "+21 procentpoint"),
        (-0.054, "-5 pp", "-5 procentpoint"),
        (0.0, "+0 pp", "+0 procentpoint"),
        (-0.004, "-0 pp", "-0 procentpoint"),  # as Python writes a negative that rounds to 0
    ],
)
def test_points(value, english, danish):
    assert points(value) == english
    assert points(value, locale="da") == danish


@pytest.mark.parametrize(
    "value, digits, english, danish",
    [
        (1234.5, 2, "1,234.50", "1.234,50"),
        (0.97, 2, "0.97", "0,97"),
        (0.8, 1, "0.8", "0,8"),
        (2.0, 0, "2", "2"),
        (-0.53, 2, "-0.53", "-0,53"),
        (-1e-7, 3, "-0.000", "-0,000"),
        (1234567.891, 1, "1,234,567.9", "1.234.567,9"),
        (None, 2, "–", "–"),
    ],
)
def test_num(value, digits, english, danish):
    assert num(value, digits) == english
    assert num(value, digits, "da") == danish


@pytest.mark.parametrize(
    "value, expected, without_prefix, danish",
    [
        (0.0036, "p = 0.004", "0.004", "p = 0,004"),
        (0.268599, "p = 0.269", "0.269", "p = 0,269"),
        (0.0, "p < 0.001", "< 0.001", "p < 0,001"),
        (0.00004, "p < 0.001", "< 0.001", "p < 0,001"),
        (0.00096, "p < 0.001", "< 0.001", "p < 0,001"),  # would round to 0.001: still below
        (0.001, "p = 0.001", "0.001", "p = 0,001"),
        (1.0, "p = 1.000", "1.000", "p = 1,000"),
        (None, "–", "–", "–"),
    ],
)
def test_pvalue_never_shows_zero(value, expected, without_prefix, danish):
    assert pvalue(value) == expected
    assert pvalue(value, prefix=False) == without_prefix
    assert pvalue(value, locale="da") == danish


def test_pvalue_digits_and_range():
    assert pvalue(0.00004, digits=4) == "p < 0.0001" and pvalue(0.04, digits=2) == "p = 0.04"
    with pytest.raises(ValueError):
        pvalue(1.2)


@pytest.mark.parametrize(
    "value, english, danish",
    [
        (77, "77", "77"),
        (2009, "2009", "2009"),
        (74.651085, "74.651085", "74,651085"),
        (3.0, "3", "3"),
    ],
)
def test_a_number_shown_without_a_filter_keeps_its_digits(value, english, danish):
    """Years, codes and counts are printed bare: no group separator ('2009', never '2,009')."""
    assert bare(value) == english
    assert bare(value, "da") == danish


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 4))
def test_english_digits_are_pythons(value, digits):
    """The English report reads as before Babel: the digits of Python's formatting
    (percentages and points of 1,000 and more now grouped, as the locale writes them)."""
    assert num(value, digits) == f"{value:,.{digits}f}"
    assert pct(value, digits) == f"{100 * value:,.{digits}f}%"
    assert points(value, digits) == f"{100 * value:+,.{digits}f} pp"


@pytest.mark.parametrize(
    "format_spec, value, expected",
    [
        (spec("pct", 0), 0.6875, "69%"),
        (spec("num", 3), 0.968336, "0.968"),
        (spec("points", 0), 0.27, "+27 pp"),
        (spec("pvalue", 3, "p"), 0.0036, "p = 0.004"),
        (spec("pvalue", 3, "bare"), 0.00001, "< 0.001"),
        (spec("bare"), 77, "77"),
        (spec("text"), "before 2007", "before 2007"),
        ('replace:["_", " "]', "size_measure population_2007", "size measure population 2007"),
        ("py:.2f", 3.16849, "3.17"),
        ("py:d", 48.0, "48"),
    ],
)
def test_a_spec_formats_the_value_again(format_spec, value, expected):
    assert apply_spec(format_spec, value) == expected


def test_a_locale_without_words_is_an_error():
    assert words("da_DK") == words("da")
    with pytest.raises(ValueError, match="no words for locale 'fr'"):
        points(0.1, locale="fr")
    with pytest.raises(ValueError, match="unknown number format"):
        apply_spec("percent:0", 0.5)
