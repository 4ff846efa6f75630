"""The multiverse's estimators and gathering: vectorised maths checked against
statsmodels and numpy, the main specification against the main analysis,
irrelevant choices leave a claim alone, any subset reruns identically."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.tools import add_constant

from udsyn.analysis import stats
from udsyn.analysis.claims import (
    AnalysisSettings,
    capital,
    crisis,
    headline,
    initiative_periods,
    poststratification_cells,
    reform,
)
from udsyn.clean.cleaning import CleaningSettings, clean_export
from udsyn.core import files
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.multiverse import estimators, grid


@pytest.fixture(scope="session")
def clean(config, questionnaire, register, aliases, shipped_export):
    """The shipped synthetic export cleaned under each duplicate rule of the config."""
    survey = config["survey"]
    inputs = dict(
        dataset=shipped_export.dataset,
        labels=shipped_export.labels,
        register=register,
        aliases=aliases,
        questionnaire=questionnaire,
        predecessors=files.read_text_table(ROOT / config["register"]["predecessors"]),
        dataset_file="dataset",
        register_file="register",
        aliases_file="aliases",
        predecessors_file="predecessors",
        data_origin="synthetic",
    )
    variants = {}
    for rule in config["multiverse"]["choices"]["duplicate_rule"]:
        settings = CleaningSettings.from_config(
            {**config["cleaning"], "duplicate_rule": rule}, survey
        )
        result = clean_export(settings=settings, **inputs)
        variants[rule] = {"respondents": result.respondents, "initiatives": result.initiatives}
    return variants


@pytest.fixture(scope="session")
def settings(config):
    return estimators.EstimationSettings.from_config(config["derive"], config["analysis"], 200)


@pytest.fixture(scope="session")
def main(config):
    return grid.main_specification(config["multiverse"]["choices"], config)


def data_for(choices, register, clean, questionnaire, config):
    variant = clean[choices["duplicate_rule"]]
    return {
        "municipalities": estimators.derive_variant(
            register, variant, questionnaire, config["derive"], choices, "synthetic"
        ),
        "initiatives": variant["initiatives"],
    }


# ------------------------------------------------------------------ the vectorised maths


def test_resample_counts_start_with_the_point_estimate_and_draw_n_each():
    counts = estimators.resample_counts(np.random.default_rng(1), 9, 50)
    assert counts.shape == (51, 9)
    assert (counts[0] == 1).all()
    assert (counts.sum(axis=1) == 9).all()
    again = estimators.resample_counts(np.random.default_rng(1), 9, 50)
    assert np.array_equal(counts, again)


def test_weighted_ratio_matches_the_loop_and_is_missing_without_denominator():
    weights = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    numerator, denominator = np.array([1.0, 0.0, 2.0]), np.array([2.0, 1.0, 0.0])
    ratio = estimators.weighted_ratio(weights, numerator, denominator)
    assert ratio[0] == pytest.approx((1 * 1 + 0) / (1 * 2 + 2 * 1))
    assert math.isnan(ratio[1])


def test_batched_logit_matches_statsmodels_with_frequency_weights():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    y = (rng.random(60) < 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)
    weights = np.vstack([np.ones(60), rng.integers(0, 3, size=(3, 60))]).astype(float)
    slopes = estimators.batched_logit_slope(weights, x, y)
    for row, slope in zip(weights, slopes):
        fit = GLM(y, add_constant(x), family=families.Binomial(), freq_weights=row).fit()
        assert slope == pytest.approx(fit.params[1], rel=1e-7)


def test_batched_logit_gives_no_slope_under_separation():
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # perfectly separated: no finite maximum
    assert math.isnan(estimators.batched_logit_slope(np.ones((1, 4)), x, y)[0])


def test_batched_ols_matches_weighted_least_squares():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=40), rng.normal(size=40)
    weights = rng.integers(0, 4, size=(4, 40)).astype(float)
    lines = estimators.batched_ols(weights, x, y)
    for row, line in zip(weights, lines):
        fit = WLS(y, add_constant(x), weights=row).fit()
        assert line == pytest.approx(fit.params, rel=1e-9)


@pytest.mark.parametrize(
    "rule, low, high, verdict",
    [
        ({"test": "above", "value": 0}, 0.1, 0.5, True),
        ({"test": "above", "value": 0}, -0.1, 0.5, False),
        ({"test": "below", "value": 1}, 0.1, 0.9, True),
        ({"test": "below", "value": 1}, 0.1, 1.2, False),
        ({"test": "equivalence", "value": 0.7, "margin": 0.1}, 0.62, 0.78, True),
        ({"test": "equivalence", "value": 0.7, "margin": 0.1}, 0.58, 0.78, False),
        ({"test": "equivalence", "value": 0.7, "margin": 0.1}, 0.62, 0.81, False),
        ({"test": "above", "value": 0}, math.nan, 0.5, None),
    ],
)
def test_a_claim_holds_by_its_interval(rule, low, high, verdict):
    assert estimators.holds(low, high, rule) is verdict


WIDE = (-1e9, 1e9)


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_a_very_wide_interval_fails_every_claims_test(claim, config):
    """Imprecision never makes a claim hold: an interval containing everything
    fails the shipped test of every claim, and every kind of test."""
    assert estimators.holds(*WIDE, config["multiverse"]["holds"][claim]) is False
    for rule in (
        {"test": "above", "value": -1e6},
        {"test": "below", "value": 1e6},
        {"test": "equivalence", "value": 0.7, "margin": 1e6},
    ):
        assert estimators.holds(*WIDE, rule) is False, rule


def test_a_contains_test_is_refused(config):
    with pytest.raises(ValueError, match="unknown test"):
        estimators.holds(0.1, 0.9, {"test": "contains", "value": 0.5})
    jsonschema = pytest.importorskip("jsonschema")
    schema = files.read_yaml(ROOT / "workflow" / "schemas" / "config.schema.yaml")
    jsonschema.validate(config, schema)
    for bad in (
        {"test": "contains", "value": 0.7},
        {"interval": "contains", "value": 0.7},
        {"test": "equivalence", "value": 0.7},  # no margin
        {"test": "equivalence", "value": 0.7, "margin": 0},
        {"test": "above", "value": 0.5, "margin": 0.1},
    ):
        broken = copy.deepcopy(config)
        broken["multiverse"]["holds"]["headline"] = bad
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
    broken = copy.deepcopy(config)
    del broken["multiverse"]["justifications"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


# ------------------------------------------------------------------ bootstrap weights


def test_row_zero_of_the_replicate_weights_is_the_main_analysis_weighting(
    config, register, clean, questionnaire, settings, main
):
    data = data_for(main, register, clean, questionnaire, config)
    municipalities = data["municipalities"]
    known = municipalities["business_focus"].where(municipalities["responded"] == 1).notna()
    counts = estimators.resample_counts(np.random.default_rng(3), int(known.sum()), 50)
    weights = estimators.replicate_weights(
        municipalities, known, counts, "post-stratified", settings
    )
    assert weights[0] == pytest.approx(
        estimators.poststratification_weights(municipalities, known, settings), rel=1e-12
    )
    unweighted = estimators.replicate_weights(
        municipalities, known, counts, "unweighted", settings
    )
    assert np.array_equal(unweighted, counts)


def test_the_bootstrap_recomputes_the_cells_weights_in_every_replicate(
    config, register, clean, questionnaire, settings, main
):
    """A replicate's weights are those the main analysis' weighting gives the
    resample: for a resample without repeats (a subset of the respondents) they
    equal the cell weights recomputed for that subset, not the sample's."""
    data = data_for(main, register, clean, questionnaire, config)
    municipalities = data["municipalities"]
    known = municipalities["business_focus"].where(municipalities["responded"] == 1).notna()
    n = int(known.sum())
    rng = np.random.default_rng(8)
    subsets = [rng.random(n) < 0.8 for _ in range(5)]
    counts = np.vstack([np.ones(n), *subsets]).astype(float)
    weights = estimators.replicate_weights(
        municipalities, known, counts, "post-stratified", settings
    )
    fixed = estimators.poststratification_weights(municipalities, known, settings)
    positions = np.flatnonzero(known.to_numpy())
    for row, subset in enumerate(subsets, start=1):
        observed = pd.Series(False, index=municipalities.index)
        observed.iloc[positions[subset]] = True
        expected = estimators.poststratification_weights(municipalities, observed, settings)
        assert weights[row][subset] == pytest.approx(expected, rel=1e-12)
        assert (weights[row][~subset] == 0).all()
        # every register municipality is represented once: the weights sum to N
        assert weights[row].sum() == pytest.approx(len(municipalities))
        assert not np.allclose(weights[row][subset], fixed[subset])
    # and with repeats: in every replicate the weights still sum to the register size
    boot = estimators.resample_counts(rng, n, 200)
    weighted = estimators.replicate_weights(
        municipalities, known, boot, "post-stratified", settings
    )
    ok = np.isfinite(weighted).all(axis=1)
    assert ok.mean() > 0.9
    assert weighted[ok].sum(axis=1) == pytest.approx(np.full(ok.sum(), len(municipalities)))


