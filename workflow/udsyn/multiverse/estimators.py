"""The multiverse: the five claims re-estimated under every defensible choice.

``udsyn.multiverse.grid`` enumerates the specifications; this module estimates one claim
specification (``estimate_claim``), a batch of them (``run_batch``) and
gathers the batches into the tables of ``results/multiverse/`` (``gather``).

Every estimate is a ratio of weighted sums or a weighted regression over
municipalities, so one matrix of bootstrap weights does all replicates at once:
``counts`` (replicates x municipalities) holds how often each municipality is
drawn (a multinomial resample of the municipalities, i.e. a cluster bootstrap
for initiative-level claims), multiplied by the municipality's analysis weight:
1, or its post-stratification weight N_h / n_h *recomputed in every replicate*
from the resample (n_h: draws in cell h; cells collapsed by the main analysis'
rule applied to the resample, ``replicate_weights``). The point estimate is the
same formula with counts of 1. Intervals are bootstrap percentiles at
``analysis.confidence_level``. Each claim specification draws from its own
generator, seeded from the global seed and its id (``udsyn.multiverse.grid.seed_for``).

The estimands (one per claim; the estimate at the main specification equals
the main analysis where the two estimate the same thing, which the tests check):

- headline: share with a business focus among respondents with a known answer;
- shift: share of business-type initiatives (``derive.business_purposes``)
  among dated initiatives started from the crisis cut-off on, minus the same
  share among those started before the reform;
- reform: log-odds ratio of a business focus per standard deviation of the
  post-reform size measure, adjusted for merger status as in the main analysis
  (logistic regression on size and ``merged``); at the main specification it
  is the main analysis' coefficient on log population times that measure's SD;
- crisis: share of dated initiatives started in or after the cut-off,
  peripheral minus other municipalities;
- capital: the capital's international FTE divided by the FTE that the OLS line
  of log FTE on the size measure (other respondents with FTE > 0) predicts; its
  interval is a bootstrap *prediction* interval, as in the main analysis: each
  replicate's prediction carries a residual drawn from that replicate's fit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from udsyn.analysis import cells
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.ingest.questionnaire import Questionnaire
from udsyn.multiverse import grid
from udsyn.multiverse.grid import HOLDS_TESTS, holds  # noqa: F401 (estimators.holds)

NAN = math.nan
SIZE_COLUMN = "size_class"
# The size measures a specification can use for post-reform size: register
# columns, plus the size class as its rank (0 = smallest).
SIZE_MEASURES = ("log_population_2007", "population_2007", "size_class", "n_premerger")
NEWTON_STEPS, NEWTON_TOLERANCE = 50, 1e-10

ESTIMANDS = {
    "headline": (
        "share",
        "share of responding municipalities with a known answer that have an "
        "international business focus",
    ),
    "shift": (
        "difference in shares",
        "share of business-type initiatives among dated "
        "initiatives started from the crisis cut-off on minus the "
        "share among those started before the reform",
    ),
    "reform": (
        "log-odds ratio per SD",
        "logistic regression of business focus on the "
        "standardised post-reform size measure and merged "
        "(more than one pre-reform municipality): the size "
        "slope",
    ),
    "crisis": (
        "difference in shares",
        "share of dated initiatives started in or after the "
        "crisis cut-off, peripheral minus other municipalities",
    ),
    "capital": (
        "ratio",
        "the capital's international FTE over the FTE predicted by the OLS line "
        "of log FTE on the size measure (other respondents with FTE > 0), "
        "with a bootstrap prediction interval (line and residual)",
    ),
}


@dataclass(frozen=True)
class EstimationSettings:
    """What a batch needs besides its work: the bootstrap size and the main
    config values the estimators use."""

    bootstrap_replicates: int
    confidence_level: float
    poststratification_cells: tuple[str, ...]
    reform_year: int
    business_purposes: tuple[str, ...]
    capital_code: int
    size_labels: tuple[str, ...]

    @classmethod
    def from_config(
        cls, derive: Mapping[str, Any], analysis: Mapping[str, Any], bootstrap_replicates: int
    ) -> EstimationSettings:
        return cls(
            bootstrap_replicates=bootstrap_replicates,
            confidence_level=analysis["confidence_level"],
            poststratification_cells=tuple(analysis["poststratification_cells"]),
            reform_year=derive["reform_year"],
            business_purposes=tuple(derive["business_purposes"]),
            capital_code=derive["capital_code"],
            size_labels=tuple(derive["size_labels"]),
        )


# ------------------------------------------------------------------ the data of a specification


def derive_variant(
    register: pd.DataFrame,
    clean: Mapping[str, pd.DataFrame],
    questionnaire: Questionnaire,
    derive: Mapping[str, Any],
    choices: Mapping[str, Any],
    data_origin: str,
) -> pd.DataFrame:
    """The derived municipalities table under a specification's choices."""
    settings = DeriveSettings.from_config(
        {
            **derive,
            "dont_know_as": choices["dont_know_as"],
            "headline_definition": choices["headline_definition"],
            "peripheral_groups": list(choices["peripheral_groups"]),
            "crisis_cutoff_year": choices["crisis_cutoff_year"],
        }
    )
    return derive_municipalities(
        register, clean["respondents"], clean["initiatives"], questionnaire, settings, data_origin
    )


