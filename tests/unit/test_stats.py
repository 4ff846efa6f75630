"""The statistical helpers against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from udsyn.analysis import stats
from udsyn.core.errors import InputError

LEVEL = 0.95
Z = scipy_stats.norm.ppf(1 - (1 - LEVEL) / 2)


def wilson_by_formula(x: float, n: float, z: float = Z) -> tuple[float, float]:
    """Wilson (1927): (x + z^2/2 +- z sqrt(x(n-x)/n + z^2/4)) / (n + z^2)."""
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(x * (n - x) / n + z * z / 4)
    return centre - half, centre + half


# ------------------------------------------------------------------ Wilson


@pytest.mark.parametrize("count, n", [(7, 10), (0, 5), (5, 5), (1, 1), (53, 77)])
def test_wilson_matches_the_formula(count, n):
    assert stats.wilson(count, n, LEVEL) == pytest.approx(wilson_by_formula(count, n), abs=1e-12)


def test_wilson_edges_stay_inside_zero_one():
    low, high = stats.wilson(0, 5, LEVEL)
    assert low == pytest.approx(0, abs=1e-15) and high == pytest.approx(Z**2 / (5 + Z**2))
    low, high = stats.wilson(5, 5, LEVEL)
    assert high == pytest.approx(1) and low == pytest.approx(5 / (5 + Z**2))


def test_wilson_of_nothing_is_missing():
    assert all(math.isnan(v) for v in stats.wilson(0, 0, LEVEL))


@pytest.mark.parametrize("count, n", [(math.nan, math.nan), (math.nan, 10), (3, math.nan)])
def test_wilson_of_an_estimate_that_does_not_exist_is_missing(count, n):
    """No respondent's answer known (a weighted share of nothing, Kish n NaN): no
    interval, not [0, 1]."""
    assert all(math.isnan(v) for v in stats.wilson(count, n, LEVEL))
    assert all(math.isnan(v) for v in stats.wilson_effective(math.nan, math.nan, LEVEL))


def test_wilson_level_is_honoured():
    z90 = scipy_stats.norm.ppf(0.95)
    assert stats.wilson(7, 10, 0.90) == pytest.approx(wilson_by_formula(7, 10, z90))


def test_critical_values():
    assert stats.critical_value(LEVEL) == pytest.approx(Z)
    assert stats.critical_value(LEVEL, 2) == pytest.approx(scipy_stats.t.ppf(0.975, 2))


# ------------------------------------------------------------------ post-stratification


def two_cells() -> tuple[pd.Series, pd.Series]:
    """Cell A: 4 units, values 1, 1, 0 and one missing; cell B: 6 units, values 1, 0."""
    values = pd.Series([1, 1, 0, None] + [1, 0, None, None, None, None], dtype=float)
    cells = pd.Series(["A"] * 4 + ["B"] * 6)
    return values, cells


def test_poststratified_proportion_by_hand():
    values, cells = two_cells()
    result = stats.poststratified_proportion(values, cells)
    # W_A = 4/10, W_B = 6/10; p_A = 2/3, p_B = 1/2
    assert result.estimate == pytest.approx(0.4 * 2 / 3 + 0.6 * 1 / 2)
    # s^2_h = n_h/(n_h - 1) p_h (1 - p_h): A 3/2 * 2/9 = 1/3, B 2 * 1/4 = 1/2
    # V = W_A^2 (1 - 3/4) s^2_A / 3 + W_B^2 (1 - 2/6) s^2_B / 2
    expected = 0.16 * 0.25 * (1 / 3) / 3 + 0.36 * (2 / 3) * 0.5 / 2
    assert result.variance == pytest.approx(expected)
    assert result.n == 5
    p = result.estimate
    assert result.n_effective == pytest.approx(p * (1 - p) / expected)


def test_a_fully_observed_cell_adds_no_variance():
    values = pd.Series([1, 0, 1] + [1, 0, None], dtype=float)
    cells = pd.Series(["A"] * 3 + ["B"] * 3)
    result = stats.poststratified_proportion(values, cells)
    # only cell B: W_B^2 (1 - 2/3) * (2 * 1/4) / 2
    assert result.variance == pytest.approx(0.25 * (1 / 3) * 0.5 / 2)


def test_a_census_has_zero_variance_and_a_point_interval():
    values = pd.Series([1, 0, 1, 1], dtype=float)
    result = stats.poststratified_proportion(values, pd.Series(["A", "A", "B", "B"]))
    assert result.variance == 0 and math.isinf(result.n_effective)
    assert stats.wilson_effective(result.estimate, result.n_effective, LEVEL) == (0.75, 0.75)


def test_wilson_with_effective_n():
    values, cells = two_cells()
    result = stats.poststratified_proportion(values, cells)
    n_eff = result.n_effective
    assert stats.wilson_effective(result.estimate, n_eff, LEVEL) == pytest.approx(
        wilson_by_formula(result.estimate * n_eff, n_eff)
    )


@pytest.mark.parametrize(
    "values",
    [
        [1, None, None, 1, 0],  # cell A: one observed of three
        [None, None, None, 1, 0],  # cell A: none observed
    ],
)
def test_a_cell_that_cannot_be_estimated_is_refused(values):
    with pytest.raises(ValueError, match="collapse"):
        stats.poststratified_proportion(
            pd.Series(values, dtype=float), pd.Series(["A", "A", "A", "B", "B"])
        )


ORDER = ("small", "medium", "large", "huge")


def units(rows: list[tuple[str, str, int, int]]) -> tuple[pd.DataFrame, pd.Series]:
    """(region, size, municipalities, observed) -> one row per municipality."""
    frame, observed = [], []
    for region, size, count, seen in rows:
        for i in range(count):
            frame.append({"region": region, "size_class": size})
            observed.append(i < seen)
    return pd.DataFrame(frame), pd.Series(observed)


def collapse(rows, columns=("region", "size_class")):
    frame, observed = units(rows)
    cells = stats.collapse_cells(
        frame, columns, observed, collapse_column="size_class", collapse_order=ORDER
    )
    return dict(zip(frame["region"] + "/" + frame["size_class"], cells["cell"]))


def test_an_empty_cell_joins_the_nearest_size_class_of_its_region():
    cells = collapse(
        [("R", "small", 2, 0), ("R", "medium", 3, 2), ("R", "huge", 2, 2), ("S", "small", 2, 2)]
    )
    assert cells["R/small"] == "R | small + medium" == cells["R/medium"]
    assert cells["R/huge"] == "R | huge"
    assert cells["S/small"] == "S | small"  # another region is never borrowed from


def test_a_tie_goes_to_the_lower_size_class():
    cells = collapse([("R", "small", 2, 2), ("R", "medium", 2, 0), ("R", "large", 2, 2)])
    assert cells["R/medium"] == "R | small + medium"
    assert cells["R/large"] == "R | large"


def test_a_single_respondent_among_several_is_merged_but_a_census_of_one_is_not():
    cells = collapse([("R", "small", 3, 1), ("R", "medium", 2, 2), ("R", "huge", 1, 1)])
    assert cells["R/small"] == "R | small + medium"
    assert cells["R/huge"] == "R | huge"


def test_a_region_without_an_estimable_cell_becomes_one_cell():
    cells = collapse([("R", "small", 2, 1), ("R", "large", 2, 1)])
    assert cells["R/small"] == cells["R/large"] == "R | small + large"


def test_a_region_without_respondents_stops_the_build():
    with pytest.raises(InputError) as caught:
        collapse([("R", "small", 2, 0), ("S", "small", 2, 2)])
    assert "poststratification_cells" in str(caught.value) and "R | small" in str(caught.value)


def test_cells_without_size_class_are_not_collapsed():
    cells = collapse([("R", "small", 2, 1), ("R", "large", 2, 1)], columns=("region",))
    assert set(cells.values()) == {"R"}


# ------------------------------------------------------------------ models


def test_ols_with_hc1_by_hand():
    # y = 1.1 + 1.1 x exactly for these means; residuals -0.1, 0.8, -1.3, 0.6
    data = pd.DataFrame({"x": [0, 1, 2, 3], "y": [1, 3, 2, 5]})
    fit = stats.fit_ols(data["y"], stats.design(data, ["x"]), "HC1")
    assert fit.params == pytest.approx([1.1, 1.1])
    # HC0 slope variance: sum (x - 1.5)^2 e^2 / Sxx^2 = 1.415 / 25; HC1 * n/(n-k) = 4/2
    assert fit.std_errors()[1] == pytest.approx(math.sqrt(1.415 / 25 * 2))
    row = fit.tidy(LEVEL).iloc[1]
    t = scipy_stats.t.ppf(0.975, 2)
    assert row["term"] == "x" and row["ci_low"] == pytest.approx(1.1 - t * row["std_error"])
    assert row["p_value"] == pytest.approx(2 * scipy_stats.t.sf(1.1 / row["std_error"], 2))
    assert fit.residual_variance == pytest.approx((0.01 + 0.64 + 1.69 + 0.36) / 2)


def logit_data() -> pd.DataFrame:
    """x = 0: 1 success of 4; x = 1: 3 of 4 (a saturated model)."""
    return pd.DataFrame({"x": [0] * 4 + [1] * 4, "y": [1, 0, 0, 0, 1, 1, 1, 0]})


@pytest.mark.parametrize(
    "cov_type, factor",
    [
        # saturated binary logit: HC0 equals the inverse information,
        # var(const) = 1/(4 * 1/4 * 3/4) = 4/3, var(slope) = 4/3 + 4/3
        ("HC0", 1.0),
        ("HC1", 8 / 6),  # n / (n - k)
        ("HC2", 4 / 3),  # every leverage is 1/4: scores / sqrt(1 - 1/4)
        ("HC3", 16 / 9),  # scores / (1 - 1/4)
    ],
)
def test_logit_by_hand(cov_type, factor):
    data = logit_data()
    fit = stats.fit_logit(data["y"], stats.design(data, ["x"]), cov_type)
    assert fit.params == pytest.approx([math.log(1 / 3), math.log(9)])
    assert fit.cov[0, 0] == pytest.approx(4 / 3 * factor)
    assert fit.cov[1, 1] == pytest.approx(8 / 3 * factor)
    assert fit.covariance == cov_type and fit.df_resid is None


def test_logit_cluster_robust_is_crv1():
    """One cluster per observation: CRV1 = HC0 * G/(G-1) * (N-1)/(N-K) = 8/7 * 7/6."""
    data = logit_data()
    fit = stats.fit_logit(
        data["y"], stats.design(data, ["x"]), "cluster", groups=[f"m{i}" for i in range(8)]
    )
    assert fit.cov[1, 1] == pytest.approx(8 / 3 * 8 / 6)
    paired = stats.fit_logit(
        data["y"], stats.design(data, ["x"]), "cluster", groups=[0, 0, 1, 1, 2, 2, 3, 3]
    )
    assert paired.params == pytest.approx(fit.params)


def test_hc_sandwich_leverage_matches_statsmodels():
    """HC3 of a non-saturated logit, with the leverage statsmodels' GLM reports."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    data = pd.DataFrame(
        {"x": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], "y": [0, 1, 0, 0, 1, 0, 1, 1]}
    )
    x = stats.design(data, ["x"])
    glm = GLM(data["y"].to_numpy(float), x.to_numpy(), family=families.Binomial()).fit()
    leverage = glm.get_hat_matrix_diag()
    mean = glm.fittedvalues
    scores = x.to_numpy() * ((data["y"] - mean) / (1 - leverage)).to_numpy()[:, None]
    bread = glm.cov_params()
    expected = bread @ (scores.T @ scores) @ bread
    fit = stats.fit_logit(data["y"], x, "HC3")
    assert fit.cov == pytest.approx(np.asarray(expected), rel=1e-4)  # IRLS vs Newton
    hc0 = GLM(data["y"].to_numpy(float), x.to_numpy(), family=families.Binomial()).fit(
        cov_type="HC0"
    )
    assert stats.fit_logit(data["y"], x, "HC0").cov == pytest.approx(
        np.asarray(hc0.cov_params()), rel=1e-4
    )