def test_batched_logit_with_the_merger_term_matches_statsmodels():
    rng = np.random.default_rng(6)
    x, merged = rng.normal(size=80), (rng.random(80) < 0.6).astype(float)
    y = (rng.random(80) < 1 / (1 + np.exp(-(0.2 + 0.7 * x - 0.5 * merged)))).astype(float)
    design = np.column_stack([np.ones(80), x, merged])
    weights = np.vstack([np.ones(80), rng.integers(0, 3, size=(3, 80))]).astype(float)
    for row, beta in zip(weights, estimators.batched_logit(weights, design, y)):
        fit = GLM(y, design, family=families.Binomial(), freq_weights=row).fit()
        assert beta == pytest.approx(fit.params, rel=1e-7)


# ------------------------------------------------------------------ against the main analysis


@pytest.fixture(scope="session")
def main_analysis(config, questionnaire, register, aliases, shipped_export):
    """The main analysis' own data, from the main config alone (rule clean ->
    derive), and its settings."""
    survey = config["survey"]
    result = clean_export(
        settings=CleaningSettings.from_config(config["cleaning"], survey),
        dataset=shipped_export.dataset,
        labels=shipped_export.labels,
        register=register,
        aliases=aliases,
        questionnaire=questionnaire,
        predecessors=files.read_text_table(ROOT / config["register"]["predecessors"]),
        dataset_file="dataset",
        register_file="register",
        aliases_file="aliases",
        predecessors_file="predecessors",
        data_origin="synthetic",
    )
    municipalities = derive_municipalities(
        register,
        result.respondents,
        result.initiatives,
        questionnaire,
        DeriveSettings.from_config(config["derive"]),
        "synthetic",
    )
    return {
        "municipalities": municipalities,
        "initiatives": result.initiatives,
        "settings": AnalysisSettings.from_config(config["analysis"], config["derive"]),
    }


