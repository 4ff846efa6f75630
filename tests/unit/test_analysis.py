"""The analyses: each function on small hand-made tables (columns, row order,
zeros kept, the cut-off honoured), and parameter recovery on the committed
synthetic export against the generator's true parameters."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from scipy import stats as scipy_stats

from udsyn.analysis import claims, stats
from udsyn.analysis.claims import AnalysisSettings
from udsyn.clean.cleaning import clean_export
from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.derive.derivation import derive_municipalities
from udsyn.synthetic import generator

ORIGIN = "synthetic"
CONTRACT_COLUMNS = {
    "headline": [
        "data_origin",
        "definition_key",
        "weighting",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "published_share",
        "interval_method",
        "definition",
    ],
    "weights": [
        "data_origin",
        "code",
        "region",
        "size_class",
        "merged",
        "peripheral",
        "capital",
        "weighting_categories",
        "weight",
    ],
    "initiative_periods": [
        "data_origin",
        "period_order",
        "period",
        "initiative_type",
        "type_english",
        "count",
        "n",
        "estimate",
        "ci_low",
        "ci_high",
        "definition",
    ],
    "reform": [
        "data_origin",
        "model",
        "outcome",
        "term",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "scale",
        "covariance",
        "definition",
    ],
    "crisis": [
        "data_origin",
        "cutoff_year",
        "quantity",
        "group",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "definition",
    ],
    "capital": ["data_origin", "quantity", "estimate", "ci_low", "ci_high", "n", "definition"],
    "representativeness": [
        "data_origin",
        "dimension",
        "category",
        "n_register",
        "n_responded",
        "estimate",
        "ci_low",
        "ci_high",
        "register_share",
        "respondent_share",
        "definition",
    ],
    "robustness": [
        "data_origin",
        "check",
        "variant",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "definition",
    ],
}


@pytest.fixture(scope="module")
def settings(config) -> AnalysisSettings:
    return AnalysisSettings.from_config(config["analysis"], config["derive"])


@pytest.fixture(scope="module")
def purposes(questionnaire) -> list[tuple[str, str]]:
    return [(p.key, p.english) for p in questionnaire.purposes]


def municipalities(rows: list[dict]) -> pd.DataFrame:
    """A derived municipalities table: register facts and survey values per row."""
    defaults = {
        "region": "Hovedstaden",
        "size_class": "20,000-39,999",
        "responded": 1,
        "peripheral": 0,
        "capital": 0,
        "merged": 0,
        "population_2007": 30_000,
        "business_focus_purpose": np.nan,
        "business_focus_likert": np.nan,
        "international_fte": np.nan,
    }
    frame = pd.DataFrame([{**defaults, "code": 1000 + i, **row} for i, row in enumerate(rows)])
    frame["log_population_2007"] = np.log(frame["population_2007"])
    frame["business_focus"] = frame["business_focus_purpose"]
    return frame


def initiatives(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["municipality_code", "initiative_type", "start_year"])


# ------------------------------------------------------------------ settings


def test_settings_come_from_config(settings, config):
    assert settings.confidence_level == config["analysis"]["confidence_level"]
    assert settings.crisis_cutoff_year == config["derive"]["crisis_cutoff_year"]
    assert settings.size_labels == tuple(config["derive"]["size_labels"])
    assert settings.crisis_cutoffs() == sorted(
        {config["derive"]["crisis_cutoff_year"], *config["analysis"]["robustness_crisis_cutoffs"]}
    )


# ------------------------------------------------------------------ 1. headline

SMALL, MEDIUM = "under 20,000", "20,000-39,999"


def headline_frame() -> pd.DataFrame:
    return municipalities(
        [
            {"size_class": SMALL, "business_focus_purpose": 1, "business_focus_likert": 1},
            {"size_class": SMALL, "business_focus_purpose": 0, "business_focus_likert": np.nan},
            {"size_class": MEDIUM, "business_focus_purpose": 1, "business_focus_likert": 1},
            {"size_class": MEDIUM, "business_focus_purpose": 0, "business_focus_likert": 0},
            {"size_class": MEDIUM, "responded": 0},
        ]
    )


def test_headline_rows_unweighted_and_post_stratified_by_hand(settings, config):
    table = claims.headline(headline_frame(), settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["headline"]
    assert list(zip(table["definition_key"], table["weighting"])) == [
        ("purpose", "unweighted"),
        ("purpose", "weighted"),
        ("likert", "unweighted"),
        ("likert", "weighted"),
    ]
    assert (table["data_origin"] == ORIGIN).all()
    assert (table["published_share"] == config["analysis"]["published_headline_share"]).all()
    purpose = table.iloc[0]
    assert (purpose["estimate"], purpose["n"]) == (0.5, 4)
    assert (purpose["ci_low"], purpose["ci_high"]) == pytest.approx(stats.wilson(2, 4, 0.95))
    weighted = table.iloc[1]
    assert (
        weighted["n"] == 4 and 0 < weighted["ci_low"] < weighted["estimate"] < weighted["ci_high"]
    )
    assert "finite-population correction" in weighted["interval_method"]
    assert "superpopulation" in weighted["definition"]
    for key in config["derive"]["business_purposes"]:
        assert key in purpose["definition"]
    assert "configured headline" in purpose["definition"]


def test_poststratification_weights(settings):
    frame = municipalities(
        [
            {"region": "Sjælland", "size_class": MEDIUM},
            {"region": "Sjælland", "size_class": MEDIUM},
            {"region": "Hovedstaden", "size_class": MEDIUM},
            {"region": "Hovedstaden", "size_class": MEDIUM, "responded": 0},
            {"region": "Hovedstaden", "size_class": MEDIUM},
            {"region": "Hovedstaden", "size_class": SMALL},
            {"region": "Hovedstaden", "size_class": SMALL},
            {"region": "Hovedstaden", "size_class": "100,000 and over", "responded": 0},
        ]
    )
    weights = claims.poststratification_weights(frame, settings, ORIGIN)
    # region alphabetical, then configured size order (not alphabetical: "2" < "u")
    assert list(weights["cell"]) == [
        "Hovedstaden | under 20,000",
        f"Hovedstaden | {MEDIUM} + 100,000 and over",
        f"Sjælland | {MEDIUM}",
    ]
    large = weights[weights["size_classes"].str.contains("100,000")].iloc[0]
    # the empty largest class joins the nearest class that has respondents
    assert large["size_classes"] == f"{MEDIUM} + 100,000 and over"
    assert (large["n_register"], large["n_respondents"]) == (4, 2)
    assert weights["n_register"].sum() == len(frame)
    assert weights["population_share"].sum() == pytest.approx(1)
    respondents = frame["responded"].sum()
    assert (weights["weight"] * weights["n_respondents"]).sum() == pytest.approx(respondents)
    assert large["weight"] == pytest.approx((4 / 8) / (2 / respondents))


def test_weights_order_is_region_then_size(settings):
    frame = municipalities(
        [
            {"region": "Syddanmark", "size_class": MEDIUM},
            {"region": "Syddanmark", "size_class": SMALL},
            {"region": "Midtjylland", "size_class": MEDIUM},
        ]
    ).assign(business_focus_purpose=1, business_focus_likert=1)
    weights = claims.poststratification_weights(frame, settings, ORIGIN)
    assert list(weights["cell"]) == [
        f"Midtjylland | {MEDIUM}",
        f"Syddanmark | {SMALL}",
        f"Syddanmark | {MEDIUM}",
    ]


# ------------------------------------------------------------------ 2. initiative periods

INITIATIVES = initiatives(
    [
        (101, "twin_towns", 1995),
        (101, "business", 2008),
        (102, "business", 2010),
        (102, "labour", 2009),
        (102, "eu_funding", np.nan),
    ]
)


def test_initiative_periods_every_period_and_type(settings, purposes):
    table = claims.initiative_periods(INITIATIVES, purposes, settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["initiative_periods"]
    assert len(table) == 3 * len(purposes)
    assert list(table["period"].unique()) == ["before 2007", "2007-2008", "2009 on"]
    assert list(table["period_order"].unique()) == [1, 2, 3]
    assert list(table["initiative_type"].iloc[: len(purposes)]) == [k for k, _ in purposes]
    by = table.set_index(["period", "initiative_type"])
    assert by.loc[("2009 on", "business"), "count"] == 1
    assert by.loc[("2009 on", "business"), "n"] == 2
    assert by.loc[("2009 on", "business"), "estimate"] == 0.5
    assert by.loc[("2009 on", "twin_towns"), "count"] == 0  # zeros kept
    assert by.loc[("2009 on", "twin_towns"), "ci_high"] == pytest.approx(
        stats.wilson(0, 2, 0.95)[1]
    )
    assert by.loc[("2007-2008", "business"), "n"] == 1
    assert table["n"].groupby(table["period"]).first().sum() == 4  # the undated one is left out


def test_initiative_periods_honour_the_cutoff(settings, purposes):
    moved = dataclasses.replace(settings, crisis_cutoff_year=2008)
    table = claims.initiative_periods(INITIATIVES, purposes, moved, ORIGIN)
    assert list(table["period"].unique()) == ["before 2007", "2007", "2008 on"]
    by = table.set_index(["period", "initiative_type"])
    assert by.loc[("2008 on", "business"), "count"] == 2
    with pytest.raises(InputError, match="crisis_cutoff_year"):
        claims.initiative_periods(
            INITIATIVES, purposes, dataclasses.replace(settings, crisis_cutoff_year=2007), ORIGIN
        )


def test_initiative_periods_refuse_an_unknown_type(settings, purposes):
    with pytest.raises(InputError, match="codebook"):
        claims.initiative_periods(initiatives([(101, "space", 2010)]), purposes, settings, ORIGIN)


# ------------------------------------------------------------------ 3. reform


def reform_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 40
    population = np.round(np.exp(rng.uniform(9, 12, n)))
    merged = (np.arange(n) % 3 != 0).astype(int)
    focus = (rng.random(n) < 0.6).astype(float)
    frame = municipalities(
        [
            {"population_2007": p, "merged": m, "business_focus_purpose": f}
            for p, m, f in zip(population, merged, focus)
        ]
    )
    frame["n_purposes"] = rng.integers(0, 6, n).astype(float)
    frame["fte_per_10k"] = rng.uniform(0, 2, n)
    frame.loc[0, "fte_per_10k"] = np.nan
    frame.loc[1, "responded"] = 0
    return frame


def test_reform_models_terms_and_samples(settings):
    frame = reform_frame()
    table = claims.reform(frame, settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["reform"]
    assert list(table["model"]) == [
        m for m in ("logit_business_focus", "ols_n_purposes", "ols_fte_per_10k") for _ in range(3)
    ]
    assert list(table["term"]) == ["const", "log_population_2007", "merged"] * 3
    assert list(table["n"]) == [39] * 6 + [38] * 3
    assert (table["covariance"] == settings.robust_covariance).all()
    assert list(table["scale"].unique())[:2] == ["log-odds", "count"]
    data = frame[frame["responded"] == 1]
    x = stats.design(data, ["log_population_2007", "merged"])
    ols = stats.fit_ols(data["n_purposes"], x, settings.robust_covariance)
    rows = table[table["model"] == "ols_n_purposes"]
    assert rows["estimate"].to_numpy() == pytest.approx(ols.params)
    assert rows["std_error"].to_numpy() == pytest.approx(ols.std_errors())
    logit = stats.fit_logit(data["business_focus"], x, settings.robust_covariance)
    assert table["estimate"].iloc[:3].to_numpy() == pytest.approx(logit.params)


@pytest.mark.parametrize(
    "outcome, why",
    [
        ("constant", "does not vary"),  # every respondent has a business focus
        ("merged", "separate the outcome"),  # focus = merged: perfect separation
        ("quasi", "separate the outcome"),  # no non-merged respondent has a focus
    ],
)
def test_a_reform_logit_without_a_finite_estimate_is_not_estimable(settings, outcome, why):
    """Statsmodels returns huge coefficients with tiny standard errors for these
    (merged 48.4, p = 0): the rows stay empty and the definition says why; the
    other models are estimated as before."""
    frame = reform_frame()
    focus = {
        "constant": pd.Series(1, index=frame.index),
        "merged": frame["merged"],
        "quasi": frame["merged"] * frame["business_focus"].fillna(0),
    }[outcome]
    if outcome == "quasi":
        focus.iloc[frame.index[frame["merged"] == 1][:3]] = [0, 1, 1]
    frame["business_focus"] = focus.astype(float)
    table = claims.reform(frame, settings, ORIGIN)
    logit = table[table["model"] == "logit_business_focus"]
    assert list(logit["term"]) == ["const", "log_population_2007", "merged"]
    assert logit[["estimate", "std_error", "ci_low", "ci_high", "p_value"]].isna().all().all()
    assert logit["definition"].str.contains(f"not estimable: .*{why}").all()
    assert table[table["model"] != "logit_business_focus"]["estimate"].notna().all()
    with pytest.raises(stats.NotEstimable):
        data = frame[frame["responded"] == 1]
        stats.fit_logit(
            data["business_focus"],
            stats.design(data, ["log_population_2007", "merged"]),
            settings.robust_covariance,
        )


def test_a_reform_model_with_no_known_outcome_is_not_estimable(settings):
    frame = reform_frame()
    frame["fte_per_10k"] = np.nan
    table = claims.reform(frame, settings, ORIGIN)
    fte = table[table["model"] == "ols_fte_per_10k"]
    assert fte["estimate"].isna().all() and (fte["n"] == 0).all()
    assert fte["definition"].str.contains("not estimable: 0 respondents").all()


# ------------------------------------------------------------------ 4. crisis


def crisis_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = municipalities(
        [{"code": c, "peripheral": p} for c, p in ((1, 1), (2, 1), (3, 0), (4, 0), (5, 0))]
    )
    dated = initiatives(
        [
            (1, "business", 2010),
            (1, "twin_towns", 2005),
            (2, "labour", 2011),
            (2, "twin_towns", 2003),
            (2, "eu_funding", 2000),
            (3, "business", 2012),
            (3, "twin_towns", 2001),
            (3, "eu_funding", 2002),
            (3, "twin_towns", 2004),
            (4, "twin_towns", 2006),
            (4, "climate", 2007),
            (4, "other", np.nan),
        ]
    )
    return frame, dated


def test_crisis_by_hand(settings):
    frame, dated = crisis_inputs()
    table = claims.crisis(frame, dated, settings, 2009, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["crisis"]
    assert list(zip(table["quantity"], table["group"])) == [
        ("share_post_crisis", "peripheral"),
        ("share_post_crisis", "other"),
        ("difference", "peripheral - other"),
        ("odds_ratio", "peripheral vs other"),
        ("rate_ratio", "peripheral vs other"),
    ]
    assert (table["cutoff_year"] == 2009).all()
    estimate = dict(zip(table["quantity"] + "/" + table["group"], table["estimate"]))
    assert estimate["share_post_crisis/peripheral"] == pytest.approx(2 / 5)
    assert estimate["share_post_crisis/other"] == pytest.approx(1 / 6)
    assert estimate["difference/peripheral - other"] == pytest.approx(2 / 5 - 1 / 6)
    assert estimate["odds_ratio/peripheral vs other"] == pytest.approx((2 / 3) / (1 / 5))
    assert estimate["rate_ratio/peripheral vs other"] == pytest.approx((2 / 5) / (1 / 6))
    assert list(table["n"]) == [5, 6, 11, 11, 4]
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    # the shares' intervals are the clustered logit's, back-transformed
    x = stats.design(
        dated.dropna().assign(peripheral=lambda d: (d["municipality_code"] <= 2).astype(int)),
        ["peripheral"],
    )
    post = (dated.dropna()["start_year"] >= 2009).astype(int)
    fit = stats.fit_logit(post, x, "cluster", groups=dated.dropna()["municipality_code"])
    eta, se = fit.linear_combination([1, 0])
    z = scipy_stats.norm.ppf(0.975)
    assert table.loc[1, "ci_low"] == pytest.approx(stats.expit(eta - z * se))


def test_crisis_honours_the_cutoff(settings):
    frame, dated = crisis_inputs()
    table = claims.crisis(frame, dated, settings, 2006, ORIGIN).set_index(["quantity", "group"])
    assert table.loc[("share_post_crisis", "other"), "estimate"] == pytest.approx(3 / 6)
    assert table.loc[("share_post_crisis", "peripheral"), "estimate"] == pytest.approx(2 / 5)
    assert (table["cutoff_year"] == 2006).all()
    assert "2006" in table.loc[("odds_ratio", "peripheral vs other"), "definition"]


def test_crisis_without_variation_leaves_the_intervals_empty(settings):
    frame, dated = crisis_inputs()
    table = claims.crisis(frame, dated, settings, 2013, ORIGIN)  # no start >= 2013 at all
    assert table.loc[0, "estimate"] == 0
    assert table[["ci_low", "ci_high"]].isna().all().all()
    assert table.loc[4, "estimate"] != table.loc[4, "estimate"]  # rate ratio: no estimate
    # every empty row says why, naming the group and the cut-off
    for definition in table["definition"]:
        assert "not estimable:" in definition and "2013" in definition, definition
    assert "none of the peripheral municipalities' dated initiatives" in table.loc[2, "definition"]
    assert "no peripheral or other municipality" in table.loc[4, "definition"]


def test_crisis_with_one_group_at_zero_keeps_the_other_groups_interval(settings):
    """At 2012 no peripheral initiative starts on or after the cut-off (share 0):
    the difference and odds ratio have no finite logit estimate and say so, the
    other group's share (1 of 6) keeps an interval from its own clustered logit."""
    frame, dated = crisis_inputs()
    table = claims.crisis(frame, dated, settings, 2012, ORIGIN)
    table = table.set_index(["quantity", "group"])
    peripheral = table.loc[("share_post_crisis", "peripheral")]
    other = table.loc[("share_post_crisis", "other")]
    assert peripheral["estimate"] == 0 and pd.isna(peripheral["ci_low"])
    assert "not estimable: none of the peripheral" in peripheral["definition"]
    assert other["estimate"] == pytest.approx(1 / 6)
    assert other["ci_low"] < 1 / 6 < other["ci_high"]
    assert "in this group alone" in other["definition"]
    assert "not estimable" not in other["definition"]
    part = dated.dropna()
    part = part[part["municipality_code"] >= 3]
    fit = stats.fit_logit(
        (part["start_year"] >= 2012).astype(int),
        stats.design(part, []),
        "cluster",
        groups=part["municipality_code"],
    )
    eta, se = fit.linear_combination([1])
    z = scipy_stats.norm.ppf(0.975)
    assert other["ci_high"] == pytest.approx(stats.expit(eta + z * se))
    for quantity in ("difference", "odds_ratio", "rate_ratio"):
        row = table.xs(quantity, level="quantity").iloc[0]
        assert pd.isna(row["ci_low"]) and pd.isna(row["ci_high"]), quantity
        assert "not estimable:" in row["definition"] and "peripheral" in row["definition"]
    assert table.loc[("difference", "peripheral - other"), "estimate"] == pytest.approx(-1 / 6)