def test_poisson_with_offset_by_hand():
    # group 0: counts 1, 2 over exposure 2, 2 -> rate 3/4; group 1: 3, 3 -> rate 6/4
    data = pd.DataFrame({"x": [0, 0, 1, 1], "y": [1, 2, 3, 3], "exposure": [2, 2, 2, 2]})
    fit = stats.fit_poisson(
        data["y"], stats.design(data, ["x"]), "HC0", offset=np.log(data["exposure"])
    )
    assert fit.params == pytest.approx([math.log(0.75), math.log(2)])
    # HC0 of a saturated model: var(log rate_g) = sum (y - mu)^2 / (sum mu)^2
    # group 0: mu = 1.5, 1.5 -> (0.25 + 0.25) / 9; group 1: residuals 0
    assert fit.cov[0, 0] == pytest.approx(0.5 / 9)
    assert fit.cov[1, 1] == pytest.approx(0.5 / 9)
    hc1 = stats.fit_poisson(
        data["y"], stats.design(data, ["x"]), "HC1", offset=np.log(data["exposure"])
    )
    assert hc1.cov[1, 1] == pytest.approx(0.5 / 9 * 4 / 2)


def test_tidy_rows_and_linear_combination():
    data = logit_data()
    fit = stats.fit_logit(data["y"], stats.design(data, ["x"]), "HC0")
    tidy = fit.tidy(LEVEL)
    assert list(tidy.columns) == ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
    assert list(tidy["term"]) == ["const", "x"]
    assert tidy.loc[1, "ci_high"] == pytest.approx(math.log(9) + Z * math.sqrt(8 / 3))
    assert tidy.loc[1, "p_value"] == pytest.approx(
        2 * scipy_stats.norm.sf(math.log(9) / math.sqrt(8 / 3))
    )
    estimate, se = fit.linear_combination([1, 1])  # log-odds at x = 1
    assert estimate == pytest.approx(math.log(3))
    assert se == pytest.approx(math.sqrt(4 / 3))  # 1/(4 * 3/4 * 1/4)
    assert stats.expit(estimate) == pytest.approx(0.75)


def test_unknown_covariance_type_is_refused():
    data = logit_data()
    with pytest.raises(ValueError, match="HC9"):
        stats.fit_ols(data["y"], stats.design(data, ["x"]), "HC9")


@pytest.mark.parametrize(
    "count, n, level",
    [(0, 10, 0.95), (3, 10, 0.95), (10, 10, 0.9), (53, 77, 0.95), (1, 2, 0.99), (499, 1000, 0.8)],
)
def test_wilson_matches_statsmodels(count, n, level):
    from statsmodels.stats.proportion import proportion_confint

    expected = proportion_confint(count, n, alpha=1 - level, method="wilson")
    assert stats.wilson(count, n, level) == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_the_normal_critical_value_matches_scipy():
    from scipy.stats import norm

    for level in (0.8, 0.9, 0.95, 0.99):
        assert stats.critical_value(level) == pytest.approx(
            norm.ppf(1 - (1 - level) / 2), rel=1e-14
        )
