"""Non-response weights (udsyn.analysis.weighting): raking and IPW against an independent
post-stratification, Kish's effective n, the fallback rule (a failure never stops
the build), the weighted share's variance, the non-response tests, the item
missingness tables, and the coverage of the weighted headline interval on data
sets drawn by the generator with other seeds."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from jsonschema import ValidationError, validate

from udsyn.analysis import claims, weighting
from udsyn.analysis.claims import AnalysisSettings
from udsyn.core import files
from udsyn.synthetic import generator

ORIGIN = "synthetic"
SIZES = ("under 20,000", "20,000-39,999", "40,000-59,999", "60,000-99,999", "100,000 and over")


def settings_with(config, **weighting_values) -> AnalysisSettings:
    analysis_section = copy.deepcopy(config["analysis"])
    analysis_section["weighting"].update(weighting_values)
    return AnalysisSettings.from_config(analysis_section, config["derive"])


def frame(seed: int = 1, n: int = 60) -> pd.DataFrame:
    """A register of ``n`` municipalities with covariates and a response pattern
    that depends on them."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "code": np.arange(101, 101 + n),
            "region": rng.choice(["Hovedstaden", "Midtjylland", "Sjælland"], n),
            "size_class": rng.choice(SIZES[:4], n),
            "merged": rng.integers(0, 2, n),
            "peripheral": rng.integers(0, 2, n),
            "capital": 0,
            "log_population_2007": rng.normal(10.5, 0.5, n),
        }
    )
    data.loc[0, "capital"] = 1
    p = 0.5 + 0.3 * data["merged"]
    data["responded"] = (rng.random(n) < p).astype(int)
    data.loc[[0, 1, 2, 3], "responded"] = [1, 0, 1, 0]
    return data


@pytest.mark.parametrize("method", weighting.METHODS)
def test_one_margin_equals_post_stratification(method):
    """Raking (weightipy) or a saturated logit (statsmodels) on one covariate is
    post-stratification on it: weight N_h / n_h (an independent computation)."""
    data = frame()
    result = weighting.response_weights(data, method, ["region"], SIZES)
    assert (result.method, result.covariates, result.fallback) == (method, ("region",), [])
    responded = data[data["responded"] == 1]
    by_hand = data.groupby("region").size() / responded.groupby("region").size()
    expected = responded["region"].map(by_hand)
    np.testing.assert_allclose(result.weights.to_numpy(), expected.to_numpy(), rtol=1e-6)
    assert result.weights.sum() == pytest.approx(len(data))


def test_raking_meets_every_margin_and_effective_n_is_at_most_n():
    data = frame(2)
    result = weighting.response_weights(data, "raking", ["region", "size_class", "merged"], SIZES)
    assert result.covariates == ("region", "size_class", "merged")
    balance = pd.DataFrame(weighting.balance(data, result, SIZES))
    used = balance[balance["in_weighting"] == "yes"]
    np.testing.assert_allclose(used["weighted_value"], used["register_value"], atol=1e-6)
    assert used["smd_after"].abs().max() < 1e-5 < used["smd_before"].abs().max()
    w = result.weights.to_numpy()
    assert weighting.effective_n(w) <= len(w)
    assert weighting.kish_design_effect(w) >= 1
    assert weighting.effective_n(w) == pytest.approx(len(w) / weighting.kish_design_effect(w))
    assert weighting.effective_n(np.ones(7)) == pytest.approx(7)


def test_a_category_without_respondents_falls_back_by_the_rule():
    data = frame(3)
    data.loc[data["region"] == "Sjælland", "responded"] = 0  # no respondent: dropped
    data.loc[data["size_class"] == SIZES[0], "responded"] = 0  # merged into the next class
    result = weighting.response_weights(data, "raking", ["region", "size_class"], SIZES)
    assert result.covariates == ("size_class",)
    assert any("region dropped" in step for step in result.fallback)
    assert any(f"'{SIZES[0]}' merged into '{SIZES[1]}'" in step for step in result.fallback)
    assert result.weights.sum() == pytest.approx(len(data))