def main_estimate(claim, analysis, questionnaire):
    """The main analysis' estimate of the claim, as results/analysis/* hold it."""
    municipalities, initiatives, settings = (
        analysis[k] for k in ("municipalities", "initiatives", "settings")
    )
    if claim == "headline":
        table = headline(municipalities, settings, "synthetic")
        return table[
            (table["definition_key"] == settings.headline_definition)
            & (table["weighting"] == "unweighted")
        ]["estimate"].iloc[0]
    if claim == "shift":
        purposes = [(p.key, p.english) for p in questionnaire.purposes]
        table = initiative_periods(initiatives, purposes, settings, "synthetic")
        business = table[table["initiative_type"].isin(settings.business_purposes)]
        by_period = business.groupby("period_order")["estimate"].sum()
        return by_period[3] - by_period[1]
    if claim == "reform":
        table = reform(municipalities, settings, "synthetic")
        row = table[
            (table["model"] == "logit_business_focus") & (table["term"] == "log_population_2007")
        ].iloc[0]
        # The multiverse reports it per SD of the size measure (so that size
        # measures compare): the same coefficient times the SD in the model's data.
        known = municipalities[
            (municipalities["responded"] == 1) & municipalities["business_focus"].notna()
        ]
        return row["estimate"] * known["log_population_2007"].std(ddof=1)
    if claim == "crisis":
        table = crisis(
            municipalities, initiatives, settings, settings.crisis_cutoff_year, "synthetic"
        )
        return table[table["quantity"] == "difference"]["estimate"].iloc[0]
    table = capital(municipalities, settings, "synthetic")
    return table[table["quantity"] == "capital_ratio"]["estimate"].iloc[0]