def replicate_weights(
    municipalities: pd.DataFrame,
    observed: pd.Series,
    counts: np.ndarray,
    weighting: str,
    settings: EstimationSettings,
) -> np.ndarray:
    """The analysis weights of every row of ``counts`` (rows x observed units):
    the counts themselves, or counts x N_h / n_h with the post-stratification
    cells recomputed from each row's resample. Row 0 (counts of 1) gives the
    main analysis' weights. In a replicate, n_h counts the draws in cell h and
    cells are collapsed by the main analysis' rule (``cells.collapse_cells``)
    applied to the resample: a cell with fewer than two draws, unless every
    municipality of it is drawn, joins the nearest size class of its group
    with enough draws. A replicate whose cells cannot be made estimable has no
    weights (NaN row: no estimate, counted in replicates_failed)."""
    if weighting == "unweighted":
        return counts
    layout = _cell_layout(municipalities, observed, settings)
    group, klass, register = layout["group"], layout["klass"], layout["register"]
    n_groups, n_classes = register.shape
    cell = group * n_classes + klass
    drawn = np.zeros((counts.shape[0], n_groups * n_classes))
    for index in np.unique(cell):  # draws per cell (whole numbers: exact)
        drawn[:, index] = counts[:, cell == index].sum(axis=1)
    drawn = drawn.reshape(-1, n_groups, n_classes)
    size = np.broadcast_to(register, drawn.shape)
    present = register > 0
    estimable = (drawn >= 2) | ((drawn > 0) & (drawn == size))
    # The nearest estimable class, ties to the lower one (as cells.collapse_cells).
    rank = np.arange(n_classes)
    distance = 2 * np.abs(rank[:, None] - rank[None, :]) + (rank[None, :] > rank[:, None])
    keyed = np.where(estimable[:, :, None, :], distance[None, None], np.iinfo(np.int64).max)
    target = keyed.argmin(axis=3)
    first_present = present.argmax(axis=1)
    target = np.where(estimable.any(axis=2)[:, :, None], target, first_present[None, :, None])
    into = target[..., None] == rank  # (rows, groups, classes, targets)
    merged_size = np.einsum("bgkt,gk->bgt", into, register.astype(float))
    merged_drawn = np.einsum("bgkt,bgk->bgt", into, drawn)
    used = (into & present[None, :, :, None]).any(axis=2)
    ok = (merged_drawn >= 2) | ((merged_drawn > 0) & (merged_drawn == merged_size))
    failed = (used & ~ok).any(axis=(1, 2))
    if failed[0]:  # the sample itself: the main analysis' error, with its message
        cells.collapse_cells(
            municipalities,
            settings.poststratification_cells,
            observed,
            collapse_column=SIZE_COLUMN,
            collapse_order=settings.size_labels,
        )
    rows = np.arange(counts.shape[0])[:, None]
    unit_target = target[rows, group[None, :], klass[None, :]]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = (
            merged_size[rows, group[None, :], unit_target]
            / merged_drawn[rows, group[None, :], unit_target]
        )
    weighted = counts * np.where(counts > 0, weight, 0.0)
    weighted[failed] = NAN
    return weighted