def test_ipw_drops_a_category_where_everyone_responded():
    data = frame(4)  # the capital responded: 100% in its category
    result = weighting.response_weights(data, "ipw", ["merged", "capital"], SIZES)
    assert result.covariates == ("merged",)
    assert "capital dropped" in result.fallback_text


def test_a_failing_method_ends_unweighted_and_is_recorded(monkeypatch, config):
    """Forced failure: the raking library raises; the build goes on unweighted and
    the summary and the headline say so."""

    def broken(*args, **kwargs):
        raise RuntimeError("forced failure")

    monkeypatch.setattr(weighting, "_rake", broken)
    data = frame(5).assign(business_focus_purpose=1.0, business_focus_likert=0.0)
    data.loc[data.index[::3], "business_focus_purpose"] = 0.0
    settings = settings_with(config, method="raking", covariates=["region", "merged"])
    result = weighting.response_weights(data, "raking", ["region", "merged"], SIZES)
    assert result.method == "unweighted" and result.covariates == ()
    assert [s.split(" failed")[0] for s in result.fallback[:2]] == [
        "raking on region, merged",
        "raking on region",
    ]
    assert np.allclose(result.weights, len(data) / data["responded"].sum())
    _, _, summary = claims.weights_tables(data, settings, ORIGIN)
    row = summary.iloc[0]
    assert row["method_used"] == "unweighted" and "forced failure" in row["fallback"]
    assert row["effective_n"] == pytest.approx(row["n_respondents"])
    table = claims.headline(data, settings, ORIGIN)
    weighted = table[table["weighting"] == "weighted"].iloc[0]
    unweighted = table[table["weighting"] == "unweighted"].iloc[0]
    assert weighted["estimate"] == pytest.approx(unweighted["estimate"])
    assert "fallback" in weighted["definition"]


def test_weighted_share_linearisation_variance_by_hand():
    y = pd.Series([1, 0, 1, 1, np.nan, 0])
    w = pd.Series([1.0, 2.0, 1.0, 3.0, 5.0, 1.0])
    share = weighting.weighted_share(y, w)
    yy, ww = np.array([1, 0, 1, 1, 0.0]), np.array([1, 2, 1, 3, 1.0])
    p = (ww * yy).sum() / ww.sum()
    # the ratio estimator's linearised variance: n/(n-1) sum (w_i (y_i - p))^2 / (sum w)^2
    variance = 5 / 4 * ((ww * (yy - p)) ** 2).sum() / ww.sum() ** 2
    assert (share.estimate, share.n) == (pytest.approx(p), 5)
    assert share.std_error == pytest.approx(math.sqrt(variance))
    # equal weights: p(1-p)/(n-1), the textbook with-replacement variance
    equal = weighting.weighted_share(pd.Series([1, 0, 1, 1]), pd.Series([2.0] * 4))
    assert equal.std_error**2 == pytest.approx(0.75 * 0.25 / 3)


def test_response_tests_are_fisher_and_reproducible(config):
    data = frame(6)
    settings = settings_with(config)
    table = claims.nonresponse_tests(data, settings, ORIGIN)
    assert list(table["covariate"]) == list(weighting.REGISTER_COVARIATES)
    from scipy import stats as scipy_stats

    merged = pd.crosstab(data["merged"], data["responded"]).to_numpy()[:, ::-1]
    assert table.set_index("covariate").loc["merged", "p_value"] == pytest.approx(
        scipy_stats.fisher_exact(merged).pvalue
    )
    again = claims.nonresponse_tests(data, settings, ORIGIN)
    pd.testing.assert_frame_equal(table, again)  # the Monte Carlo p-values are seeded