def test_the_multiverse_derives_the_main_analysis_data(
    config, register, clean, questionnaire, main, main_analysis
):
    data = data_for(main, register, clean, questionnaire, config)
    pd.testing.assert_frame_equal(data["municipalities"], main_analysis["municipalities"])
    pd.testing.assert_frame_equal(data["initiatives"], main_analysis["initiatives"])


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_the_main_specification_equals_the_main_analysis(
    claim, config, register, clean, questionnaire, settings, main, main_analysis
):
    data = data_for(main, register, clean, questionnaire, config)
    estimate = estimators.estimate_claim(claim, data, main, 1, settings)["estimate"]
    expected = main_estimate(claim, main_analysis, questionnaire)
    assert math.isfinite(expected)
    assert estimate == pytest.approx(expected, rel=1e-7, abs=1e-12)


def test_the_reform_estimate_keeps_the_merger_term(
    config, register, clean, questionnaire, settings, main, main_analysis
):
    """Without the merger term the slope differs: the equality above is not luck."""
    data = data_for(main, register, clean, questionnaire, config)
    municipalities = data["municipalities"]
    known = municipalities["business_focus"].where(municipalities["responded"] == 1).notna()
    size = municipalities.loc[known, "log_population_2007"].to_numpy(float)
    z = (size - size.mean()) / size.std(ddof=1)
    without = estimators.batched_logit_slope(
        np.ones((1, len(z))), z, municipalities.loc[known, "business_focus"].to_numpy(float)
    )[0]
    with_term = estimators.estimate_claim("reform", data, main, 1, settings)["estimate"]
    assert abs(with_term - without) > 1e-3


def test_the_capital_interval_is_a_prediction_interval(
    config, register, clean, questionnaire, main, main_analysis
):
    """As wide as the main analysis' prediction interval (line and residual), far
    wider than a confidence interval for the line alone."""
    settings = estimators.EstimationSettings.from_config(
        config["derive"], config["analysis"], 1000
    )
    data = data_for(main, register, clean, questionnaire, config)
    result = estimators.estimate_claim("capital", data, main, 4, settings)
    width = math.log(result["ci_high"] / result["ci_low"])
    table = capital(main_analysis["municipalities"], main_analysis["settings"], "synthetic")
    ratio = table[table["quantity"] == "capital_ratio"].iloc[0]
    main_width = math.log(ratio["ci_high"] / ratio["ci_low"])
    assert 0.7 * main_width < width < 1.3 * main_width, (width, main_width)
    # the confidence interval for the line at the capital's size
    municipalities = main_analysis["municipalities"]
    fit_data = municipalities[
        (municipalities["responded"] == 1)
        & (municipalities["international_fte"] > 0)
        & (municipalities["capital"] == 0)
    ]
    fit = stats.fit_ols(
        np.log(fit_data["international_fte"]),
        stats.design(fit_data, ["log_population_2007"]),
        config["analysis"]["robust_covariance"],
    )
    point = np.array(
        [1.0, municipalities.loc[municipalities["capital"] == 1, "log_population_2007"].iloc[0]]
    )
    line_width = (
        2
        * fit.critical(config["analysis"]["confidence_level"])
        * math.sqrt(point @ fit.cov @ point)
    )
    assert width > 1.5 * line_width, (width, line_width)