# ------------------------------------------------------------------ 5. capital


def capital_frame(settings) -> pd.DataFrame:
    """FTE = exp(-8) * population^0.9 times a small alternating wobble; the capital x 3."""
    population = [10_000, 20_000, 30_000, 45_000, 60_000, 80_000, 120_000, 200_000]
    wobble = [1.02, 0.98] * 4
    rows = [
        {"population_2007": p, "international_fte": math.exp(-8) * p**0.9 * w}
        for p, w in zip(population, wobble)
    ]
    rows += [
        {"population_2007": 15_000, "international_fte": 0.0},
        {"population_2007": 50_000, "responded": 0},
        {
            "code": settings.capital_code,
            "capital": 1,
            "population_2007": 500_000,
            "international_fte": 3 * math.exp(-8) * 500_000**0.9,
        },
    ]
    return municipalities(rows)


def test_capital_line_and_the_capital_against_it(settings):
    table = claims.capital(capital_frame(settings), settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["capital"]
    assert list(table["quantity"]) == [
        "elasticity",
        "intercept",
        "capital_ratio",
        "capital_fte",
        "capital_rank",
    ]
    q = table.set_index("quantity")
    assert q.loc["elasticity", "estimate"] == pytest.approx(0.9, abs=0.01)
    assert q.loc["intercept", "estimate"] == pytest.approx(-8, abs=0.15)
    assert q.loc["elasticity", "n"] == 8  # zero FTE, non-respondent and capital left out
    assert q.loc["capital_ratio", "estimate"] == pytest.approx(3, rel=0.03)
    assert q.loc["capital_ratio", "ci_low"] < 3 < q.loc["capital_ratio", "ci_high"]
    assert q.loc["capital_fte", "estimate"] == pytest.approx(3 * math.exp(-8) * 500_000**0.9)
    assert q.loc["capital_rank", "estimate"] == 1 and q.loc["capital_rank", "n"] == 10
    assert q.loc[["capital_fte", "capital_rank"], ["ci_low", "ci_high"]].isna().all().all()


def test_capital_without_an_answer(settings):
    frame = capital_frame(settings)
    frame.loc[frame["capital"] == 1, "responded"] = 0
    q = claims.capital(frame, settings, ORIGIN).set_index("quantity")
    assert q.loc[["capital_ratio", "capital_fte", "capital_rank"], "estimate"].isna().all()


def test_capital_with_no_known_fte_is_not_estimable_not_a_crash(settings):
    """Q6 left out of the export, or every answer unparseable: no line to fit."""
    frame = capital_frame(settings)
    frame["international_fte"] = np.nan
    q = claims.capital(frame, settings, ORIGIN).set_index("quantity")
    assert q["estimate"].isna().all() and (q["n"] == 0).all()
    assert "not estimable: 0 respondents with FTE > 0" in q.loc["elasticity", "definition"]


# ------------------------------------------------------------------ 6. representativeness


def test_representativeness_rows_and_shares(settings):
    frame = municipalities(
        [
            {"region": "Sjælland", "size_class": SMALL},
            {"region": "Sjælland", "responded": 0},
            {"region": "Hovedstaden"},
            {"region": "Hovedstaden"},
        ]
    )
    table = claims.representativeness(frame, settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["representativeness"]
    assert list(table["dimension"]) == (
        ["region"] * 2
        + ["size_class"] * len(settings.size_labels)
        + ["merged"] * 2
        + ["peripheral"] * 2
        + ["capital"] * 2
        + ["all"]
    )
    assert list(table["category"]) == [
        "Hovedstaden",
        "Sjælland",
        *settings.size_labels,
        "no",
        "yes",
        "no",
        "yes",
        "no",
        "yes",
        "all",
    ]
    q = table.set_index("category")
    assert (q.loc["Sjælland", "n_register"], q.loc["Sjælland", "n_responded"]) == (2, 1)
    assert q.loc["Sjælland", "estimate"] == 0.5
    assert (q.loc["Sjælland", "ci_low"], q.loc["Sjælland", "ci_high"]) == pytest.approx(
        stats.wilson(1, 2, 0.95)
    )
    assert q.loc["Sjælland", "register_share"] == 0.5
    assert q.loc["Sjælland", "respondent_share"] == pytest.approx(1 / 3)
    assert q.loc["all", "estimate"] == 0.75 and q.loc["all", "register_share"] == 1
    empty = q.loc[settings.size_labels[-1]]  # a class without municipalities is kept
    assert empty["n_register"] == 0 and math.isnan(empty["estimate"])


# ------------------------------------------------------------------ robustness


def test_robustness_rows(settings):
    frame, dated = crisis_inputs()
    frame = frame.assign(business_focus_purpose=[1, 0, 1, 1, 0], business_focus_likert=1)
    frame["size_class"] = SMALL
    table = claims.robustness(frame, dated, settings, ORIGIN)
    assert list(table.columns) == CONTRACT_COLUMNS["robustness"]
    cutoffs = settings.crisis_cutoffs()
    assert list(zip(table["check"], table["variant"])) == (
        [("headline definition", "purpose"), ("headline definition", "likert")]
        + [("crisis cut-off", str(year)) for year in cutoffs]
    )
    assert table.loc[0, "estimate"] == pytest.approx(3 / 5)
    for position, year in enumerate(cutoffs, start=2):
        crisis = claims.crisis(frame, dated, settings, year, ORIGIN)
        assert table.loc[position, "estimate"] == crisis.loc[2, "estimate"]
        assert table.loc[position, "ci_low"] == crisis.loc[2, "ci_low"]


# ------------------------------------------------------------------ the committed synthetic export


@pytest.fixture(scope="module")
def synthetic_results(
    tmp_path_factory,
    config,
    questionnaire,
    register,
    aliases,
    cleaning_settings,
    derive_settings,
    settings,
    purposes,
    shipped_export,
):
    """The pipeline's functions from data/raw to the analysis tables, through
    CSV files written and read as the rules do (no `make` needed)."""
    survey = config["survey"]
    clean = clean_export(
        shipped_export.dataset,
        shipped_export.labels,
        register,
        aliases,
        questionnaire,
        cleaning_settings,
        dataset_file=survey["dataset"],
        register_file="register",
        aliases_file="aliases",
        data_origin=ORIGIN,
    )
    folder = tmp_path_factory.mktemp("synthetic")
    derived = derive_municipalities(
        register, clean.respondents, clean.initiatives, questionnaire, derive_settings, ORIGIN
    )
    files.write_table(derived, folder / "municipalities.csv")
    files.write_table(clean.initiatives, folder / "initiatives.csv")
    frame = files.read_table(folder / "municipalities.csv")
    dated = files.read_table(folder / "initiatives.csv")
    headline = claims.headline(frame, settings, ORIGIN)
    weights, _, _ = claims.weights_tables(frame, settings, ORIGIN)
    return {
        "municipalities": frame,
        "initiatives": dated,
        "headline": headline,
        "weights": weights,
        "initiative_periods": claims.initiative_periods(dated, purposes, settings, ORIGIN),
        "reform": claims.reform(frame, settings, ORIGIN),
        "crisis": claims.crisis(frame, dated, settings, settings.crisis_cutoff_year, ORIGIN),
        "capital": claims.capital(frame, settings, ORIGIN),
        "representativeness": claims.representativeness(frame, settings, ORIGIN),
        "robustness": claims.robustness(frame, dated, settings, ORIGIN),
    }


@pytest.fixture(scope="module")
def truth() -> dict:
    return files.read_yaml(ROOT / "config" / "synthetic.yaml")


@pytest.fixture(scope="module")
def covariates(truth) -> pd.DataFrame:
    """The generator's covariates (z, merged, peripheral, ...) by municipality code."""
    rows = files.read_text_table(ROOT / "data/raw/register/municipalities.csv").to_dict("records")
    values = generator.municipality_covariates(rows, truth)
    return pd.DataFrame(values, index=[int(r["code"]) for r in rows])


def test_synthetic_tables_keep_the_contract(synthetic_results, tmp_path):
    for name, columns in CONTRACT_COLUMNS.items():
        table = synthetic_results[name]
        assert list(table.columns) == columns, name
        assert (table["data_origin"] == ORIGIN).all(), name
        if "estimate" in table:
            finite = table.dropna(subset=["ci_low", "ci_high"])
            assert (
                (finite["ci_low"] <= finite["estimate"])
                & (finite["estimate"] <= finite["ci_high"])
            ).all(), name
            assert table["definition"].str.len().gt(20).all(), name
        first, second = tmp_path / f"{name}-1.csv", tmp_path / f"{name}-2.csv"
        files.write_table(table, first)
        files.write_table(table.copy(), second)
        assert first.read_bytes() == second.read_bytes()


def test_synthetic_tables_are_the_same_on_every_run(synthetic_results, settings):
    frame, dated = synthetic_results["municipalities"], synthetic_results["initiatives"]
    again = claims.robustness(frame, dated, settings, ORIGIN)
    pd.testing.assert_frame_equal(again, synthetic_results["robustness"])


def covers(row: pd.Series, value: float) -> bool:
    return row["ci_low"] <= value <= row["ci_high"]


def test_recovery_headline_share(synthetic_results, covariates, truth, config, derive_settings):
    """The expected share of responding municipalities that take part and name
    a business purpose, from the generator's own response, Q1 and Q2 models."""
    cov = covariates.to_dict("series")
    cov = {k: v.to_numpy() for k, v in cov.items()}
    responds = generator.logistic(generator.linear_predictor(truth["response"]["propensity"], cov))
    takes_part = generator.logistic(generator.linear_predictor(truth["takes_part"]["ja"], cov))
    business = generator.logistic(
        generator.linear_predictor(truth["purposes"]["business_any"], cov)
    )
    known = 1 - truth["takes_part"]["dont_know_rate"]
    # the generator's calibration target counts Q1 "Ved ikke" as not taking part ...
    calibrated = known * (responds * takes_part * business).sum() / responds.sum()
    assert round(calibrated, 2) == config["analysis"]["published_headline_share"]
    # ... the pipeline leaves it out ("missing"): the share among known answers
    assert derive_settings.dont_know_as == "missing"
    expected = (responds * takes_part * business).sum() / responds.sum()
    row = synthetic_results["headline"].iloc[0]
    assert (row["definition_key"], row["weighting"]) == ("purpose", "unweighted")
    assert covers(row, expected), (row["ci_low"], expected, row["ci_high"])
    assert covers(row, calibrated), (row["ci_low"], calibrated, row["ci_high"])


def test_recovery_crisis_odds_ratio_and_shares(synthetic_results, truth, settings):
    initiatives_truth = truth["initiatives"]
    # the generator's post-crisis years start at the configured cut-off: the same definition
    assert initiatives_truth["post_crisis_years"][0] == settings.crisis_cutoff_year
    table = synthetic_results["crisis"].set_index(["quantity", "group"])
    odds_ratio = initiatives_truth["post_crisis_odds_ratio_peripheral"]
    assert covers(table.loc[("odds_ratio", "peripheral vs other")], odds_ratio)
    baseline = initiatives_truth["post_crisis_probability"]
    odds = baseline / (1 - baseline) * odds_ratio
    assert covers(table.loc[("share_post_crisis", "other")], baseline)
    assert covers(table.loc[("share_post_crisis", "peripheral")], odds / (1 + odds))
    assert covers(table.loc[("difference", "peripheral - other")], odds / (1 + odds) - baseline)
    assert covers(table.loc[("rate_ratio", "peripheral vs other")], odds / (1 + odds) / baseline)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "At seed 20140335 the elasticity is 0.975 with 95% interval [0.812, 1.138]: the true 0.8 "
        "lies 0.012 below it. The estimator is unbiased for this process (see "
        "test_capital_elasticity_is_unbiased_under_the_generator); the miss is sampling variation "
        "(about 1.9 simulated standard deviations). Kept visible, not loosened: strict, so a "
        "change that makes it pass is noticed."
    ),
)
def test_recovery_fte_elasticity(synthetic_results, truth):
    row = synthetic_results["capital"].set_index("quantity").loc["elasticity"]
    assert covers(row, truth["fte"]["elasticity"]), (row["ci_low"], row["ci_high"])


