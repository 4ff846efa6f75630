"""Free-text years and numbers: every rule, awkward spellings, column parsing."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from udsyn.clean.parse import (
    NUMBER_RULES,
    YEAR_RULES,
    Parsed,
    parse_number,
    parse_unique,
    parse_year,
)

YEAR_ARGS = dict(
    fielded_year=2014, year_min=1900, range_pick="first", before_offset=1, decade_offset=5
)
NUMBER_ARGS = dict(minimum=0, maximum=500)


@pytest.mark.parametrize(
    ("text", "value", "rule"),
    [
        (None, None, "missing"),
        ("", None, "missing"),
        ("   ", None, "missing"),
        ("\t\n", None, "missing"),
        ("2010", 2010, "year"),
        (" 2010 ", 2010, "year"),
        ("2010.", 2010, "year"),
        ("\u00a02010\u00a0", 2010, "year"),  # no-break spaces from a word processor
        ("1900", 1900, "year"),  # year_min is inclusive
        ("2014", 2014, "year"),  # fielded_year is inclusive
        ("ca. 2012", 2012, "year_approximate"),
        ("ca 2012", 2012, "year_approximate"),
        ("Ca. 2012.", 2012, "year_approximate"),
        ("CA.2012", 2012, "year_approximate"),
        ("omkring 2011", 2011, "year_approximate"),
        ("Omkring  2011", 2011, "year_approximate"),
        ("cirka 2010", 2010, "year_approximate"),
        ("~2010", 2010, "year_approximate"),
        ("~ 2010", 2010, "year_approximate"),
        ("2009/10", 2009, "year_range"),
        ("2009/2010", 2009, "year_range"),
        ("2009-10", 2009, "year_range"),
        ("2009-2010", 2009, "year_range"),
        ("2009 – 2010", 2009, "year_range"),  # en dash
        ("2009—2010", 2009, "year_range"),  # em dash
        ("2009 / 10.", 2009, "year_range"),
        ("ca. 2009/10", 2009, "year_range"),
        ("2010/10", 2010, "year_range"),  # same year twice is still a range
        ("2010-2009", None, "year_unparseable"),  # reversed
        ("2010/09", None, "year_unparseable"),  # reversed, two digits
        ("1999/00", None, "year_unparseable"),  # two digits stay in the first's century
        ("2009/1", None, "year_unparseable"),
        ("2009/10/11", None, "year_unparseable"),
        ("før 2007", 2006, "year_before"),
        ("FØR 2007", 2006, "year_before"),
        ("Før 2007.", 2006, "year_before"),
        ("inden 2007", 2006, "year_before"),
        ("before 2007", 2006, "year_before"),
        ("fo\u0338r 2007", None, "year_unparseable"),  # o + combining stroke is not ø
        ("1990'erne", 1995, "decade"),
        ("1990erne", 1995, "decade"),
        ("90'erne", 1995, "decade"),
        ("1990\u2019erne", 1995, "decade"),  # typographic apostrophe
        ("1990´erne", 1995, "decade"),  # acute accent typed as apostrophe
        ("1980'ERNE", 1985, "decade"),
        ("2000'erne", 2005, "decade"),
        ("00'erne", 2005, "decade"),
        ("50'erne", 1955, "decade"),
        ("1950'erne.", 1955, "decade"),
        ("1995'erne", None, "year_unparseable"),  # not a decade start
        ("45'erne", None, "year_unparseable"),  # neither 19xx nor 20xx convention
        ("40'erne", None, "year_out_of_range"),  # 2040s, not 1940s
        ("2010'erne", None, "year_out_of_range"),  # 2015 is after fielding
        ("ved ikke", None, "dont_know"),
        ("Ved ikke", None, "dont_know"),
        ("VED IKKE.", None, "dont_know"),
        (" ved  ikke ", None, "dont_know"),
        ("?", None, "dont_know"),
        ("??", None, "dont_know"),
        ("vides ikke", None, "dont_know"),
        ("husker ikke", None, "dont_know"),
        ("1899", None, "year_out_of_range"),
        ("2015", None, "year_out_of_range"),
        ("ca. 2020", None, "year_out_of_range"),
        ("før 1900", None, "year_out_of_range"),  # 1899 < year_min
        ("0000", None, "year_out_of_range"),
        ("2014/15", 2014, "year_range"),  # the picked year decides the range check
        ("abc", None, "year_unparseable"),
        ("201", None, "year_unparseable"),
        ("20100", None, "year_unparseable"),
        ("2010 eller 2011", None, "year_unparseable"),
        ("ca.", None, "year_unparseable"),
        ("før", None, "year_unparseable"),
        ("\u0662\u0660\u0661\u0660", None, "year_unparseable"),  # Arabic-Indic digits
    ],
)
def test_parse_year(text, value, rule):
    assert parse_year(text, **YEAR_ARGS) == Parsed(value, rule)


@pytest.mark.parametrize(
    ("text", "options", "value", "rule"),
    [
        ("2009/10", {"range_pick": "last"}, 2010, "year_range"),
        ("2009-2010", {"range_pick": "last"}, 2010, "year_range"),
        ("2013/15", {"range_pick": "last"}, None, "year_out_of_range"),
        ("før 2007", {"before_offset": 0}, 2007, "year_before"),
        ("før 2007", {"before_offset": 3}, 2004, "year_before"),
        ("1990'erne", {"decade_offset": 0}, 1990, "decade"),
        ("1990'erne", {"decade_offset": 9}, 1999, "decade"),
        ("2010'erne", {"decade_offset": 0}, 2010, "decade"),
        ("40'erne", {"fielded_year": 2100}, 2045, "decade"),
        ("10'erne", {"fielded_year": 2100}, 2015, "decade"),
        ("2012", {"fielded_year": 2011}, None, "year_out_of_range"),
        ("1950", {"year_min": 1960}, None, "year_out_of_range"),
    ],
)
def test_parse_year_follows_config(text, options, value, rule):
    assert parse_year(text, **{**YEAR_ARGS, **options}) == Parsed(value, rule)


def test_parse_year_returns_int():
    assert type(parse_year("ca. 2012", **YEAR_ARGS).value) is int


def test_parse_year_rejects_unknown_range_pick():
    with pytest.raises(ValueError, match="range_pick"):
        parse_year("2009/10", **{**YEAR_ARGS, "range_pick": "middle"})


@pytest.mark.parametrize(
    ("text", "value", "rule"),
    [
        (None, None, "missing"),
        ("", None, "missing"),
        ("  ", None, "missing"),
        ("2", 2.0, "number"),
        (" 2 ", 2.0, "number"),
        ("2.", 2.0, "number"),
        ("2.0", 2.0, "number"),
        ("1.5", 1.5, "number"),  # a dot is a decimal point, not a thousands separator
        ("0", 0.0, "number"),
        ("500", 500.0, "number"),  # maximum is inclusive
        ("1,5", 1.5, "decimal_comma"),
        ("0,5", 0.5, "decimal_comma"),
        ("0,25", 0.25, "decimal_comma"),
        ("ca. 2", 2.0, "number_approximate"),
        ("ca 1,5", 1.5, "number_approximate"),
        ("Ca. 1,5.", 1.5, "number_approximate"),
        ("omkring 3", 3.0, "number_approximate"),
        ("cirka 2", 2.0, "number_approximate"),
        ("~2", 2.0, "number_approximate"),
        ("ca. 2 årsværk", 2.0, "number_approximate"),
        ("2 årsværk", 2.0, "number_with_unit"),
        ("1,5 årsværk", 1.5, "number_with_unit"),
        ("1,5 Årsværk.", 1.5, "number_with_unit"),
        ("2 a\u030arsværk", 2.0, "number_with_unit"),  # decomposed å
        ("3 stillinger", 3.0, "number_with_unit"),
        ("1 stilling", 1.0, "number_with_unit"),
        ("2 fte", 2.0, "number_with_unit"),
        ("2 FTE", 2.0, "number_with_unit"),
        ("2fte", 2.0, "number_with_unit"),
        ("1-2", 1.5, "number_range"),
        ("1 - 2", 1.5, "number_range"),
        ("1–2", 1.5, "number_range"),
        ("1,5-2", 1.75, "number_range"),
        ("ca. 1-2 årsværk", 1.5, "number_range"),
        ("2-2", 2.0, "number_range"),
        ("2-1", None, "number_unparseable"),  # reversed
        ("ingen", 0.0, "zero_word"),
        ("Ingen.", 0.0, "zero_word"),
        ("0 (ingen)", 0.0, "zero_word"),
        ("nul", 0.0, "zero_word"),
        ("ved ikke", None, "dont_know"),
        ("Ved ikke", None, "dont_know"),
        ("?", None, "dont_know"),
        ("vides ikke", None, "dont_know"),
        ("husker ikke", None, "dont_know"),
        ("-1", None, "number_out_of_range"),
        ("501", None, "number_out_of_range"),
        ("1000", None, "number_out_of_range"),
        # a separator before exactly three digits: a thousand in Danish, one in English
        ("1.000", None, "number_ambiguous_separator"),
        ("2,500", None, "number_ambiguous_separator"),
        ("ca. 1.500", None, "number_ambiguous_separator"),
        ("1,000-2,000", None, "number_ambiguous_separator"),
        ("0,125", 0.125, "decimal_comma"),  # a thousands separator never follows 0
        ("1.0000", 1.0, "number"),
        ("2,25", 2.25, "decimal_comma"),
        ("to", None, "number_unparseable"),
        ("1,5,5", None, "number_unparseable"),
        ("2 timer", None, "number_unparseable"),  # hours are not FTE
        ("1/2", None, "number_unparseable"),
        ("-1-2", None, "number_unparseable"),
    ],
)
def test_parse_number(text, value, rule):
    assert parse_number(text, **NUMBER_ARGS) == Parsed(value, rule)


def test_parse_number_returns_float():
    assert type(parse_number("2", **NUMBER_ARGS).value) is float
    assert type(parse_number("ingen", **NUMBER_ARGS).value) is float


def test_parse_number_zero_below_minimum_is_out_of_range():
    assert parse_number("ingen", minimum=0.5, maximum=10) == Parsed(None, "number_out_of_range")


def test_rule_documentation_is_complete():
    assert set(YEAR_RULES) == {
        "missing",
        "year",
        "year_approximate",
        "year_range",
        "year_before",
        "decade",
        "dont_know",
        "year_out_of_range",
        "year_unparseable",
    }
    assert set(NUMBER_RULES) == {
        "missing",
        "number",
        "decimal_comma",
        "number_ambiguous_separator",
        "number_approximate",
        "number_with_unit",
        "number_range",
        "zero_word",
        "dont_know",
        "number_out_of_range",
        "number_unparseable",
    }
    assert all(text.strip() for text in [*YEAR_RULES.values(), *NUMBER_RULES.values()])


def test_parse_unique_years_aligned_to_index():
    values = pd.Series(["2010", "ca. 2012", None, "2010", "x", ""], index=[10, 11, 12, 13, 14, 15])
    parsed = parse_unique(values, parse_year, **YEAR_ARGS)
    assert list(parsed.columns) == ["value", "rule"]
    assert list(parsed.index) == [10, 11, 12, 13, 14, 15]
    assert str(parsed["value"].dtype) == "Int64"
    assert parsed["value"].tolist() == [2010, 2012, pd.NA, 2010, pd.NA, pd.NA]
    assert parsed["rule"].tolist() == [
        "year",
        "year_approximate",
        "missing",
        "year",
        "year_unparseable",
        "missing",
    ]


def test_parse_unique_numbers():
    values = pd.Series(["1,5", float("nan"), "2", "1,5", "ingen"])
    parsed = parse_unique(values, parse_number, **NUMBER_ARGS)
    assert parsed["value"].dtype == "float64"
    assert parsed["value"].fillna(-1).tolist() == [1.5, -1, 2.0, 1.5, 0.0]
    assert parsed["rule"].tolist() == [
        "decimal_comma",
        "missing",
        "number",
        "decimal_comma",
        "zero_word",
    ]


def test_parse_unique_parses_each_distinct_value_once():
    calls: list[object] = []

    def counting(text, **kwargs):
        calls.append(text)
        return parse_year(text, **kwargs)

    values = pd.Series(["2010", "2011"] * 5000 + [None] * 10)
    parsed = parse_unique(values, counting, **YEAR_ARGS)
    assert sorted(calls, key=str) == ["2010", "2011", None]
    assert parsed["value"].tolist()[:2] == [2010, 2011]
    assert parsed["rule"].value_counts().to_dict() == {"year": 10000, "missing": 10}


def test_parse_unique_empty_series():
    parsed = parse_unique(pd.Series([], dtype="str"), parse_number, **NUMBER_ARGS)
    assert parsed.shape == (0, 2)


@given(st.text())
def test_parse_year_never_raises(text):
    parsed = parse_year(text, **YEAR_ARGS)
    assert parsed.rule in YEAR_RULES
    assert parsed.value is None or 1900 <= parsed.value <= 2014


@given(st.text(alphabet=st.sampled_from(list("0123456789 ,.-/–'’ercaølkdnvg?~")), max_size=14))
@example("1.000")  # a thousand in Danish, one in English: missing, by its own rule
def test_parse_number_never_raises_on_numberish_text(text):
    parsed = parse_number(text, **NUMBER_ARGS)
    assert parsed.rule in NUMBER_RULES
    assert parsed.value is None or 0 <= parsed.value <= 500
    assert (parsed.value is None) == (
        parsed.rule
        in {
            "missing",
            "dont_know",
            "number_out_of_range",
            "number_unparseable",
            "number_ambiguous_separator",
        }
    )