def test_the_post_stratified_headline_equals_the_cell_estimator(
    config, register, clean, questionnaire, settings, main
):
    choices = {**main, "weighting": "post-stratified"}
    data = data_for(choices, register, clean, questionnaire, config)
    analysis = AnalysisSettings.from_config(config["analysis"], config["derive"])
    # the multiverse's post-stratified alternative is the cell estimator of
    # udsyn.analysis.stats over the main analysis' cells (the main analysis itself rakes)
    municipalities = data["municipalities"]
    values = municipalities["business_focus"].where(municipalities["responded"] == 1)
    cells = poststratification_cells(municipalities, values.notna(), analysis)
    expected = stats.poststratified_proportion(values, cells["cell"]).estimate
    result = estimators.estimate_claim("headline", data, choices, 1, settings)
    assert result["estimate"] == pytest.approx(expected, abs=1e-12)
    assert result["ci_low"] < result["estimate"] < result["ci_high"]


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_choices_a_claim_does_not_use_leave_it_unchanged(
    claim, config, register, clean, questionnaire, settings, main
):
    choices = config["multiverse"]["choices"]
    reference = estimators.estimate_claim(
        claim, data_for(main, register, clean, questionnaire, config), main, 11, settings
    )
    unused = [name for name in choices if name not in grid.CLAIM_CHOICES[claim]]
    assert unused, "every claim leaves some choice alone in the shipped config"
    for name in unused:
        for value in choices[name]:
            other = {**main, name: value}
            result = estimators.estimate_claim(
                claim, data_for(other, register, clean, questionnaire, config), other, 11, settings
            )
            assert result == reference, (name, value)


@pytest.mark.parametrize("claim", grid.CLAIMS)
def test_choices_a_claim_uses_can_change_it(
    claim, config, register, clean, questionnaire, settings, main
):
    """Guards CLAIM_CHOICES from the other side: no listed choice is dead."""
    multi = config["multiverse"]
    alternatives = grid.claim_alternatives(claim, multi["choices"], multi["restrict"])
    reference = estimators.estimate_claim(
        claim, data_for(main, register, clean, questionnaire, config), main, 11, settings
    )
    for name in grid.CLAIM_CHOICES[claim]:
        estimates = set()
        for value in alternatives[name]:
            other = {**main, name: value}
            estimates.add(
                round(
                    estimators.estimate_claim(
                        claim,
                        data_for(other, register, clean, questionnaire, config),
                        other,
                        11,
                        settings,
                    )["estimate"],
                    12,
                )
            )
        assert len(estimates) > 1 or name == "duplicate_rule", (name, reference)


# ------------------------------------------------------------------ batches and gathering


def test_a_subset_reruns_identically(config, register, clean, questionnaire, settings, main):
    work = grid.claim_specifications(config["multiverse"]["choices"], 5)
    picked = [work[3], work[40], work[-1]]
    whole = estimators.run_batch(
        picked, main, register, clean, questionnaire, config["derive"], settings, "synthetic"
    )
    alone = estimators.run_batch(
        picked[1:2], main, register, clean, questionnaire, config["derive"], settings, "synthetic"
    )
    pd.testing.assert_frame_equal(whole.iloc[[1]].reset_index(drop=True), alone, check_dtype=False)
    assert list(whole.columns[4 : 4 + len(main)]) == list(main)  # every choice, config order


def small_config(config):
    small = copy.deepcopy(config)
    small["multiverse"]["choices"].update(
        size_measure=["log_population_2007"],
        duplicate_rule=["most_complete_then_latest"],
        peripheral_groups=[["Landkommuner"]],
    )
    small["multiverse"]["batch_size"] = 7
    return small