def test_recovery_capital_factor(synthetic_results, truth):
    row = synthetic_results["capital"].set_index("quantity").loc["capital_ratio"]
    assert covers(row, truth["fte"]["capital_factor"])


def test_capital_elasticity_is_unbiased_under_the_generator(truth, covariates, settings):
    """The capital analysis on data drawn by the generator's own processes for
    response, taking part (Q6 is asked only then) and FTE (hurdle, noise,
    rounding to 0.5 / whole numbers), seeded: the mean elasticity is the true
    one within 4 Monte Carlo errors. (Missing FTE answers are drawn independently
    of everything, so they only shrink the sample and are left out here.)"""
    rng = np.random.default_rng(truth["seed"])
    cov = {k: v.to_numpy() for k, v in covariates.to_dict("series").items()}
    responds = generator.logistic(generator.linear_predictor(truth["response"]["propensity"], cov))
    takes_part = generator.logistic(generator.linear_predictor(truth["takes_part"]["ja"], cov))
    dont_know = truth["takes_part"]["dont_know_rate"]
    frame = municipalities([{"code": code, "population_2007": 1} for code in covariates.index])
    frame["log_population_2007"] = cov["log_population"]
    frame["capital"] = cov["capital"].astype(int)
    estimates = []
    for _ in range(200):
        n = len(frame)
        frame["responded"] = (rng.random(n) < responds).astype(int)
        asked = (rng.random(n) < takes_part) & (rng.random(n) >= dont_know)
        frame["international_fte"] = np.where(asked, generator.draw_fte(rng, cov, truth), np.nan)
        table = claims.capital(frame, settings, ORIGIN).set_index("quantity")
        estimates.append(table.loc["elasticity", "estimate"])
    estimates = np.array(estimates)
    error = estimates.std(ddof=1) / math.sqrt(len(estimates))
    assert abs(estimates.mean() - truth["fte"]["elasticity"]) < 4 * error


