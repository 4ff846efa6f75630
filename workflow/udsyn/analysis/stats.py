"""Small, pure statistical helpers for the analyses.

- ``wilson``: the Wilson score interval of a proportion.
- ``collapse_cells``, ``poststratified_proportion``, ``wilson_effective``:
  a proportion post-stratified to the register, its variance and a Wilson
  interval with the effective sample size.
- ``fit_ols``, ``fit_logit``, ``fit_poisson``: statsmodels fits with robust
  (heteroskedasticity-consistent) or cluster-robust covariance, returned as a
  ``Fit`` that ``Fit.tidy`` turns into rows (estimate, std_error, ci_low,
  ci_high, p_value).

Robust covariance of the maximum-likelihood models. statsmodels accepts
``cov_type="HC1"`` (or HC2, HC3) for Logit and GLM but silently computes the
plain HC0 sandwich for all of them (statsmodels issue #7798). So that the
configured type is the type used, the sandwich of the logit and Poisson models
is computed here, as R's ``sandwich::vcovHC`` does for a GLM: HC0 = B M B with
B the inverse information and M the sum of outer products of the score
contributions; HC1 = HC0 * n / (n - k); HC2 and HC3 divide each score by
sqrt(1 - h_i) and (1 - h_i), h_i the leverage of the IRLS weighted fit.
OLS uses statsmodels' own HC0-HC3, which are correct. Cluster-robust
covariance ("cluster") is statsmodels' CRV1 for every model.

statsmodels and scipy are imported only here, and only inside the functions that
fit models or need the t distribution: the rules that need proportions alone
(headline, initiative periods, representativeness) start without them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from udsyn.analysis.cells import collapse_cells  # noqa: F401 (part of this module's interface)

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
CLUSTER = "cluster"
TIDY_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]


# ------------------------------------------------------------------ proportions


def critical_value(confidence_level: float, df: float | None = None) -> float:
    """Two-sided critical value: normal (the standard library's), or Student t
    with ``df`` degrees of freedom (scipy, imported only then)."""
    upper = 1 - (1 - confidence_level) / 2
    if df is None:
        return NormalDist().inv_cdf(upper)
    from scipy import stats as scipy_stats

    return float(scipy_stats.t.ppf(upper, df))


def wilson(count: float, n: float, confidence_level: float) -> tuple[float, float]:
    """The Wilson score interval of count/n (statsmodels' formula, tested against
    its ``proportion_confint``); (nan, nan) when n is 0 or either number is not
    known (NaN: no estimate; read on, ``max(0.0, nan)`` would give the interval
    [0, 1] of an estimate that does not exist). Computed here so that the rules
    needing only proportions do not import statsmodels and scipy."""
    if n == 0 or math.isnan(n) or math.isnan(count):
        return math.nan, math.nan
    crit = critical_value(confidence_level)
    share, crit2 = count / n, crit**2
    denom = 1 + crit2 / n
    center = (share + crit2 / (2 * n)) / denom
    dist = crit * math.sqrt(share * (1.0 - share) / n + crit2 / (4.0 * n**2)) / denom
    # At 0 (n) successes the lower (upper) end is exactly 0 (1); rounding in
    # center - dist would leave it 1e-17 off, on the wrong side of the estimate.
    low = 0.0 if count == 0 else max(0.0, center - dist)
    high = 1.0 if count == n else min(1.0, center + dist)
    return float(low), float(high)


@dataclass(frozen=True)
class PostStratified:
    """A post-stratified proportion: estimate, its variance, the respondents
    behind it and the effective sample size p(1-p)/variance (infinite when
    the variance is 0: every cell fully observed or without variation)."""

    estimate: float
    variance: float
    n: int
    n_effective: float


def poststratified_proportion(values: pd.Series, cells: pd.Series) -> PostStratified:
    """A proportion post-stratified to a finite population of units.

    ``values``: 0/1 per population unit, missing where the unit gave no value;
    ``cells``: each unit's post-stratification cell (from ``collapse_cells``).
    Estimate sum_h W_h p_h with W_h = N_h / N; variance (Lohr, Sampling,
    section 4.4; Cochran 5A.5) sum_h W_h^2 (1 - n_h/N_h) s_h^2 / n_h with
    s_h^2 = n_h / (n_h - 1) p_h (1 - p_h), 0 when n_h = N_h. Every cell must
    be estimable (see ``collapse_cells``).
    """
    frame = pd.DataFrame({"cell": cells.to_numpy(), "y": pd.to_numeric(values).to_numpy(float)})
    by_cell = frame.groupby("cell", sort=True)["y"]
    size, n, p = by_cell.size(), by_cell.count(), by_cell.mean()
    if ((n == 0) | ((n == 1) & (size > 1))).any():
        raise ValueError(
            "every cell needs two observed units or a complete census (collapse the cells first)"
        )
    weight = size / size.sum()
    estimate = float((weight * p).sum())
    within = (n / (n - 1).where(n > 1) * p * (1 - p)).where(n < size, 0.0)
    variance = float((weight**2 * (1 - n / size) * within / n).sum())
    n_total = int(n.sum())
    spread = estimate * (1 - estimate)
    n_effective = spread / variance if variance > 0 else math.inf
    return PostStratified(estimate, variance, n_total, n_effective)


def wilson_effective(
    estimate: float, n_effective: float, confidence_level: float
) -> tuple[float, float]:
    """Wilson interval with an effective sample size (Kish): p * n_eff successes
    out of n_eff. An infinite n_eff (zero variance) gives (p, p)."""
    if math.isinf(n_effective):
        return estimate, estimate
    return wilson(estimate * n_effective, n_effective, confidence_level)


# ------------------------------------------------------------------ models


@dataclass(frozen=True)
class Fit:
    """A fitted model reduced to what the tables need.

    ``df_resid`` is None for normal-based inference (logit, Poisson) and the
    residual degrees of freedom for Student t inference (OLS).
    ``residual_variance`` is the OLS error variance (None otherwise).
    """

    terms: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray
    nobs: int
    covariance: str
    df_resid: float | None = None
    residual_variance: float | None = None

    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    def critical(self, confidence_level: float) -> float:
        return critical_value(confidence_level, self.df_resid)

    def p_values(self) -> np.ndarray:
        from scipy import stats as scipy_stats  # a model was fitted: statsmodels loaded it

        statistic = np.abs(self.params / self.std_errors())
        if self.df_resid is None:
            return 2 * scipy_stats.norm.sf(statistic)
        return 2 * scipy_stats.t.sf(statistic, self.df_resid)

    def tidy(self, confidence_level: float) -> pd.DataFrame:
        """One row per term: term, estimate, std_error, ci_low, ci_high, p_value."""
        se = self.std_errors()
        half = self.critical(confidence_level) * se
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.params,
                "std_error": se,
                "ci_low": self.params - half,
                "ci_high": self.params + half,
                "p_value": self.p_values(),
            },
            columns=TIDY_COLUMNS,
        )

    def linear_combination(self, weights: Sequence[float]) -> tuple[float, float]:
        """Estimate and standard error of sum(weights * params)."""
        w = np.asarray(weights, dtype=float)
        return float(w @ self.params), float(math.sqrt(w @ self.cov @ w))


def design(frame: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    """The design matrix: a ``const`` column of ones, then ``terms`` as floats."""
    matrix = frame[list(terms)].astype(float)
    matrix.insert(0, "const", 1.0)
    return matrix


def _check_cov_type(cov_type: str, *, cluster_ok: bool) -> None:
    allowed = HC_TYPES + ((CLUSTER,) if cluster_ok else ())
    if cov_type not in allowed:
        raise ValueError(f"covariance type {cov_type!r}; known: {allowed}")


def _groups(groups) -> np.ndarray:
    """Cluster labels as consecutive integers (statsmodels wants integers)."""
    return pd.factorize(pd.Series(groups).astype(str), sort=True)[0]


def fit_ols(y: pd.Series, x: pd.DataFrame, cov_type: str, groups=None) -> Fit:
    """OLS with statsmodels' HC0-HC3 or cluster-robust covariance, t-based inference."""
    _check_cov_type(cov_type, cluster_ok=True)
    from statsmodels.regression.linear_model import OLS  # only the model rules pay for it

    model = OLS(np.asarray(y, dtype=float), np.asarray(x, dtype=float))
    kwds = {"groups": _groups(groups)} if cov_type == CLUSTER else None
    result = model.fit(cov_type=cov_type, cov_kwds=kwds, use_t=True)
    return Fit(
        tuple(x.columns),
        np.asarray(result.params),
        np.asarray(result.cov_params()),
        int(result.nobs),
        cov_type,
        df_resid=float(result.df_resid),
        residual_variance=float(result.scale),
    )


def _sandwich(
    x: np.ndarray, residual: np.ndarray, weight: np.ndarray, cov_type: str
) -> np.ndarray:
    """HCx sandwich of a canonical-link GLM: score x_i (y_i - mu_i), information
    X' diag(weight) X, leverage h_i = weight_i x_i' B x_i."""
    bread = np.linalg.inv(x.T @ (x * weight[:, None]))
    score = x * residual[:, None]
    n, k = x.shape
    if cov_type in ("HC2", "HC3"):
        leverage = weight * np.einsum("ij,jk,ik->i", x, bread, x)
        score = score / ((1 - leverage) ** (0.5 if cov_type == "HC2" else 1.0))[:, None]
    cov = bread @ (score.T @ score) @ bread
    return cov * n / (n - k) if cov_type == "HC1" else cov


def _mle_fit(
    result, x: pd.DataFrame, y: np.ndarray, mean: np.ndarray, weight: np.ndarray, cov_type: str
) -> Fit:
    if cov_type == CLUSTER:
        cov = np.asarray(result.cov_params())
    else:
        cov = _sandwich(np.asarray(x, dtype=float), y - mean, weight, cov_type)
    return Fit(tuple(x.columns), np.asarray(result.params), cov, int(result.nobs), cov_type)


class NotEstimable(Exception):
    """A model without a finite estimate on these data (why: the message). Its rows
    say so and stay empty: numbers from such a fit would look confident and mean
    nothing."""


def not_estimated(terms: Sequence[str]) -> pd.DataFrame:
    """A ``Fit.tidy`` table for a model that was not estimated: every term, empty."""
    rows = pd.DataFrame({"term": list(terms)}, columns=TIDY_COLUMNS)
    return rows.astype({column: float for column in TIDY_COLUMNS[1:]})


# A fitted probability this close to 0 or 1: the terms (quasi-)separate the outcome,
# and the logit's coefficients run off towards infinity with tiny standard errors.
SEPARATED = 1e-6


def fit_logit(y: pd.Series, x: pd.DataFrame, cov_type: str, groups=None) -> Fit:
    """Logit (maximum likelihood) with HC0-HC3 or cluster-robust (``groups``) covariance.
    Raises ``NotEstimable`` when it has no finite estimate: an outcome that does not
    vary, a (quasi-)perfect separation, a fit that does not converge or a singular
    information matrix."""
    _check_cov_type(cov_type, cluster_ok=True)
    outcome = np.asarray(y, dtype=float)
    if len(np.unique(outcome)) < 2:
        raise NotEstimable("the outcome does not vary: every respondent has the same value")
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    model = Logit(outcome, np.asarray(x, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation and convergence: checked below
        try:
            if cov_type == CLUSTER:
                result = model.fit(disp=0, cov_type=CLUSTER, cov_kwds={"groups": _groups(groups)})
            else:
                result = model.fit(disp=0)
        except (np.linalg.LinAlgError, PerfectSeparationError):
            raise NotEstimable(
                "no solution: the terms separate the outcome or are collinear"
            ) from None
    mean = np.asarray(result.predict())
    if not result.mle_retvals.get("converged", True) or (
        ((mean < SEPARATED) | (mean > 1 - SEPARATED)).any()
    ):
        raise NotEstimable("the terms (quasi-)perfectly separate the outcome: no finite estimate")
    return _mle_fit(result, x, outcome, mean, mean * (1 - mean), cov_type)


def fit_poisson(y: pd.Series, x: pd.DataFrame, cov_type: str, offset=None, groups=None) -> Fit:
    """Poisson GLM (log link, optional offset) with HC0-HC3 or cluster-robust covariance."""
    _check_cov_type(cov_type, cluster_ok=True)
    outcome = np.asarray(y, dtype=float)
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    model = GLM(
        outcome,
        np.asarray(x, dtype=float),
        family=families.Poisson(),
        offset=None if offset is None else np.asarray(offset, dtype=float),
    )
    if cov_type == CLUSTER:
        result = model.fit(cov_type=CLUSTER, cov_kwds={"groups": _groups(groups)})
    else:
        result = model.fit()
    mean = np.asarray(result.fittedvalues)
    return _mle_fit(result, x, outcome, mean, mean, cov_type)


def expit(value: float) -> float:
    """The logistic function."""
    return float(1 / (1 + math.exp(-value)))