@pytest.fixture(scope="session")
def small_run(config, register, clean, questionnaire, settings):
    """The small grid's config, main specification and batches (run once: the
    tests below gather them in their own ways, none changes them)."""
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    batches = [
        estimators.run_batch(
            work, main, register, clean, questionnaire, small["derive"], settings, "synthetic"
        )
        for work in grid.plan(small["multiverse"]).values()
    ]
    return small, main, batches


def test_gather_counts_holds_over_the_full_grid(small_run):
    small, main, batches = small_run
    tables = estimators.gather(batches, small["multiverse"], main, "synthetic")
    specs, results, summary = (
        tables[k] for k in ("specifications", "specification_results", "summary")
    )
    n_specs = math.prod(len(v) for v in small["multiverse"]["choices"].values())
    assert len(specs) == n_specs and (specs["is_main"] == "yes").sum() == 1
    assert len(results) == n_specs * len(grid.CLAIMS)
    assert list(summary.columns[2:4]) == ["n_distinct", "n_distinct_holds"]  # distinct first
    for row in summary.itertuples():
        # a balanced grid: each distinct analysis stands for the same number of specifications
        assert row.n_holds * row.n_distinct == row.n_distinct_holds * row.n_specifications
        assert row.n_specifications == row.n_distinct * row.specifications_per_distinct
        claims = tables["claim_specifications"]
        assert row.n_distinct == (claims["claim"] == row.claim).sum()
    claims = tables["claim_specifications"]
    assert (claims.groupby("claim")["is_main"].apply(lambda s: (s == "yes").sum()) == 1).all()


