"""The survey's driver questions (Q9-Q11): the derived agreement flags, the
drivers table on hand-made data (counts, Wilson shares, Newcombe differences
against a published example). Their recovery of the generator's true differences
is checked on the calibration's regenerated exports (tests/unit/test_calibration.py)."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from conftest import ROOT
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from udsyn.analysis import stats
from udsyn.analysis.drivers import (
    COLUMNS,
    DriverSettings,
    driver_questions,
    drivers,
    newcombe_difference,
    parse_drivers,
)
from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.derive.derivation import AGREEMENT_COLUMNS

ORIGIN = "synthetic"
DRIVER_KEYS = (
    "confidence_level",
    "dont_know_as",
    "peripheral_groups",
    "reform_year",
    "reform_enabled_agree_labels",
    "crisis_international_agree_labels",
    "state_no_longer_helps_agree_labels",
    "drivers",
)
SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
# The shipped analysis.drivers, read once (the tests below change copies).
SHIPPED = parse_drivers(files.read_yaml(ROOT / "config" / "config.yaml")["analysis"]["drivers"])
ITEMS = [driver.item for driver in SHIPPED]


@pytest.fixture(scope="module")
def settings(config) -> DriverSettings:
    values = {**config["derive"], **config["analysis"]}
    return DriverSettings.from_values({key: values[key] for key in DRIVER_KEYS})


@pytest.fixture(scope="module")
def questions(questionnaire):
    return driver_questions(questionnaire)


# ------------------------------------------------------------------ derived flags


# Aarhus 751, Vejle 630, Odense 461, Læsø 825, Kolding 621; Q9/Q10 degree, Q11 agree scale.
ROWS = [
    {"kommune": "Aarhus", "q1": "2", "q9": "1", "q10": "2", "q11": "2"},
    {"kommune": "Vejle", "q1": "2", "q9": "3", "q10": "5", "q11": "3"},
    {"kommune": "Odense", "q1": "2", "q9": "9", "q10": "9", "q11": "9"},
    {"kommune": "Læsø", "q1": "2"},
]


def flags(derived, code):
    return [
        None if pd.isna(v) else int(v)
        for v in derived.loc[code, [column for column, *_ in AGREEMENT_COLUMNS]]
    ]


def test_agreement_flags_follow_the_configured_labels(derive):
    derived = derive(ROWS)
    assert flags(derived, 751) == [1, 1, 1]  # I høj grad, I nogen grad, Delvist enig
    assert flags(derived, 630) == [0, 0, 0]  # I mindre grad, Slet ikke, Hverken enig ...
    assert flags(derived, 461) == [None] * 3  # Ved ikke, dont_know_as: missing
    assert flags(derived, 825) == [None] * 3  # responded, questions not answered
    assert flags(derived, 621) == [None] * 3  # did not respond
    # Asked of every respondent: not gated by Q1 (all four said Nej).
    narrower = derive(
        ROWS,
        reform_enabled_agree_labels=("I høj grad",),
        state_no_longer_helps_agree_labels=("Helt enig",),
    )
    assert flags(narrower, 751) == [1, 1, 0]


def test_dont_know_counts_as_no_when_configured(derive):
    derived = derive(ROWS, dont_know_as="count_as_no")
    assert flags(derived, 461) == [0, 0, 0]
    assert flags(derived, 825) == [None] * 3


@pytest.mark.parametrize(
    "overrides, column",
    [
        (
            {"reform_enabled_agree_labels": ("Helt enig",)},
            "reform_enabled_agree_labels",
        ),  # agree scale
        ({"crisis_international_agree_labels": ("Meget",)}, "crisis_international_agree_labels"),
        (
            {"state_no_longer_helps_agree_labels": ("Helt enig", "Ved ikke")},
            "state_no_longer_helps_agree_labels",
        ),
    ],
)
def test_agreement_labels_are_checked_against_the_question(
    derive_settings, questionnaire, overrides, column
):
    derive_settings.check(questionnaire)
    with pytest.raises(InputError) as caught:
        dataclasses.replace(derive_settings, **overrides).check(questionnaire)
    assert f"'{column}'" in str(caught.value)


# ------------------------------------------------------------------ the table on hand-made data


def test_settings_refuse_a_missing_or_unused_key(config):
    values = {**config["derive"], **config["analysis"]}
    passed = {key: values[key] for key in DRIVER_KEYS}
    DriverSettings.from_values(passed)
    with pytest.raises(ValueError, match="reform_year"):
        DriverSettings.from_values({k: v for k, v in passed.items() if k != "reform_year"})
    with pytest.raises(ValueError, match="robust_covariance"):
        DriverSettings.from_values({**passed, "robust_covariance": "HC1"})


def test_newcombe_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, table II, example (a): 56/70 vs 48/80,
    # method 10 interval 0.0524 to 0.3339.
    d, low, high = newcombe_difference(56, 70, 48, 80, 0.95)
    assert d == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    assert all(math.isnan(v) for v in newcombe_difference(3, 5, 0, 0, 0.95))


def hand_made() -> pd.DataFrame:
    """10 respondents and 2 non-respondents: agreement flags per driver."""
    merged = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0]
    peripheral = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    q9 = [1, 1, 1, 0, None, 1, 0, 0, 1, 0, 1, 1]
    q10 = [1, 1, 0, 0, 0, 0, 0, None, 1, 0, 1, 1]
    q11 = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    return pd.DataFrame(
        {
            "code": range(101, 113),
            "responded": [1] * 10 + [0, 0],
            "merged": merged,
            "peripheral": peripheral,
            "reform_enabled_agrees": pd.array(q9, dtype="Int64"),
            "crisis_international_agrees": pd.array(q10, dtype="Int64"),
            "state_no_longer_helps_agrees": pd.array(q11, dtype="Int64"),
        }
    )


def test_drivers_table_counts_and_intervals(settings, questions):
    table = drivers(hand_made(), questions, settings, ORIGIN)
    assert list(table.columns) == COLUMNS
    assert list(table["question"]) == ["Q9"] * 4 + ["Q10"] * 4 + ["Q11"] * 4
    assert list(table["group"]) == (
        ["all", "merged", "not merged", "merged - not merged"]
        + ["all", "peripheral", "other", "peripheral - other"] * 2
    )
    rows = table.set_index(["item", "group"])
    # Q9: non-respondents and the unknown answer left out; merged 4 of 5, not merged 1 of 4.
    q9 = rows.loc["reform_enabled"]
    assert (q9.loc["all", "count"], q9.loc["all", "n"]) == (5, 9)
    assert (q9.loc["merged", "count"], q9.loc["merged", "n"]) == (4, 5)
    assert (q9.loc["not merged", "count"], q9.loc["not merged", "n"]) == (1, 4)
    assert (q9.loc["merged", "ci_low"], q9.loc["merged", "ci_high"]) == stats.wilson(4, 5, 0.95)
    difference = q9.loc["merged - not merged"]
    assert pd.isna(difference["count"]) and difference["n"] == 9
    assert (difference["estimate"], difference["ci_low"], difference["ci_high"]) == pytest.approx(
        newcombe_difference(4, 5, 1, 4, 0.95)
    )
    assert difference["estimate"] == pytest.approx(0.8 - 0.25)
    # Q10 and Q11 by peripherality: peripheral 2 of 3 (Q10), 1 of 3 (Q11).
    assert rows.loc[("crisis_international", "peripheral"), "count"] == 2
    assert rows.loc[("crisis_international", "other"), "n"] == 6
    assert rows.loc[("state_no_longer_helps", "peripheral - other"), "estimate"] == pytest.approx(
        1 / 3 - 0
    )
    assert set(table["quantity"]) == {"share", "difference"}
    assert table["definition"].str.contains("Ved ikke' counted as: missing").all()
    assert (
        table.loc[table["quantity"] == "difference", "definition"]
        .str.contains("association")
        .all()
    )


def test_an_empty_group_gives_no_difference(settings, questions):
    frame = hand_made().assign(peripheral=0)
    rows = drivers(frame, questions, settings, ORIGIN).set_index(["item", "group"])
    assert rows.loc[("crisis_international", "peripheral"), "n"] == 0
    assert math.isnan(rows.loc[("crisis_international", "peripheral - other"), "estimate"])
    assert math.isnan(rows.loc[("crisis_international", "peripheral - other"), "ci_low"])


# ------------------------------------------------------------------ the grouping is config


def test_the_shipped_grouping_is_the_configs(settings):
    assert [(d.item, d.question, d.compare, d.labels) for d in settings.drivers] == [
        ("reform_enabled", "reform_enabled_degree", "merged", ("merged", "not merged")),
        (
            "crisis_international",
            "crisis_international_degree",
            "peripheral",
            ("peripheral", "other"),
        ),
        (
            "state_no_longer_helps",
            "state_no_longer_helps_agreement",
            "peripheral",
            ("peripheral", "other"),
        ),
    ]


def test_a_changed_config_changes_what_is_compared(config, settings, questions):
    """Q9 by peripherality and Q11 by merger status, under other names, Q10 left
    out, Q11 first: the table follows the config, not the code."""
    import copy

    changed = copy.deepcopy(config)
    changed["analysis"]["drivers"] = {
        "state_no_longer_helps": {"compare": "merged", "labels": ["fused", "unfused"]},
        "reform_enabled": {"compare": "peripheral", "labels": ["rural", "the rest"]},
    }
    validate(changed, SCHEMA)
    values = {**changed["derive"], **changed["analysis"]}
    other = DriverSettings.from_values({key: values[key] for key in DRIVER_KEYS})
    table = drivers(hand_made(), questions, other, ORIGIN)
    assert list(table["question"]) == ["Q11"] * 4 + ["Q9"] * 4
    assert list(table["group"]) == [
        "all",
        "fused",
        "unfused",
        "fused - unfused",
        "all",
        "rural",
        "the rest",
        "rural - the rest",
    ]
    assert list(table["comparison"]) == ["merged"] * 4 + ["peripheral"] * 4
    rows = table.set_index(["item", "group"])
    # Q9 by peripherality: peripheral (rows 1-3) 3 of 3 agree; other 2 of 6 known.
    assert (
        rows.loc[("reform_enabled", "rural"), "count"],
        rows.loc[("reform_enabled", "rural"), "n"],
    ) == (3, 3)
    assert (
        rows.loc[("reform_enabled", "the rest"), "count"],
        rows.loc[("reform_enabled", "the rest"), "n"],
    ) == (2, 6)
    assert rows.loc[("reform_enabled", "rural - the rest"), "estimate"] == pytest.approx(1 - 2 / 6)
    # Q11 by merger status: merged (rows 1-6) 1 of 6, not merged 0 of 4.
    assert rows.loc[("state_no_longer_helps", "fused - unfused"), "estimate"] == pytest.approx(
        1 / 6
    )
    assert (
        "merged = formed from more than one"
        in rows.loc[("state_no_longer_helps", "fused"), "definition"]
    )
    # The shipped settings on the same data compare differently.
    shipped = drivers(hand_made(), questions, settings, ORIGIN)
    assert list(shipped["group"]) != list(table["group"])


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            {"crisis_internationl": {"compare": "peripheral", "labels": ["a", "b"]}},
            "unknown driver item",
        ),
        (
            {"reform_enabled": {"compare": "region", "labels": ["a", "b"]}},
            "cannot compare by this column",
        ),
        (
            {"reform_enabled": {"compare": "merged", "labels": ["merged"]}},
            "two different group names",
        ),
        (
            {"reform_enabled": {"compare": "merged", "labels": ["same", "same"]}},
            "two different group names",
        ),
        ({"reform_enabled": {"compare": "merged"}}, "needs exactly the keys compare and labels"),
        ({}, "at least one driver question"),
    ],
)
def test_a_bad_drivers_config_is_refused_by_schema_and_code(config, entry, message):
    import copy

    broken = copy.deepcopy(config)
    broken["analysis"]["drivers"] = entry
    with pytest.raises(WorkflowError):
        validate(broken, SCHEMA)
    values = {**broken["derive"], **broken["analysis"]}
    with pytest.raises(InputError) as caught:
        DriverSettings.from_values({key: values[key] for key in DRIVER_KEYS})
    text = str(caught.value)
    assert message in text and "analysis.drivers" in text, text


def test_a_missing_drivers_section_is_refused_by_the_schema(config):
    import copy

    broken = copy.deepcopy(config)
    del broken["analysis"]["drivers"]
    with pytest.raises(WorkflowError) as caught:
        validate(broken, SCHEMA)
    assert "drivers" in str(caught.value)


def test_a_comparison_missing_from_the_derived_table_is_named(settings, questions):
    with pytest.raises(InputError) as caught:
        drivers(hand_made().drop(columns="merged"), questions, settings, ORIGIN)
    assert "drivers.reform_enabled.compare" in str(caught.value)
    assert "'merged'" in str(caught.value)


def test_a_questionnaire_without_the_question_is_named(derive_settings, questionnaire):
    without = dataclasses.replace(
        questionnaire,
        fields=tuple(f for f in questionnaire.fields if f.name != "crisis_international_degree"),
    )
    with pytest.raises(InputError) as caught:
        derive_settings.check(without)
    assert "'crisis_international_agree_labels'" in str(caught.value)
    assert "crisis_international_degree" in str(caught.value)
