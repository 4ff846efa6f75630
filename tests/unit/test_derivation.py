"""Derived variables per municipality, on hand-made clean tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from udsyn.core.errors import InputError
from udsyn.derive.derivation import size_class, yes_no


@pytest.mark.parametrize(
    "labels, dont_know_as, expected",
    [
        (["Ja", "Nej", "Ved ikke", None], "missing", [1, 0, None, None]),
        (["Ja", "Nej", "Ved ikke", None], "count_as_no", [1, 0, 0, None]),
    ],
)
def test_yes_no(labels, dont_know_as, expected):
    result = yes_no(
        pd.Series(labels, dtype="string"),
        yes=("Ja",),
        dont_know="Ved ikke",
        dont_know_as=dont_know_as,
    )
    assert [None if pd.isna(v) else v for v in result] == expected


@pytest.mark.parametrize(
    "population, label",
    [
        (0, "small"),
        (19_999, "small"),
        (20_000, "medium"),
        (99_999, "medium"),
        (100_000, "large"),
        (600_000, "large"),
    ],
)
def test_size_class_breaks_are_right_open(population, label):
    classes = size_class(
        pd.Series([population]), (0, 20_000, 100_000), ("small", "medium", "large")
    )
    assert classes.iloc[0] == label


AARHUS = {
    "kommune": "Aarhus",
    "q1": "1",
    "q2_1": "1",
    "q2_3": "1",
    "q3": "3",
    "q6": "2",
    "q8_1_type": "1",
    "q8_1_start": "1995",
    "q8_2_type": "3",
    "q8_2_start": "2009",
    "q8_3_type": "4",
    "q8_3_start": "2010",
    "q8_4_type": "5",
    "q8_4_start": "ved ikke",
}
LAESOE = {"kommune": "Læsø", "q1": "2"}
ODENSE = {"kommune": "Odense", "q1": "9"}


def test_all_98_municipalities_one_row_each(derive):
    derived = derive([AARHUS, LAESOE])
    assert len(derived) == 98 and derived.index.is_unique
    assert derived["responded"].sum() == 2
    assert pd.isna(derived.loc[101, "international"])  # København did not respond
    assert pd.isna(derived.loc[101, "n_initiatives"])


def test_register_facts(derive, register):
    derived = derive([AARHUS])
    assert (
        derived.loc[751, "merged"] == 0 and derived.loc[730, "merged"] == 1
    )  # Aarhus 1, Randers 5
    assert derived.loc[825, "peripheral"] == 1 and derived.loc[101, "peripheral"] == 0
    assert derived.loc[101, "capital"] == 1 and derived["capital"].sum() == 1
    assert derived.loc[751, "size_class"] == "100,000 and over"
    assert derived.loc[825, "size_class"] == "under 20,000"


def test_business_focus_under_both_definitions(derive):
    derived = derive([AARHUS, LAESOE, ODENSE])
    assert derived.loc[751, "business_focus_purpose"] == 1
    assert derived.loc[751, "business_focus_likert"] == 0  # Q3 "I mindre grad"
    assert derived.loc[751, "business_focus"] == 1  # headline = purpose definition
    assert derived.loc[825, "business_focus_purpose"] == 0  # does not take part
    assert derived.loc[825, "n_purposes"] == 0
    assert pd.isna(derived.loc[461, "business_focus_purpose"])  # Ved ikke -> missing
    likert = derive([AARHUS], headline_definition="likert")
    assert likert.loc[751, "business_focus"] == 0
    as_no = derive([ODENSE], dont_know_as="count_as_no")
    assert as_no.loc[461, "international"] == 0 and as_no.loc[461, "business_focus"] == 0


def test_portfolio_and_intensity(derive, register):
    derived = derive([AARHUS, LAESOE])
    assert derived.loc[751, "n_traditional_purposes"] == 1
    assert derived.loc[751, "n_new_purposes"] == 1
    assert derived.loc[751, "portfolio"] == "both"
    assert derived.loc[825, "portfolio"] == "none"
    population = register.set_index("code").loc[751, "population_2007"]
    assert derived.loc[751, "fte_per_10k"] == pytest.approx(2 / population * 10_000)


@pytest.mark.parametrize("cutoff, post_crisis", [(2008, 2), (2009, 2), (2010, 1), (2011, 0)])
def test_post_crisis_initiatives_follow_the_cutoff(derive, cutoff, post_crisis):
    derived = derive([AARHUS], crisis_cutoff_year=cutoff)
    row = derived.loc[751]
    assert (row["n_initiatives"], row["n_initiatives_dated"]) == (4, 3)
    assert row["n_post_crisis_initiatives"] == post_crisis
    assert row["post_crisis_share"] == pytest.approx(post_crisis / 3)
    # one initiative has no start year: with none dated after the cut-off, it may be one
    if post_crisis:
        assert row["any_post_crisis_initiative"] == 1
    else:
        assert pd.isna(row["any_post_crisis_initiative"])
    assert (row["n_traditional_initiatives"], row["n_new_initiatives"]) == (1, 3)


def test_a_partial_response_that_may_have_stopped_before_q8_has_unknown_counts(derive):
    """Taking part, no initiative reported: 0 initiatives when the response was
    completed or went on past Q8; unknown when it stopped before (a partial response
    with nothing after Q8); 0 when not taking part (Q8 is not asked)."""
    partial = {"closetime": "", "statoverall_4": "0", "statoverall_3": "1"}
    taking_part = {"q1": "1", "q2_1": "1", "q3": "1"}
    derived = derive(
        [
            {"kommune": "Kalundborg", **taking_part, **partial},
            {"kommune": "Aarhus", **taking_part},
            {"kommune": "Odense", **taking_part, **partial, "q9": "1"},
            {"kommune": "Læsø", "q1": "2", **partial},
        ]
    )
    counts = ["n_initiatives", "n_initiatives_dated", "n_post_crisis_initiatives"]
    assert derived.loc[326, counts].isna().all()  # Kalundborg: stopped before Q8
    assert pd.isna(derived.loc[326, "any_post_crisis_initiative"])
    for code in (751, 461, 825):  # completed; went on to Q9; not taking part
        assert derived.loc[code, counts].tolist() == [0, 0, 0], code
        assert derived.loc[code, "any_post_crisis_initiative"] == 0, code


def test_no_initiative_after_the_cutoff_is_known_only_when_every_one_is_dated(derive):
    every_dated = derive([{**AARHUS, "q8_4_start": "2001"}], crisis_cutoff_year=2011)
    row = every_dated.loc[751]
    assert (row["n_initiatives_dated"], row["n_post_crisis_initiatives"]) == (4, 0)
    assert row["any_post_crisis_initiative"] == 0
    one_undated = derive([AARHUS], crisis_cutoff_year=2011)
    assert pd.isna(one_undated.loc[751, "any_post_crisis_initiative"])


def test_respondent_without_initiatives_counts_zero(derive):
    derived = derive([LAESOE])
    assert derived.loc[825, "n_initiatives"] == 0
    assert pd.isna(derived.loc[825, "post_crisis_share"])
    assert derived.loc[825, "any_post_crisis_initiative"] == 0


@pytest.mark.parametrize(
    "overrides, column",
    [
        ({"size_labels": ("a", "b")}, "size_labels"),
        ({"size_breaks": (0, 40000, 20000, 60000, 100000)}, "size_breaks"),
        ({"business_purposes": ("business", "smuggling")}, "business_purposes"),
        ({"likert_focus_labels": ("Meget",)}, "likert_focus_labels"),
    ],
)
def test_settings_cross_checks(derive_settings, questionnaire, overrides, column):
    derive_settings.check(questionnaire)  # the shipped config passes
    with pytest.raises(InputError) as caught:
        dataclasses.replace(derive_settings, **overrides).check(questionnaire)
    assert f"'{column}'" in str(caught.value)


def test_partial_response_before_purposes_leaves_them_unknown(derive):
    stopped = {
        "kommune": "Vejle",
        "q1": "1",
        "closetime": "",
        "statoverall_4": "0",
        "statoverall_3": "1",
    }
    derived = derive([stopped])
    assert derived.loc[630, "international"] == 1
    assert pd.isna(derived.loc[630, "n_purposes"])
    assert pd.isna(derived.loc[630, "business_focus_purpose"])
    assert pd.isna(derived.loc[630, "portfolio"])