def test_summary_counts_the_analyses_with_failed_replicates(small_run):
    """Replicates without an estimate are left out of the percentile interval, so
    the summary (and the report) says in how many distinct analyses there were
    any, and at most what share of the bootstrap."""
    small, main, batches = small_run
    replicates = small["multiverse"]["bootstrap_replicates"]
    table = pd.concat(batches, ignore_index=True)
    table["replicates_failed"] = 0
    headline = table.index[table["claim"] == "headline"]
    table.loc[headline[0], "replicates_failed"] = replicates // 4
    table.loc[headline[1], "replicates_failed"] = 3
    summary = estimators.gather([table], small["multiverse"], main, "synthetic")["summary"]
    summary = summary.set_index("claim")
    assert summary.loc["headline", "n_distinct_with_failed_replicates"] == 2
    assert summary.loc["headline", "max_share_replicates_failed"] == (replicates // 4) / replicates
    assert summary.loc["shift", "n_distinct_with_failed_replicates"] == 0
    assert summary.loc["shift", "max_share_replicates_failed"] == 0


def test_gather_refuses_a_missing_batch(small_run):
    small, main, batches = small_run
    with pytest.raises(ValueError, match="rerun the multiverse batches"):
        estimators.gather(batches[1:], small["multiverse"], main, "synthetic")


def test_a_stricter_test_makes_fewer_specifications_hold(small_run):
    small, main, batches = small_run
    loose = estimators.gather(batches, small["multiverse"], main, "synthetic")["summary"]
    loose = loose.set_index("claim")
    strict = copy.deepcopy(small)
    strict["multiverse"]["holds"]["capital"] = {"test": "above", "value": 1000}
    tight = estimators.gather(batches, strict["multiverse"], main, "synthetic")["summary"]
    tight = tight.set_index("claim")
    assert loose.loc["capital", "n_holds"] > 0 and tight.loc["capital", "n_holds"] == 0
    assert tight.loc["capital", "holds_when"] == "interval above 1000"


def test_a_restricted_claim_is_estimated_and_counted_only_where_it_applies(
    config, register, clean, questionnaire, settings
):
    small = small_config(config)
    small["multiverse"]["choices"]["size_measure"] = [
        "log_population_2007",
        "population_2007",
        "n_premerger",
    ]
    small["multiverse"]["restrict"] = {
        "capital": {
            "size_measure": {
                "alternatives": ["log_population_2007"],
                "reason": "only the log scale is size",
            }
        }
    }
    main = grid.main_specification(small["multiverse"]["choices"], small)
    batches = [
        estimators.run_batch(
            work, main, register, clean, questionnaire, small["derive"], settings, "synthetic"
        )
        for work in grid.plan(small["multiverse"]).values()
    ]
    tables = estimators.gather(batches, small["multiverse"], main, "synthetic")
    claims, results = tables["claim_specifications"], tables["specification_results"]
    summary = tables["summary"].set_index("claim")
    capital_rows = claims[claims["claim"] == "capital"]
    assert set(capital_rows["size_measure"]) == {"log_population_2007"}
    assert set(claims[claims["claim"] == "reform"]["size_measure"]) == {
        "log_population_2007",
        "population_2007",
        "n_premerger",
    }
    n_specs = len(tables["specifications"])
    assert summary.loc["capital", "n_specifications"] == n_specs // 3
    assert summary.loc["reform", "n_specifications"] == n_specs
    assert (results["claim"] == "capital").sum() == n_specs // 3
    assert (
        "population_2007, n_premerger left out: only the log scale is size"
        in summary.loc["capital", "restricted"]
    )
    assert summary.loc["headline", "restricted"] == ""


def test_the_shipped_capital_claim_uses_only_size_measures_on_a_ratio_scale(config):
    multi = config["multiverse"]
    alternatives = grid.claim_alternatives("capital", multi["choices"], multi["restrict"])
    assert "population_2007" not in alternatives["size_measure"]
    assert "n_premerger" not in alternatives["size_measure"]
    assert "log_population_2007" in alternatives["size_measure"]
    assert len(multi["restrict"]["capital"]["size_measure"]["reason"]) > 40


def test_the_report_shows_every_justification_from_config(config):
    """The multiverse section reads the justifications from config (none typed
    in the template), and every alternative in force has one."""
    template = (ROOT / "report" / "template.html.j2").read_text(encoding="utf-8")
    section = template[template.index('<section id="multiverse">') :]
    section = section[: section.index("</section>")]
    assert "config.multiverse.justifications" in section
    shipped = config["multiverse"]["justifications"]
    for texts in shipped.values():
        for text in texts.values():
            assert text not in template
    completed = grid.justifications(config["multiverse"], config)
    for name, alternatives in grid.with_main(config["multiverse"]["choices"], config).items():
        assert list(completed[name]) == [grid.shown(a) for a in alternatives]


def test_choice_values_survive_the_batch_files_as_written(
    config, register, clean, questionnaire, settings, tmp_path
):
    """A batch file read back keeps the choice values as config has them: the cut-off
    year 2008, not 2008.0 (the column is empty for claims that do not use it), so the
    specification curves can match them; reading them as numbers is refused."""
    small = small_config(config)
    main = grid.main_specification(small["multiverse"]["choices"], small)
    paths = []
    for name, work in grid.plan(small["multiverse"]).items():
        paths.append(tmp_path / f"batch_{name}.csv")
        files.write_table(
            estimators.run_batch(
                work, main, register, clean, questionnaire, small["derive"], settings, "synthetic"
            ),
            paths[-1],
        )
    choices = list(small["multiverse"]["choices"])
    tables = estimators.gather(
        [files.read_table(p, text=choices) for p in paths], small["multiverse"], main, "synthetic"
    )
    claims = tables["claim_specifications"]
    years = claims.loc[claims["claim"] == "crisis", "crisis_cutoff_year"]
    assert sorted(set(years)) == [
        grid.shown(y) for y in small["multiverse"]["choices"]["crisis_cutoff_year"]
    ]
    assert claims.loc[claims["claim"] == "headline", "crisis_cutoff_year"].isna().all()
    with pytest.raises(ValueError, match="crisis_cutoff_year holds"):
        estimators.gather(
            [files.read_table(p) for p in paths], small["multiverse"], main, "synthetic"
        )
