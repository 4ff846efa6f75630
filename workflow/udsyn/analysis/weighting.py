"""Non-response weights to the register: raking (weightipy) or inverse-probability
weighting from a logistic response model (statsmodels), with a fallback rule so
that a thin or empty category never stops the build, and the diagnostics of the
weights (balance, Kish design effect, effective n).

Weights belong to the responding municipalities and sum to the number of register
municipalities: a weight is the number of register municipalities a respondent
stands for.

The fallback rule (docs/pipeline.md, rule `headline`; recorded in weighting_summary.csv):

1. Categories. A category of a weighting covariate with no respondent (and, for
   ``ipw``, one where every municipality responded: the logit has no finite
   estimate there) is merged into the nearest size class (size_class; a tie goes
   to the smaller class). For the other covariates, which have no order, the
   covariate is dropped. A covariate left with one category is dropped.
2. Method. If the method fails (an error, no convergence, a weight that is not
   finite and positive, or for raking a weighted margin more than 1e-6 from its
   register share) the last covariate in the configured order is dropped and the
   method is tried again.
3. Unweighted. With no covariate left every respondent gets the same weight.
Each step taken is logged and written to the summary's ``fallback`` column.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SIZE_COLUMN = "size_class"
# The register covariates the non-response analysis covers, in table order.
REGISTER_COVARIATES = ("region", SIZE_COLUMN, "merged", "peripheral", "capital")
BINARY = ("merged", "peripheral", "capital")
BINARY_LABELS = {0: "no", 1: "yes"}
METHODS = ("raking", "ipw")
MARGIN_TOLERANCE = 1e-6
RAKING_ITERATIONS = 1000

log = logging.getLogger("udsyn.analysis.weighting")


def categories(
    municipalities: pd.DataFrame, covariate: str, size_labels: Sequence[str]
) -> tuple[pd.Series, list[str]]:
    """Each municipality's category of ``covariate`` as text, and the categories
    in table order (regions alphabetical, size classes as configured, no/yes)."""
    if covariate in BINARY:
        values = municipalities[covariate].astype(int).map(BINARY_LABELS)
        return values, [BINARY_LABELS[0], BINARY_LABELS[1]]
    values = municipalities[covariate].astype(str)
    if covariate == SIZE_COLUMN:
        return values, list(size_labels)
    return values, sorted(values.unique())


@dataclass
class Weights:
    """Respondents' weights (index of the municipalities table, respondents only)
    and how they were made."""

    weights: pd.Series
    method: str
    covariates: tuple[str, ...]
    fallback: list[str] = field(default_factory=list)
    cells: pd.DataFrame | None = None  # the covariates' (merged) categories used

    @property
    def fallback_text(self) -> str:
        return "; ".join(self.fallback) if self.fallback else "none"


def kish_design_effect(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weighting, n sum(w^2) / (sum w)^2 (>= 1)."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * (w**2).sum() / w.sum() ** 2)


def effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum(w^2): at most n (Cauchy-Schwarz)."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def _prepare(
    municipalities: pd.DataFrame,
    covariates: Sequence[str],
    method: str,
    size_labels: Sequence[str],
    steps: list[str],
) -> tuple[pd.DataFrame, list[str]]:
    """Step 1 of the fallback rule: the categories, thin ones merged or dropped."""
    responded = municipalities["responded"].to_numpy() == 1
    frame, kept = pd.DataFrame(index=municipalities.index), []
    for covariate in covariates:
        values, order = categories(municipalities, covariate, size_labels)
        order = [c for c in order if (values == c).any()]

        def usable(category: str) -> bool:
            inside = (values == category).to_numpy()
            hits = int(responded[inside].sum())
            return hits > 0 and (method != "ipw" or hits < int(inside.sum()))

        bad = [c for c in order if not usable(c)]
        if bad and covariate == SIZE_COLUMN:
            good = [c for c in order if usable(c)]
            if good:
                rank = {c: i for i, c in enumerate(order)}
                target = {
                    c: min(good, key=lambda g: (abs(rank[g] - rank[c]), rank[g])) for c in bad
                }
                merged = {g: [c for c in order if c == g or target.get(c) == g] for g in good}
                label = {c: " + ".join(merged[g]) for g in good for c in merged[g]}
                values = values.map(label)
                steps.append(
                    f"{covariate}: " + ", ".join(f"'{c}' merged into '{target[c]}'" for c in bad)
                )
                order = list(dict.fromkeys(label[c] for c in order))
                bad = []
        if bad:
            why = "no respondent" if method != "ipw" else "no respondent or no non-respondent"
            steps.append(f"{covariate} dropped ({why} in {', '.join(bad)})")
            continue
        if len(order) < 2:
            steps.append(f"{covariate} dropped (one category)")
            continue
        frame[covariate] = values
        kept.append(covariate)
    return frame, kept


def _rake(cells: pd.DataFrame, responded: np.ndarray, covariates: list[str]) -> np.ndarray:
    """Raking (iterative proportional fitting) of the respondents to the register's
    margins with weightipy; weights scaled to sum to the register size."""
    import weightipy

    register = len(cells)
    targets = {
        c: {
            str(k): 100 * float(v)
            for k, v in cells[c].value_counts(normalize=True).sort_index().items()
        }
        for c in covariates
    }
    sample = cells.loc[responded, covariates].astype(str).reset_index(drop=True)
    scheme = weightipy.scheme_from_dict(
        targets, name="udsyn", rim_params={"max_iterations": RAKING_ITERATIONS, "convcrit": 1e-12}
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raked = weightipy.weight(sample, scheme)
    if printed.getvalue().strip():
        log.info("weightipy: %s", printed.getvalue().strip().replace("\n", " "))
    weights = np.asarray(raked, dtype=float)
    weights = weights * register / weights.sum()
    for c in covariates:
        achieved = pd.Series(weights).groupby(sample[c].to_numpy()).sum() / register
        wanted = pd.Series(targets[c]) / 100
        gap = float((achieved.reindex(wanted.index).fillna(0) - wanted).abs().max())
        if not gap <= MARGIN_TOLERANCE:
            raise ArithmeticError(f"raking missed the {c} margin by {gap:.2g}")
    return weights


def _ipw(cells: pd.DataFrame, responded: np.ndarray, covariates: list[str]) -> np.ndarray:
    """Inverse-probability weights 1/p from a logistic model of response on the
    covariates' categories (statsmodels), scaled to sum to the register size."""
    from statsmodels.discrete.discrete_model import Logit

    design = pd.get_dummies(cells[covariates].astype(str), drop_first=True, dtype=float)
    design.insert(0, "const", 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # separation and non-convergence are failures
        fit = Logit(responded.astype(float), design.to_numpy()).fit(disp=0, maxiter=200)
    if not fit.mle_retvals.get("converged", False):
        raise ArithmeticError("the response model did not converge")
    p = np.asarray(fit.predict())[responded]
    weights = 1 / p
    return weights * len(cells) / weights.sum()


def response_weights(
    municipalities: pd.DataFrame,
    method: str,
    covariates: Sequence[str],
    size_labels: Sequence[str],
) -> Weights:
    """The respondents' weights by ``method`` on ``covariates``, with the
    fallback rule of this module's docstring."""
    if method not in METHODS:
        raise ValueError(f"weighting method {method!r}; known: {METHODS}")
    responded = municipalities["responded"].to_numpy() == 1
    index = municipalities.index[responded]
    steps: list[str] = []
    cells, kept = _prepare(municipalities, covariates, method, size_labels, steps)
    make = _rake if method == "raking" else _ipw
    while kept:
        try:
            weights = make(cells, responded, kept)
            if not (np.isfinite(weights).all() and (weights > 0).all()):
                raise ArithmeticError("a weight is not finite and positive")
            for step in steps:
                log.warning("weighting fallback: %s", step)
            return Weights(
                pd.Series(weights, index=index), method, tuple(kept), steps, cells[kept]
            )
        except Exception as error:  # noqa: BLE001 -- any failure falls back (module docstring)
            steps.append(
                f"{method} on {', '.join(kept)} failed ({type(error).__name__}: "
                f"{error}); {kept[-1]} dropped"
            )
            kept = kept[:-1]
    steps.append("no covariate left: unweighted (equal weights)")
    for step in steps:
        log.warning("weighting fallback: %s", step)
    n = int(responded.sum())
    equal = len(municipalities) / n if n else math.nan
    return Weights(pd.Series(equal, index=index, dtype=float), "unweighted", (), steps, cells[[]])


# ------------------------------------------------------------------ estimates


@dataclass(frozen=True)
class WeightedShare:
    """A weighted (Hajek) share with its linearisation standard error."""

    estimate: float
    std_error: float
    n: int
    effective_n: float


def weighted_share(values: pd.Series, weights: pd.Series) -> WeightedShare:
    """sum w y / sum w over the units with a value, and its with-replacement
    (Taylor linearisation) standard error: v = n/(n-1) sum z_i^2 with
    z_i = w_i (y_i - p) / sum w (the weights treated as fixed; no
    finite-population correction: the superpopulation estimand)."""
    frame = pd.DataFrame({"y": pd.to_numeric(values), "w": weights}).dropna()
    y, w = frame["y"].to_numpy(float), frame["w"].to_numpy(float)
    n = len(y)
    if n == 0:
        return WeightedShare(math.nan, math.nan, 0, math.nan)
    p = float((w * y).sum() / w.sum())
    z = w * (y - p) / w.sum()
    variance = float(n / (n - 1) * (z**2).sum()) if n > 1 else math.nan
    return WeightedShare(p, math.sqrt(variance), n, effective_n(w))


def logit_interval(share: WeightedShare, critical: float, wilson) -> tuple[float, float, str]:
    """The interval of a weighted share: on the logit scale,
    logit(p) +- z se / (p (1 - p)) (R survey's svyciprop 'logit'); at p = 0 or 1,
    where that is degenerate, Wilson with the Kish effective n. Returns the ends
    and the method's name."""
    p, se = share.estimate, share.std_error
    if 0 < p < 1 and se > 0:
        half = critical * se / (p * (1 - p))
        centre = math.log(p / (1 - p))
        return (
            1 / (1 + math.exp(-(centre - half))),
            1 / (1 + math.exp(-(centre + half))),
            "logit",
        )
    low, high = wilson(p * share.effective_n, share.effective_n)
    return low, high, "Wilson with Kish effective n"


# ------------------------------------------------------------------ diagnostics


def smd(share: float, target: float) -> float:
    """Standardised mean difference of a 0/1 indicator, respondents (share) vs
    register (target): difference over the pooled SD sqrt((p1 q1 + p0 q0) / 2)."""
    pooled = math.sqrt((share * (1 - share) + target * (1 - target)) / 2)
    return (share - target) / pooled if pooled > 0 else 0.0


def balance(
    municipalities: pd.DataFrame, result: Weights, size_labels: Sequence[str]
) -> list[dict]:
    """Per register covariate and category: register share, respondents' share
    unweighted and weighted, and the SMD of each against the register; and
    log population (a continuous check), its mean difference in register SDs."""
    responded = municipalities["responded"].to_numpy() == 1
    w = result.weights.to_numpy(float)
    rows = []
    for covariate in REGISTER_COVARIATES:
        values, order = categories(municipalities, covariate, size_labels)
        for category in order:
            inside = (values == category).to_numpy()
            target = float(inside.mean())
            plain = float(inside[responded].mean()) if responded.any() else math.nan
            weighted = (
                float((w * inside[responded]).sum() / w.sum()) if responded.any() else math.nan
            )
            rows.append(
                {
                    "covariate": covariate,
                    "category": category,
                    "in_weighting": "yes" if covariate in result.covariates else "no",
                    "register_value": target,
                    "unweighted_value": plain,
                    "weighted_value": weighted,
                    "smd_before": smd(plain, target),
                    "smd_after": smd(weighted, target),
                }
            )
    x = municipalities["log_population_2007"].to_numpy(float)
    sd = float(x.std(ddof=1))
    plain = float(x[responded].mean())
    weighted = float((w * x[responded]).sum() / w.sum())
    rows.append(
        {
            "covariate": "log_population_2007",
            "category": "mean",
            "in_weighting": "no",
            "register_value": float(x.mean()),
            "unweighted_value": plain,
            "weighted_value": weighted,
            "smd_before": (plain - x.mean()) / sd,
            "smd_after": (weighted - x.mean()) / sd,
        }
    )
    return rows


# ------------------------------------------------------------------ non-response tests


def response_test(
    municipalities: pd.DataFrame, covariate: str, size_labels: Sequence[str], seed: int = 20141127
) -> dict:
    """Fisher's exact test of response against a covariate's categories (scipy):
    exact for two categories; for more, its r x 2 generalisation with a Monte
    Carlo p-value (10,000 tables, fixed seed, so the same data give the same p)."""
    from scipy import stats as scipy_stats

    values, order = categories(municipalities, covariate, size_labels)
    responded = municipalities["responded"].to_numpy() == 1
    table = np.array(
        [
            [
                int(((values == c).to_numpy() & responded).sum()),
                int(((values == c).to_numpy() & ~responded).sum()),
            ]
            for c in order
        ]
    )
    table = table[table.sum(axis=1) > 0]
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return {
            "test": "none (one category or no variation in response)",
            "n_categories": len(table),
            "p_value": math.nan,
        }
    if len(table) == 2:
        result = scipy_stats.fisher_exact(table)
        return {
            "test": "Fisher's exact test (2 x 2, two-sided)",
            "n_categories": 2,
            "p_value": float(result.pvalue),
        }
    method = scipy_stats.MonteCarloMethod(n_resamples=10_000, rng=np.random.default_rng(seed))
    result = scipy_stats.fisher_exact(table, method=method)
    return {
        "test": f"Fisher's exact test ({len(table)} x 2, Monte Carlo p, 10,000 tables)",
        "n_categories": len(table),
        "p_value": float(result.pvalue),
    }
