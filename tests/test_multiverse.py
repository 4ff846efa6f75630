"""The multiverse's estimators and gathering: vectorised maths checked against
statsmodels and numpy, the main specification against the main analysis,
irrelevant choices leave a claim alone, any subset reruns identically."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from udsyn import grid, io, multiverse
from udsyn.analysis import AnalysisSettings, capital, crisis, headline
from udsyn.cleaning import CleaningSettings, clean_export

from conftest import ROOT


@pytest.fixture(scope="session")
def clean(config, questionnaire, register, aliases, shipped_export):
    """The shipped synthetic export cleaned under each duplicate rule of the config."""
    survey = config["survey"]
    inputs = dict(
        dataset=shipped_export.dataset, labels=shipped_export.labels,
        register=register, aliases=aliases, questionnaire=questionnaire,
        predecessors=io.read_text_table(ROOT / config["register"]["predecessors"]),
        dataset_file="dataset", register_file="register", aliases_file="aliases",
        predecessors_file="predecessors", data_origin="synthetic")
    variants = {}
    for rule in config["multiverse"]["choices"]["duplicate_rule"]:
        settings = CleaningSettings.from_config({**config["cleaning"], "duplicate_rule": rule},
                                                survey)
        result = clean_export(settings=settings, **inputs)
        variants[rule] = {"respondents": result.respondents, "initiatives": result.initiatives}
    return variants


@pytest.fixture(scope="session")
def settings(config):
    return multiverse.EstimationSettings.from_config(config["derive"], config["analysis"], 200)


@pytest.fixture(scope="session")
def main(config):
    return grid.main_specification(config["multiverse"]["choices"], config)


def data_for(choices, register, clean, questionnaire, config):
    variant = clean[choices["duplicate_rule"]]
    return {"municipalities": multiverse.derive_variant(register, variant, questionnaire,
                                                        config["derive"], choices, "synthetic"),
            "initiatives": variant["initiatives"]}


# ------------------------------------------------------------------ the vectorised maths

def test_resample_counts_start_with_the_point_estimate_and_draw_n_each():
    counts = multiverse.resample_counts(np.random.default_rng(1), 9, 50)
    assert counts.shape == (51, 9)
    assert (counts[0] == 1).all()
    assert (counts.sum(axis=1) == 9).all()
    again = multiverse.resample_counts(np.random.default_rng(1), 9, 50)
    assert np.array_equal(counts, again)


def test_weighted_ratio_matches_the_loop_and_is_missing_without_denominator():
    weights = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    numerator, denominator = np.array([1.0, 0.0, 2.0]), np.array([2.0, 1.0, 0.0])
    ratio = multiverse.weighted_ratio(weights, numerator, denominator)
    assert ratio[0] == pytest.approx((1 * 1 + 0) / (1 * 2 + 2 * 1))
    assert math.isnan(ratio[1])


def test_batched_logit_matches_statsmodels_with_frequency_weights():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    y = (rng.random(60) < 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)
    weights = np.vstack([np.ones(60), rng.integers(0, 3, size=(3, 60))]).astype(float)
    slopes = multiverse.batched_logit_slope(weights, x, y)
    for row, slope in zip(weights, slopes):
        fit = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial(),
                     freq_weights=row).fit()
        assert slope == pytest.approx(fit.params[1], rel=1e-7)


def test_batched_logit_gives_no_slope_under_separation():
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # perfectly separated: no finite maximum
    assert math.isnan(multiverse.batched_logit_slope(np.ones((1, 4)), x, y)[0])


def test_batched_ols_matches_weighted_least_squares():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=40), rng.normal(size=40)
    weights = rng.integers(0, 4, size=(4, 40)).astype(float)
    lines = multiverse.batched_ols(weights, x, y)
    for row, line in zip(weights, lines):
        fit = sm.WLS(y, sm.add_constant(x), weights=row).fit()
        assert line == pytest.approx(fit.params, rel=1e-9)


@pytest.mark.parametrize("rule, low, high, verdict", [
    ({"interval": "above", "value": 0}, 0.1, 0.5, True),
    ({"interval": "above", "value": 0}, -0.1, 0.5, False),
    ({"interval": "below", "value": 1}, 0.1, 0.9, True),
    ({"interval": "contains", "value": 0.7}, 0.6, 0.8, True),
    ({"interval": "contains", "value": 0.7}, 0.71, 0.8, False),
    ({"interval": "above", "value": 0}, math.nan, 0.5, None),
])
def test_a_claim_holds_by_its_interval(rule, low, high, verdict):
    assert multiverse.holds(low, high, rule) is verdict


# ------------------------------------------------------------------ against the main analysis

def test_the_main_specification_reproduces_the_main_analysis(config, register, clean,
                                                              questionnaire, settings, main):
    data = data_for(main, register, clean, questionnaire, config)
    analysis = AnalysisSettings.from_config(config["analysis"], config["derive"])
    municipalities = data["municipalities"]

    share = multiverse.estimate_claim("headline", data, main, 1, settings)["estimate"]
    table, _ = headline(municipalities, analysis, "synthetic")
    expected = table[(table["definition_key"] == main["headline_definition"])
                     & (table["weighting"] == "unweighted")]["estimate"].iloc[0]
    assert share == pytest.approx(expected, abs=1e-12)

    difference = multiverse.estimate_claim("crisis", data, main, 1, settings)["estimate"]
    table = crisis(municipalities, data["initiatives"], analysis, main["crisis_cutoff_year"],
                   "synthetic")
    assert difference == pytest.approx(
        table[table["quantity"] == "difference"]["estimate"].iloc[0], abs=1e-12)

    ratio = multiverse.estimate_claim("capital", data, main, 1, settings)["estimate"]
    table = capital(municipalities, analysis, "synthetic")
    assert ratio == pytest.approx(
        table[table["quantity"] == "capital_ratio"]["estimate"].iloc[0], rel=1e-9)


def test_the_post_stratified_headline_equals_the_cell_estimator(config, register, clean,
                                                                 questionnaire, settings, main):
    choices = {**main, "weighting": "post-stratified"}
    data = data_for(choices, register, clean, questionnaire, config)
    analysis = AnalysisSettings.from_config(config["analysis"], config["derive"])
    table, _ = headline(data["municipalities"], analysis, "synthetic")
    expected = table[(table["definition_key"] == main["headline_definition"])
                     & (table["weighting"] == "post-stratified")]["estimate"].iloc[0]
    result = multiverse.estimate_claim("headline", data, choices, 1, settings)
    assert result["estimate"] == pytest.approx(expected, abs=1e-12)
    assert result["ci_low"] < result["estimate"] < result["ci_high"]


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_choices_a_claim_does_not_use_leave_it_unchanged(claim, config, register, clean,
                                                         questionnaire, settings, main):
    choices = config["multiverse"]["choices"]
    reference = multiverse.estimate_claim(
        claim, data_for(main, register, clean, questionnaire, config), main, 11, settings)
    unused = [name for name in choices if name not in grid.CLAIM_CHOICES[claim]]
    assert unused, "every claim leaves some choice alone in the shipped config"
    for name in unused:
        for value in choices[name]:
            other = {**main, name: value}
            result = multiverse.estimate_claim(
                claim, data_for(other, register, clean, questionnaire, config), other, 11,
                settings)
            assert result == reference, (name, value)


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_choices_a_claim_uses_can_change_it(claim, config, register, clean, questionnaire,
                                            settings, main):
    """Guards CLAIM_CHOICES from the other side: no listed choice is dead."""
    choices = config["multiverse"]["choices"]
    reference = multiverse.estimate_claim(
        claim, data_for(main, register, clean, questionnaire, config), main, 11, settings)
    for name in grid.CLAIM_CHOICES[claim]:
        estimates = set()
        for value in choices[name]:
            other = {**main, name: value}
            estimates.add(round(multiverse.estimate_claim(
                claim, data_for(other, register, clean, questionnaire, config), other, 11,
                settings)["estimate"], 12))
        assert len(estimates) > 1 or name == "duplicate_rule", (name, reference)


# ------------------------------------------------------------------ batches and gathering

def test_a_subset_reruns_identically(config, register, clean, questionnaire, settings, main):
    work = grid.claim_specifications(config["multiverse"]["choices"], 5)
    picked = [work[3], work[40], work[-1]]
    whole = multiverse.run_batch(picked, main, register, clean, questionnaire, config["derive"],
                                 settings, "synthetic")
    alone = multiverse.run_batch(picked[1:2], main, register, clean, questionnaire,
                                 config["derive"], settings, "synthetic")
    pd.testing.assert_frame_equal(whole.iloc[[1]].reset_index(drop=True), alone,
                                  check_dtype=False)
    assert list(whole.columns[4:4 + len(main)]) == list(main)  # every choice, config order


def small_config(config):
    small = copy.deepcopy(config)
    small["multiverse"]["choices"].update(size_measure=["log_population_2007"],
                                          duplicate_rule=["most_complete_then_latest"],
                                          peripheral_groups=[["Landkommuner"]])
    small["multiverse"]["batch_size"] = 7
    return small


def test_gather_counts_holds_over_the_full_grid(config, register, clean, questionnaire,
                                                settings):
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    plan = grid.plan(small["multiverse"])
    batches = [multiverse.run_batch(work, main, register, clean, questionnaire,
                                    small["derive"], settings, "synthetic")
               for work in plan.values()]
    tables = multiverse.gather(batches, small["multiverse"], main, "synthetic")
    specs, results, summary = (tables[k] for k in ("specifications", "specification_results",
                                                   "summary"))
    n_specs = math.prod(len(v) for v in small["multiverse"]["choices"].values())
    assert len(specs) == n_specs and (specs["is_main"] == "yes").sum() == 1
    assert len(results) == n_specs * len(grid.CLAIMS)
    for row in summary.itertuples():
        # a balanced grid: each distinct analysis stands for the same number of specifications
        assert row.n_holds * row.n_distinct == row.n_distinct_holds * row.n_specifications
        claims = tables["claim_specifications"]
        assert row.n_distinct == (claims["claim"] == row.claim).sum()
    claims = tables["claim_specifications"]
    assert (claims.groupby("claim")["is_main"].apply(lambda s: (s == "yes").sum()) == 1).all()


def test_gather_refuses_a_missing_batch(config, register, clean, questionnaire, settings):
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    plan = grid.plan(small["multiverse"])
    batches = [multiverse.run_batch(work, main, register, clean, questionnaire,
                                    small["derive"], settings, "synthetic")
               for work in list(plan.values())[1:]]
    with pytest.raises(ValueError, match="rerun the multiverse batches"):
        multiverse.gather(batches, small["multiverse"], main, "synthetic")


def test_a_stricter_test_makes_fewer_specifications_hold(config, register, clean,
                                                         questionnaire, settings):
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    batches = [multiverse.run_batch(work, main, register, clean, questionnaire,
                                    small["derive"], settings, "synthetic")
               for work in grid.plan(small["multiverse"]).values()]
    loose = multiverse.gather(batches, small["multiverse"], main, "synthetic")["summary"]
    loose = loose.set_index("claim")
    strict = copy.deepcopy(small)
    strict["multiverse"]["holds"]["capital"] = {"interval": "above", "value": 1000}
    tight = multiverse.gather(batches, strict["multiverse"], main, "synthetic")["summary"]
    tight = tight.set_index("claim")
    assert loose.loc["capital", "n_holds"] > 0 and tight.loc["capital", "n_holds"] == 0
    assert tight.loc["capital", "holds_when"] == "interval above 1000"


def test_choice_values_survive_the_batch_files_as_written(config, register, clean, questionnaire,
                                                          settings, tmp_path):
    """A batch file read back keeps the choice values as config has them: the cut-off
    year 2008, not 2008.0 (the column is empty for claims that do not use it), so the
    specification curves can match them; reading them as numbers is refused."""
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    paths = []
    for name, work in grid.plan(small["multiverse"]).items():
        paths.append(tmp_path / f"batch_{name}.csv")
        io.write_table(multiverse.run_batch(work, main, register, clean, questionnaire,
                                            small["derive"], settings, "synthetic"), paths[-1])
    choices = list(small["multiverse"]["choices"])
    tables = multiverse.gather([io.read_table(p, text=choices) for p in paths],
                               small["multiverse"], main, "synthetic")
    claims = tables["claim_specifications"]
    years = claims.loc[claims["claim"] == "crisis", "crisis_cutoff_year"]
    assert sorted(set(years)) == [grid.shown(y) for y in
                                  small["multiverse"]["choices"]["crisis_cutoff_year"]]
    assert claims.loc[claims["claim"] == "headline", "crisis_cutoff_year"].isna().all()
    with pytest.raises(ValueError, match="crisis_cutoff_year holds"):
        multiverse.gather([io.read_table(p) for p in paths], small["multiverse"], main,
                          "synthetic")