def _cell_layout(
    municipalities: pd.DataFrame, observed: pd.Series, settings: EstimationSettings
) -> dict[str, np.ndarray]:
    """Per observed unit, its group (the cell variables other than size class)
    and size class (its rank; one class if size class is not a cell variable),
    and the register's count of each group x class."""
    key = (
        settings.poststratification_cells,
        settings.size_labels,
        pd.util.hash_pandas_object(
            municipalities[[*settings.poststratification_cells]], index=False
        )
        .to_numpy()
        .tobytes(),
        observed.to_numpy().tobytes(),
    )
    if key not in _LAYOUTS:
        columns = list(settings.poststratification_cells)
        others = [c for c in columns if c != SIZE_COLUMN]
        frame = municipalities[columns].astype(str)
        if others:
            group_codes, _ = pd.factorize(frame[others].agg("\x1f".join, axis=1), sort=True)
        else:
            group_codes = np.zeros(len(frame), dtype=int)
        if SIZE_COLUMN in columns:
            rank = {label: i for i, label in enumerate(settings.size_labels)}
            unknown = sorted(set(frame[SIZE_COLUMN]) - set(rank))
            if unknown:  # the main analysis' error, with its message
                cells.collapse_cells(
                    municipalities,
                    columns,
                    observed,
                    collapse_column=SIZE_COLUMN,
                    collapse_order=settings.size_labels,
                )
            class_codes = frame[SIZE_COLUMN].map(rank).to_numpy(int)
            n_classes = len(settings.size_labels)
        else:
            class_codes, n_classes = np.zeros(len(frame), dtype=int), 1
        register = np.zeros((int(group_codes.max()) + 1, n_classes), dtype=int)
        np.add.at(register, (group_codes, class_codes), 1)
        mask = observed.astype(bool).to_numpy()
        _LAYOUTS[key] = {
            "group": np.asarray(group_codes)[mask],
            "klass": class_codes[mask],
            "register": register,
        }
    return _LAYOUTS[key]


_LAYOUTS: dict[tuple, dict[str, np.ndarray]] = {}


def poststratification_weights(
    municipalities: pd.DataFrame, observed: pd.Series, settings: EstimationSettings
) -> np.ndarray:
    """N_h / n_h of the observed municipalities, by ``cells.collapse_cells`` (the
    main analysis' cells): what row 0 of ``replicate_weights`` must give."""
    cell = cells.collapse_cells(
        municipalities,
        settings.poststratification_cells,
        observed,
        collapse_column=SIZE_COLUMN,
        collapse_order=settings.size_labels,
    )["cell"]
    size = cell.map(cell.value_counts())
    sampled = cell[observed].map(cell[observed].value_counts())
    return (size[observed] / sampled).to_numpy(float)


def size_values(
    municipalities: pd.DataFrame, measure: str, settings: EstimationSettings
) -> pd.Series:
    """The post-stratification size measure as numbers (size class as its rank)."""
    if measure == SIZE_COLUMN:
        rank = {label: i for i, label in enumerate(settings.size_labels)}
        return municipalities[SIZE_COLUMN].map(rank).astype(float)
    return municipalities[measure].astype(float)


# ------------------------------------------------------------------ vectorised estimators


def resample_counts(rng: np.random.Generator, n_units: int, replicates: int) -> np.ndarray:
    """(1 + replicates) x n_units draw counts: a row of ones (the point estimate),
    then, per replicate, how often each unit is drawn in n_units draws with
    replacement (a multinomial resample with equal probabilities)."""
    drawn = rng.integers(0, n_units, size=(replicates, n_units))
    offsets = np.arange(replicates)[:, None] * n_units
    counts = np.bincount((drawn + offsets).ravel(), minlength=replicates * n_units)
    return np.vstack([np.ones((1, n_units)), counts.reshape(replicates, n_units)]).astype(float)


# Sums over units use np.einsum without `optimize`, never `@`: einsum's own loops
# do not call BLAS, whose summation order can differ between machines.


def row_sums(weights: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """sum_n weights[b, n] * column[n] for every row b and column (B x columns)."""
    return np.einsum("bn,nk->bk", weights, np.column_stack(columns))


def weighted_ratio(
    weights: np.ndarray, numerator: np.ndarray, denominator: np.ndarray
) -> np.ndarray:
    """sum(w * numerator) / sum(w * denominator) for every row of ``weights``;
    NaN where the denominator is 0 (a replicate without the units it needs)."""
    sums = row_sums(weights, numerator, denominator)
    top, bottom = sums[:, 0], sums[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), NAN)