def test_item_missingness_and_sensitivity_bounds(config):
    settings = settings_with(config)
    data = frame(7, n=40).assign(
        international=1.0, business_focus_purpose=1.0, business_focus_likert=1.0
    )
    data["fte_per_10k"] = np.where(np.arange(40) % 4 == 0, np.nan, np.arange(40) / 10)
    data["international_fte"] = data["fte_per_10k"]
    rng = np.random.default_rng(0)
    dated = pd.DataFrame(
        {
            "municipality_code": rng.choice(data["code"], 80),
            "initiative_type": "business",
            "start_year": rng.choice([2000, 2005, 2009, 2011, np.nan], 80),
        }
    )
    items = claims.item_missingness(data, dated, settings, ORIGIN).set_index("variable")
    respondents = data[data["responded"] == 1]
    assert items.loc["international_fte", "n_units"] == len(respondents)
    assert items.loc["international_fte", "n_missing"] == respondents["fte_per_10k"].isna().sum()
    assert items.loc["start_year", "n_missing"] == dated["start_year"].isna().sum()
    table = claims.missingness_sensitivity(data, dated, settings, ORIGIN)
    fte = table[table["quantity"] == "fte_intensity"].set_index("scenario")["estimate"]
    assert fte["lower bound"] <= fte["known answers"] <= fte["upper bound"]
    crisis = table[table["quantity"] == "crisis_difference"].set_index("scenario")["estimate"]
    assert crisis["lower bound"] <= crisis["known years"] <= crisis["upper bound"]


def test_the_schema_checks_the_weighting_section(config):
    schema = files.read_yaml(ROOT / "workflow" / "schemas" / "config.schema.yaml")
    validate(config, schema)
    for bad in (
        {"method": "magic", "covariates": ["region"]},
        {"method": "raking", "covariates": ["shoe_size"]},
        {"method": "raking"},
    ):
        wrong = copy.deepcopy(config)
        wrong["analysis"]["weighting"] = bad
        with pytest.raises(ValidationError):
            validate(wrong, schema)


# ------------------------------------------------------------------ coverage by simulation

COVERAGE_SEEDS = (11, 12, 13, 14, 15, 16)


def simulated_headline(seed, context, settings, folder):
    """The weighted headline on the export the generator draws with ``seed``, and
    the generator's population share (the mean over the register municipalities
    of P(take part) P(business purpose): the superpopulation estimand)."""
    truth = copy.deepcopy(files.read_yaml(ROOT / "config" / "synthetic.yaml"))
    truth["seed"] = seed
    _, derived = context.clean_and_derive(truth, folder)
    table = claims.headline(derived, settings, ORIGIN)
    cov = generator.municipality_covariates(context.register_rows, truth)
    takes_part = generator.logistic(generator.linear_predictor(truth["takes_part"]["ja"], cov))
    business = generator.logistic(
        generator.linear_predictor(truth["purposes"]["business_any"], cov)
    )
    return table, float((takes_part * business).mean())


def test_weighted_headline_interval_covers_the_population_share(
    config, calibration_context, tmp_path
):
    """On six other generator seeds the weighted interval (no finite-population
    correction) covers the population share at least five times, and is never
    narrower than 0.8 x the unweighted Wilson interval (the old interval with a
    finite-population correction was about half as wide)."""
    settings = AnalysisSettings.from_config(config["analysis"], config["derive"])
    covered = 0
    for seed in COVERAGE_SEEDS:
        table, share = simulated_headline(
            seed, calibration_context, settings, tmp_path / f"seed{seed}"
        )
        rows = table[table["definition_key"] == "purpose"].set_index("weighting")
        weighted, unweighted = rows.loc["weighted"], rows.loc["unweighted"]
        covered += weighted["ci_low"] <= share <= weighted["ci_high"]
        assert weighted["ci_high"] - weighted["ci_low"] >= 0.8 * (
            unweighted["ci_high"] - unweighted["ci_low"]
        ), seed
    assert covered >= len(COVERAGE_SEEDS) - 1