@pytest.mark.parametrize("term", ["intercept", "z", "merged", "peripheral"])
def test_recovery_business_purpose_model(synthetic_results, covariates, truth, settings, term):
    """The generator's own model of naming a business purpose among those taking
    part (Q2 is asked only then): logit on exactly its covariates."""
    coefficients = truth["purposes"]["business_any"]
    names = [name for name in coefficients if name != "intercept"]
    frame = synthetic_results["municipalities"]
    asked = frame[(frame["international"] == 1) & frame["business_focus_purpose"].notna()]
    data = covariates.loc[asked["code"], names].reset_index(drop=True)
    fit = stats.fit_logit(
        asked["business_focus_purpose"].reset_index(drop=True),
        stats.design(data, names),
        settings.robust_covariance,
    )
    rows = (
        fit.tidy(settings.confidence_level).set_index("term").rename(index={"const": "intercept"})
    )
    assert covers(rows.loc[term], coefficients[term]), rows.loc[term].to_dict()
    if term == "z":
        assert rows.loc["z", "estimate"] > 0


def test_a_rule_reads_only_the_settings_it_was_given(config):
    """Each analysis rule passes only the config values it uses (analysis.smk), so
    that editing another value does not rerun it; reading any other is an error."""
    values = {**config["derive"], **config["analysis"]}
    settings = AnalysisSettings.from_values(
        {"confidence_level": 0.9, "size_labels": values["size_labels"]}
    )
    assert settings.level_text == "90%" and isinstance(settings.size_labels, tuple)
    with pytest.raises(AttributeError, match="robust_covariance.*analysis.smk"):
        _ = settings.robust_covariance