def batched_logit(weights: np.ndarray, design: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The coefficients of a weighted logistic regression y ~ design (units x
    terms, the intercept a column of ones) for every row of ``weights`` at once
    (Newton-Raphson); NaN rows where it does not converge (e.g. a replicate
    with separation)."""
    terms = design.shape[1]
    columns = [design[:, j] for j in range(terms)]
    pairs = [(j, k) for j in range(terms) for k in range(j, terms)]
    beta = np.zeros((weights.shape[0], terms))
    converged = np.zeros(weights.shape[0], dtype=bool)
    # Rows still iterating: a row stops once its step is below the tolerance
    # (each row's path is its own, so the result does not depend on the others);
    # rows without weights (a failed replicate) never start.
    active = np.flatnonzero(np.isfinite(weights).all(axis=1))
    for _ in range(NEWTON_STEPS):
        if not len(active):
            break
        w, b = weights[active], beta[active]
        eta = b[:, :1] * columns[0]
        for j in range(1, terms):
            eta = eta + b[:, j : j + 1] * columns[j]
        # A replicate drifting towards separation takes eta past exp's range:
        # exp(-eta) overflows to inf and p to its limit 0, which is the right
        # value (that row then fails to converge and is NaN), so the warning is
        # noise to a reader of the build log.
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(-eta))
        gradient = row_sums(w * (y - p), *columns)
        moments = row_sums(w * p * (1 - p), *(columns[j] * columns[k] for j, k in pairs))
        hessian = np.empty((len(active), terms, terms))
        for index, (j, k) in enumerate(pairs):
            hessian[:, j, k] = hessian[:, k, j] = moments[:, index]
        step = _solve_small(hessian, gradient)
        beta[active] = b + np.nan_to_num(step)
        done = np.all(np.abs(step) < NEWTON_TOLERANCE, axis=1)
        converged[active[done]] = True
        active = active[~done]
    return np.where((converged & np.isfinite(beta).all(axis=1))[:, None], beta, NAN)


def batched_logit_slope(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The slope of a weighted logistic regression y ~ 1 + x for every row of ``weights``."""
    return batched_logit(weights, np.column_stack([np.ones_like(x), x]), y)[:, 1]


def _solve_small(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Solve each symmetric positive definite system matrices[b] z = vectors[b]
    by Gaussian elimination in fixed order, elementwise (no LAPACK, so the same
    bytes on every machine); NaN rows where singular."""
    a, v = matrices.astype(float).copy(), vectors.astype(float).copy()
    size = a.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(size):
            for i in range(j + 1, size):
                factor = a[:, i, j] / a[:, j, j]
                a[:, i, :] = a[:, i, :] - factor[:, None] * a[:, j, :]
                v[:, i] = v[:, i] - factor * v[:, j]
        z = np.empty_like(v)
        for i in reversed(range(size)):
            total = v[:, i]
            for k in range(i + 1, size):
                total = total - a[:, i, k] * z[:, k]
            z[:, i] = total / a[:, i, i]
    z[~np.isfinite(z).all(axis=1)] = NAN
    return z


def _solve(a: np.ndarray, b: np.ndarray, d: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Solve each symmetric 2x2 system [[a, b], [b, d]] z = v in closed form (NaN
    where singular), without LAPACK."""
    det = a * d - b * b
    with np.errstate(invalid="ignore", divide="ignore"):
        first = (d * vectors[:, 0] - b * vectors[:, 1]) / det
        second = (a * vectors[:, 1] - b * vectors[:, 0]) / det
    out = np.column_stack([first, second])
    out[~np.isfinite(det) | (det == 0)] = NAN
    return out


def batched_ols(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(intercept, slope) of a weighted OLS y ~ 1 + x for every row of ``weights``."""
    sums = row_sums(weights, np.ones_like(x), x, x * x, y, x * y)
    return _solve(sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3:5])


# ------------------------------------------------------------------ the five claims


def _headline(data: Mapping[str, pd.DataFrame], choices, settings, rng):
    municipalities = data["municipalities"]
    values = municipalities["business_focus"].where(municipalities["responded"] == 1)
    known = values.notna()
    counts = replicate_weights(
        municipalities,
        known,
        resample_counts(rng, int(known.sum()), settings.bootstrap_replicates),
        choices["weighting"],
        settings,
    )
    y = values[known].to_numpy(float)
    return weighted_ratio(counts, y, np.ones_like(y)), int(known.sum())


def _initiative_sums(
    initiatives: pd.DataFrame, municipalities: pd.DataFrame, columns: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """Per municipality (register order), the sums of 0/1 initiative columns."""
    frame = pd.DataFrame(
        {
            "code": initiatives["municipality_code"].to_numpy(),
            **{name: column.astype(float).to_numpy() for name, column in columns.items()},
        }
    )
    sums = frame.groupby("code", sort=True).sum()
    return sums.reindex(municipalities["code"].to_numpy(), fill_value=0.0)


def _shift(data, choices, settings, rng):
    municipalities, initiatives = data["municipalities"], data["initiatives"]
    dated = initiatives[initiatives["start_year"].notna() & initiatives["initiative_type"].notna()]
    early = dated["start_year"] < settings.reform_year
    late = dated["start_year"] >= choices["crisis_cutoff_year"]
    business = dated["initiative_type"].isin(settings.business_purposes)
    sums = _initiative_sums(
        dated,
        municipalities,
        {
            "early": early,
            "early_business": early & business,
            "late": late,
            "late_business": late & business,
        },
    )
    observed = pd.Series((sums["early"] + sums["late"] > 0).to_numpy(), index=municipalities.index)
    part = sums[observed.to_numpy()]
    counts = replicate_weights(
        municipalities,
        observed,
        resample_counts(rng, len(part), settings.bootstrap_replicates),
        choices["weighting"],
        settings,
    )
    late_share = weighted_ratio(counts, part["late_business"].to_numpy(), part["late"].to_numpy())
    early_share = weighted_ratio(
        counts, part["early_business"].to_numpy(), part["early"].to_numpy()
    )
    return late_share - early_share, len(part)


def _reform(data, choices, settings, rng):
    municipalities = data["municipalities"]
    outcome = municipalities["business_focus"].where(municipalities["responded"] == 1)
    known = outcome.notna()
    size = size_values(municipalities, choices["size_measure"], settings)[known].to_numpy()
    spread = size.std(ddof=1)
    standardised = (size - size.mean()) / spread if spread > 0 else np.full_like(size, NAN)
    # The merger term of the main analysis (udsyn.analysis.claims.REFORM_TERMS).
    merged = municipalities.loc[known, "merged"].to_numpy(float)
    counts = replicate_weights(
        municipalities,
        known,
        resample_counts(rng, int(known.sum()), settings.bootstrap_replicates),
        choices["weighting"],
        settings,
    )
    design = np.column_stack([np.ones_like(standardised), standardised, merged])
    return batched_logit(counts, design, outcome[known].to_numpy(float))[:, 1], int(known.sum())


def _crisis(data, choices, settings, rng):
    municipalities, initiatives = data["municipalities"], data["initiatives"]
    dated = initiatives[initiatives["start_year"].notna()]
    sums = _initiative_sums(
        dated,
        municipalities,
        {
            "dated": pd.Series(True, index=dated.index),
            "post": dated["start_year"] >= choices["crisis_cutoff_year"],
        },
    )
    observed = pd.Series((sums["dated"] > 0).to_numpy(), index=municipalities.index)
    part = sums[observed.to_numpy()]
    peripheral = municipalities.loc[observed, "peripheral"].to_numpy(float)
    counts = replicate_weights(
        municipalities,
        observed,
        resample_counts(rng, len(part), settings.bootstrap_replicates),
        choices["weighting"],
        settings,
    )
    post, n_dated = part["post"].to_numpy(), part["dated"].to_numpy()
    share = {
        flag: weighted_ratio(counts, post * (peripheral == flag), n_dated * (peripheral == flag))
        for flag in (0, 1)
    }
    return share[1] - share[0], len(part)


def _capital(data, choices, settings, rng):
    municipalities = data["municipalities"]
    responded = municipalities["responded"] == 1
    fte = municipalities["international_fte"].astype("Float64")
    is_capital = municipalities["code"] == settings.capital_code
    in_fit = (responded & (fte > 0).fillna(False) & ~is_capital).astype(bool)
    size = size_values(municipalities, choices["size_measure"], settings)
    n_fit = int(in_fit.sum())
    counts = replicate_weights(
        municipalities,
        in_fit,
        resample_counts(rng, n_fit, settings.bootstrap_replicates),
        choices["weighting"],
        settings,
    )
    x, y = size[in_fit].to_numpy(), np.log(fte[in_fit].to_numpy(float))
    line = batched_ols(counts, x, y)
    # A prediction interval, as the main analysis': each replicate's prediction
    # carries one residual of its own fit, drawn with the replicate's weights and
    # scaled by sqrt(n / (n - 2)) (the residual variance's degrees of freedom).
    residuals = y[None, :] - (line[:, :1] + line[:, 1:] * x[None, :])
    cumulative = np.cumsum(counts[1:], axis=1)
    drawn = rng.random(counts.shape[0] - 1)[:, None] * cumulative[:, -1:]
    pick = np.minimum((cumulative <= drawn).sum(axis=1), n_fit - 1)
    noise = np.concatenate([[0.0], residuals[1:][np.arange(len(pick)), pick]]) * (
        math.sqrt(n_fit / (n_fit - 2)) if n_fit > 2 else NAN
    )
    capital_fte = fte[is_capital & responded]
    observed = (
        float(capital_fte.iloc[0]) if len(capital_fte) and pd.notna(capital_fte.iloc[0]) else NAN
    )
    if not observed > 0:  # the capital gave no positive FTE: nothing to compare
        return np.full(counts.shape[0], NAN), n_fit
    predicted = line[:, 0] + line[:, 1] * float(size[is_capital].iloc[0]) + noise
    return observed / np.exp(predicted), n_fit


ESTIMATORS = {
    "headline": _headline,
    "shift": _shift,
    "reform": _reform,
    "crisis": _crisis,
    "capital": _capital,
}


def holds_text(rule: Mapping[str, Any]) -> str:
    """The test in words."""
    if rule["test"] == "equivalence":
        return (
            f"interval within {rule['value']} ± {rule['margin']} (equivalence: two "
            f"one-sided tests)"
        )
    return f"interval {rule['test']} {rule['value']}"


def estimate_claim(
    claim: str,
    data: Mapping[str, pd.DataFrame],
    choices: Mapping[str, Any],
    seed: int,
    settings: EstimationSettings,
) -> dict[str, Any]:
    """One claim under one specification: estimate, percentile interval, n and
    the bootstrap replicates without an estimate."""
    rng = np.random.default_rng(seed)
    values, n = ESTIMATORS[claim](data, choices, settings, rng)
    estimate, replicates = float(values[0]), values[1:]
    finite = replicates[np.isfinite(replicates)]
    alpha = 1 - settings.confidence_level
    if len(finite) and math.isfinite(estimate):
        low, high = (float(v) for v in np.quantile(finite, [alpha / 2, 1 - alpha / 2]))
    else:
        low = high = NAN
    return {
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "replicates_failed": int(len(replicates) - len(finite)),
    }


# ------------------------------------------------------------------ batches and gathering


def run_batch(
    work: Sequence[Mapping[str, Any]],
    main: Mapping[str, Any],
    register: pd.DataFrame,
    clean: Mapping[str, Mapping[str, pd.DataFrame]],
    questionnaire: Questionnaire,
    derive: Mapping[str, Any],
    settings: EstimationSettings,
    data_origin: str,
) -> pd.DataFrame:
    """Estimate a batch of claim specifications (``udsyn.multiverse.grid.plan``). ``clean``:
    duplicate rule -> {"respondents", "initiatives"}. A choice a claim does not
    use takes the main specification's value ``main`` (it cannot change the
    estimate)."""
    derived: dict[str, pd.DataFrame] = {}
    rows = []
    for item in work:
        choices = {**main, **item["choices"]}
        key = grid.canonical(
            {
                name: choices[name]
                for name in (
                    "duplicate_rule",
                    "dont_know_as",
                    "headline_definition",
                    "peripheral_groups",
                    "crisis_cutoff_year",
                )
            }
        )
        if key not in derived:
            derived[key] = derive_variant(
                register,
                clean[choices["duplicate_rule"]],
                questionnaire,
                derive,
                choices,
                data_origin,
            )
        data = {
            "municipalities": derived[key],
            "initiatives": clean[choices["duplicate_rule"]]["initiatives"],
        }
        result = estimate_claim(item["claim"], data, choices, item["seed"], settings)
        rows.append(
            {
                "claim": item["claim"],
                "claim_spec_id": item["claim_spec_id"],
                "seed": item["seed"],
                **result,
                **{name: grid.shown(value) for name, value in item["choices"].items()},
            }
        )
    # Every choice has a column (config order), empty where the claim does not use it.
    columns = [
        "claim",
        "claim_spec_id",
        "seed",
        *main,
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "replicates_failed",
    ]
    table = pd.DataFrame(rows).reindex(columns=columns)
    table.insert(0, "data_origin", data_origin)
    return table


def _claim_table(
    batches: Sequence[pd.DataFrame],
    choices: Mapping[str, Sequence[Any]],
    rules: Mapping[str, Mapping[str, Any]],
    main: Mapping[str, Any],
) -> pd.DataFrame:
    table = pd.concat(batches, ignore_index=True)
    main_ids = {grid.claim_spec_of(claim, main) for claim in grid.CLAIMS}
    table["is_main"] = table["claim_spec_id"].isin(main_ids).map({True: "yes", False: "no"})
    verdicts = [
        holds(low, high, rules[claim])
        for claim, low, high in zip(table["claim"], table["ci_low"], table["ci_high"])
    ]
    table["holds"] = ["" if v is None else ("yes" if v else "no") for v in verdicts]
    table["holds_when"] = table["claim"].map({c: holds_text(rules[c]) for c in grid.CLAIMS})
    table["scale"] = table["claim"].map({c: ESTIMANDS[c][0] for c in grid.CLAIMS})
    table["definition"] = table["claim"].map({c: ESTIMANDS[c][1] for c in grid.CLAIMS})
    table["claim_order"] = table["claim"].map({c: i for i, c in enumerate(grid.CLAIMS)})
    table = table.sort_values(["claim_order", "claim_spec_id"], kind="stable")
    for name in choices:
        if name not in table:
            table[name] = pd.NA
    first = ["data_origin", "claim", "claim_spec_id", "is_main", *choices]
    rest = [
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "replicates_failed",
        "holds",
        "holds_when",
        "scale",
        "definition",
        "seed",
    ]
    return table[first + rest].reset_index(drop=True)


def gather(
    batches: Sequence[pd.DataFrame],
    multiverse: Mapping[str, Any],
    main: Mapping[str, Any],
    data_origin: str,
) -> dict[str, pd.DataFrame]:
    """The batches -> claim_specifications (one row per distinct analysis, with
    whether the claim holds by ``multiverse.holds``), specifications (the full
    grid), specification_results (grid x claim, where the claim applies:
    ``multiverse.restrict``) and summary (per claim: holds in k of d distinct
    analyses, and in how many specifications). ``multiverse``: the config
    section; ``main``: the main specification (``udsyn.multiverse.grid.main_specification``)."""
    choices, rules = multiverse["choices"], multiverse["holds"]
    restrict = multiverse.get("restrict") or {}
    claims = _claim_table(batches, choices, rules, main)
    for name, alternatives in choices.items():  # the values as written (grid.shown), not 2008.0
        unknown = sorted(
            set(claims[name].dropna().astype(str)) - {grid.shown(a) for a in alternatives}
        )
        if unknown:
            raise ValueError(
                f"the batches' column {name} holds {unknown}, not an alternative "
                f"of multiverse.choices.{name}: read the batches with "
                f"udsyn.core.files.read_table(path, text=<the choice names>)"
            )
    expected = {
        item["claim_spec_id"]
        for item in grid.claim_specifications(choices, multiverse["seed"], restrict)
    }
    found = set(claims["claim_spec_id"])
    if found != expected or claims["claim_spec_id"].duplicated().any():
        raise ValueError(
            f"the batches hold {len(claims)} claim specifications, the grid "
            f"{len(expected)}: rerun the multiverse batches"
        )
    grid_rows = grid.specifications(choices)
    main_id = grid.spec_id(main)
    specs = pd.DataFrame(
        [
            {
                "data_origin": data_origin,
                "spec_id": grid.spec_id(values),
                "is_main": "yes" if grid.spec_id(values) == main_id else "no",
                **{name: grid.shown(value) for name, value in values.items()},
            }
            for values in grid_rows
        ]
    )
    by_id = claims.set_index("claim_spec_id")
    results = pd.DataFrame(
        [
            {
                "data_origin": data_origin,
                "spec_id": grid.spec_id(values),
                "claim": claim,
                "claim_spec_id": (cid := grid.claim_spec_of(claim, values)),
                **{c: by_id.at[cid, c] for c in ("estimate", "ci_low", "ci_high", "holds")},
            }
            for values in grid_rows
            for claim in grid.CLAIMS
            if grid.applies(claim, values, restrict)
        ]
    )
    summary = summarise(
        claims, results, choices, rules, multiverse["bootstrap_replicates"], restrict
    )
    summary.insert(0, "data_origin", data_origin)
    return {
        "claim_specifications": claims,
        "specifications": specs,
        "specification_results": results,
        "summary": summary,
    }


def restricted_text(
    claim: str, choices: Mapping[str, Sequence[Any]], restrict: Mapping[str, Any]
) -> str:
    """The alternatives left out for a claim, with the reason (empty if none)."""
    parts = []
    for name, entry in (restrict or {}).get(claim, {}).items():
        keep = {grid.canonical(a) for a in entry["alternatives"]}
        left_out = [grid.shown(a) for a in choices[name] if grid.canonical(a) not in keep]
        if left_out:
            parts.append(
                f"{name} {', '.join(left_out)} left out: {' '.join(entry['reason'].split())}"
            )
    return "; ".join(parts)


def summarise(
    claims: pd.DataFrame,
    results: pd.DataFrame,
    choices: Mapping[str, Sequence[Any]],
    rules: Mapping[str, Mapping[str, Any]],
    replicates: int,
    restrict: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Per claim: in how many of its distinct analyses it holds (first: each
    distinct analysis is one estimate), in how many specifications of the grid
    (each distinct analysis repeated for the choices the claim does not use),
    the main specification, and how many distinct analyses had bootstrap
    replicates without an estimate (at most what share of the ``replicates``,
    ``multiverse.bootstrap_replicates``). Those replicates are left out of the
    percentile interval; they are rarely a random part of the bootstrap (a
    resample with too few draws in a cell or group), so the report says how many
    there were rather than let the interval hide them."""
    rows = []
    for claim in grid.CLAIMS:
        distinct = claims[claims["claim"] == claim]
        every = results[results["claim"] == claim]
        main = distinct[distinct["is_main"] == "yes"].iloc[0]
        failed = distinct["replicates_failed"]
        rows.append(
            {
                "claim": claim,
                "n_distinct": len(distinct),
                "n_distinct_holds": int((distinct["holds"] == "yes").sum()),
                "share_distinct_holds": float((distinct["holds"] == "yes").mean()),
                "n_distinct_without_interval": int((distinct["holds"].fillna("") == "").sum()),
                "n_specifications": len(every),
                "n_holds": int((every["holds"] == "yes").sum()),
                "n_without_interval": int((every["holds"].fillna("") == "").sum()),
                "n_distinct_with_failed_replicates": int((failed > 0).sum()),
                "max_share_replicates_failed": float(failed.max() / replicates),
                "share_holds": float((every["holds"] == "yes").mean()),
                "specifications_per_distinct": len(every) // len(distinct),
                "choices_used": ", ".join(n for n in choices if n in grid.CLAIM_CHOICES[claim]),
                "restricted": restricted_text(claim, choices, restrict or {}),
                "main_estimate": main["estimate"],
                "main_ci_low": main["ci_low"],
                "main_ci_high": main["ci_high"],
                "main_n": int(main["n"]),
                "main_holds": main["holds"],
                "min_estimate": float(distinct["estimate"].min()),
                "median_estimate": float(distinct["estimate"].median()),
                "max_estimate": float(distinct["estimate"].max()),
                "scale": ESTIMANDS[claim][0],
                "holds_when": holds_text(rules[claim]),
                "definition": ESTIMANDS[claim][1],
            }
        )
    return pd.DataFrame(rows)
