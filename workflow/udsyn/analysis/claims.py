"""The analyses of the research design (1-6 and the robustness checks), one pure
function each: DataFrames and settings in, the tables of results/analysis/ out.

Inputs are the derived municipalities table (all register municipalities, one
row each) and the clean initiatives table. Every table starts with
``data_origin``; estimates carry ``estimate``, ``ci_low``, ``ci_high``, ``n``
and a ``definition`` sentence with the configured values filled in. Intervals
are at ``analysis.confidence_level``. Rows come in a fixed order, so the same
inputs always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from udsyn.analysis import stats, weighting
from udsyn.core.errors import InputError, Problem
from udsyn.core.settings import from_sections

# The two business-focus definitions of the derive step, in table order
# (derived columns business_focus_<key>).
HEADLINE_DEFINITIONS = ("purpose", "likert")
SIZE_COLUMN = "size_class"
REFORM_TERMS = ("log_population_2007", "merged")
NAN = math.nan
UNSET = object()  # a setting the rule did not pass (AnalysisSettings.from_values)


@dataclass(frozen=True)
class AnalysisSettings:
    """The ``analysis`` config section and the ``derive`` choices the analyses use."""

    published_headline_share: float
    confidence_level: float
    robust_covariance: str
    poststratification_cells: tuple[str, ...]
    robustness_crisis_cutoffs: tuple[int, ...]
    crisis_cutoff_year: int
    reform_year: int
    headline_definition: str
    size_labels: tuple[str, ...]
    capital_code: int
    peripheral_groups: tuple[str, ...]
    business_purposes: tuple[str, ...]
    likert_focus_labels: tuple[str, ...]
    dont_know_as: str
    intensity_population: str
    weighting: dict

    @property
    def weighting_method(self) -> str:
        return self.weighting["method"]

    @property
    def weighting_covariates(self) -> tuple[str, ...]:
        return tuple(self.weighting["covariates"])

    @classmethod
    def from_config(cls, analysis: dict, derive: dict) -> AnalysisSettings:
        return from_sections(cls, derive, analysis)

    @classmethod
    def from_values(cls, values: dict) -> AnalysisSettings:
        """Settings holding only ``values`` (the keys one analysis rule passes, so
        that editing another config value does not rerun it); reading any other
        setting is an error naming it."""
        return cls(
            **{
                name: tuple(values[name])
                if isinstance(values.get(name), list)
                else values.get(name, UNSET)
                for name in cls.__dataclass_fields__
            }
        )

    def __getattribute__(self, name: str):
        value = object.__getattribute__(self, name)
        if value is UNSET:
            raise AttributeError(
                f"analysis setting '{name}' was not passed to this rule: add "
                "it to the rule's keys in workflow/rules/analysis.smk"
            )
        return value

    @property
    def level_text(self) -> str:
        return f"{self.confidence_level:.0%}"

    def crisis_cutoffs(self) -> list[int]:
        """The main cut-off and the robustness cut-offs, sorted, each once."""
        return sorted({self.crisis_cutoff_year, *self.robustness_crisis_cutoffs})


def _listed(values: Sequence) -> str:
    return ", ".join(str(v) for v in values)


def _with_origin(table: pd.DataFrame, data_origin: str) -> pd.DataFrame:
    table.insert(0, "data_origin", data_origin)
    return table.reset_index(drop=True)


def _respondents(municipalities: pd.DataFrame) -> pd.DataFrame:
    return municipalities[municipalities["responded"] == 1]


# ------------------------------------------------------------------ 1. headline


def _headline_definition(key: str, settings: AnalysisSettings) -> str:
    questions = "Q1" if key == "purpose" else "Q1 and Q3"
    dont_know = f"'Ved ikke' on {questions} counted as: {settings.dont_know_as.replace('_', ' ')}"
    if key == "purpose":
        rule = (
            f"take part in international cooperation (Q1) and name at least one of "
            f"{_listed(settings.business_purposes)} as a purpose (Q2)"
        )
    else:
        rule = (
            f"take part in international cooperation (Q1) and answer "
            f"{' or '.join(repr(label) for label in settings.likert_focus_labels)} to the "
            f"business-focus question (Q3)"
        )
    configured = (
        " (the configured headline definition)" if key == settings.headline_definition else ""
    )
    return (
        f"share of responding municipalities with a known answer that {rule}; "
        f"{dont_know}{configured}"
    )


def poststratification_cells(
    municipalities: pd.DataFrame, observed: pd.Series, settings: AnalysisSettings
) -> pd.DataFrame:
    """Each register municipality's post-stratification cell (see stats.collapse_cells)."""
    return stats.collapse_cells(
        municipalities,
        settings.poststratification_cells,
        observed,
        collapse_column=SIZE_COLUMN,
        collapse_order=settings.size_labels,
    )


def _weighting_text(result: weighting.Weights, settings: AnalysisSettings) -> str:
    configured = f"{settings.weighting_method} on {_listed(settings.weighting_covariates)}"
    used = (
        f"{result.method} on {_listed(result.covariates)}"
        if result.covariates
        else "equal weights"
    )
    fallback = (
        ""
        if result.method != "unweighted" and used == configured
        else (f"; configured {configured}, fallback: {result.fallback_text}")
    )
    return (
        f"weighted to all register municipalities: {used}{fallback} (weights in "
        f"weights.csv, diagnostics in weighting_summary.csv)"
    )


def estimand_text() -> str:
    return (
        "estimand: the share in the superpopulation of municipalities the register's are "
        "regarded as drawn from, so no finite-population correction"
    )


def headline(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """Analysis 1: the business-focus share under both definitions, unweighted
    (Wilson) and weighted for non-response (Hajek estimate, linearisation
    variance without finite-population correction, logit interval)."""
    level, rows = settings.confidence_level, []
    result = response_weights(municipalities, settings)
    crit = stats.critical_value(level)
    for key in HEADLINE_DEFINITIONS:
        values = municipalities[f"business_focus_{key}"].where(municipalities["responded"] == 1)
        known = values.notna()
        count, n = int(values[known].sum()), int(known.sum())
        definition = _headline_definition(key, settings)
        low, high = stats.wilson(count, n, level)
        rows.append(
            {
                "definition_key": key,
                "weighting": "unweighted",
                "estimate": count / n if n else NAN,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "interval_method": f"Wilson score ({settings.level_text})",
                "definition": definition,
            }
        )
        share = weighting.weighted_share(values.loc[result.weights.index], result.weights)
        low, high, how = weighting.logit_interval(
            share, crit, lambda c, m: stats.wilson(c, m, level)
        )
        rows.append(
            {
                "definition_key": key,
                "weighting": "weighted",
                "estimate": share.estimate,
                "ci_low": low,
                "ci_high": high,
                "n": share.n,
                "interval_method": (
                    f"{how} interval ({settings.level_text}) from the "
                    f"with-replacement linearisation variance of the "
                    f"weighted (Hajek) share, weights treated as fixed, no "
                    f"finite-population correction; Kish effective n = "
                    f"{share.effective_n:.1f} of {share.n}"
                ),
                "definition": (
                    f"{definition}; {_weighting_text(result, settings)}; {estimand_text()}"
                ),
            }
        )
    table = pd.DataFrame(rows).assign(published_share=settings.published_headline_share)
    table = table[
        [
            "definition_key",
            "weighting",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
            "published_share",
            "interval_method",
            "definition",
        ]
    ]
    return _with_origin(table, data_origin)


def response_weights(
    municipalities: pd.DataFrame, settings: AnalysisSettings
) -> weighting.Weights:
    """The respondents' non-response weights as configured (analysis.weighting)."""
    return weighting.response_weights(
        municipalities,
        settings.weighting_method,
        settings.weighting_covariates,
        settings.size_labels,
    )


def weights_tables(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The respondents' weights, the balance of every register covariate before
    and after weighting, and the one-row summary (method used, fallback, Kish
    design effect, effective n)."""
    result = response_weights(municipalities, settings)
    respondents = municipalities.loc[result.weights.index]
    per_respondent = pd.DataFrame(
        {
            "code": respondents["code"].astype(int),
            **{c: respondents[c] for c in weighting.REGISTER_COVARIATES},
            "weighting_categories": (
                result.cells.loc[result.weights.index].astype(str).agg(" | ".join, axis=1)
                if result.covariates
                else ""
            ),
            "weight": result.weights.to_numpy(float),
        }
    ).sort_values("code", kind="stable")
    balance = pd.DataFrame(weighting.balance(municipalities, result, settings.size_labels))
    balance["definition"] = (
        "share of the category (mean for log_population_2007) among the register "
        "municipalities, the respondents, and the respondents weighted; standardised mean "
        "difference against the register (0/1 indicator: difference / sqrt((p1 q1 + p0 q0)/2); "
        "log population: difference / register SD), before and after weighting"
    )
    w = result.weights.to_numpy(float)
    summary = pd.DataFrame(
        [
            {
                "method_configured": settings.weighting_method,
                "covariates_configured": _listed(settings.weighting_covariates),
                "method_used": result.method,
                "covariates_used": _listed(result.covariates),
                "fallback": result.fallback_text,
                "n_register": len(municipalities),
                "n_respondents": len(w),
                "weight_sum": float(w.sum()) if len(w) else NAN,
                "weight_min": float(w.min()) if len(w) else NAN,
                "weight_max": float(w.max()) if len(w) else NAN,
                "design_effect": weighting.kish_design_effect(w) if len(w) else NAN,
                "effective_n": weighting.effective_n(w) if len(w) else NAN,
                "max_abs_smd_before": float(balance["smd_before"].abs().max()),
                "max_abs_smd_after": float(balance["smd_after"].abs().max()),
                "definition": (
                    f"non-response weights of the respondents to all {len(municipalities)} "
                    f"register municipalities by {settings.weighting_method} "
                    f"(raking: weightipy's iterative proportional fitting to the register's "
                    f"margins; ipw: 1 / response probability from a logistic response model, "
                    f"statsmodels), scaled to sum to the register; Kish design effect "
                    f"n sum(w^2)/(sum w)^2 and effective n (sum w)^2/sum(w^2) <= n; fallback "
                    f"rule: a category without respondents (ipw: or without non-respondents) "
                    f"is merged into the nearest size class, or its covariate dropped; if the "
                    f"method fails the last covariate is dropped; with none left, equal "
                    f"weights"
                ),
            }
        ]
    )
    return (
        _with_origin(per_respondent, data_origin),
        _with_origin(balance, data_origin),
        _with_origin(summary, data_origin),
    )


def poststratification_weights(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """The cells (collapsed for the respondents) with register and respondent
    counts and the weight of each respondent in them."""
    responded = municipalities["responded"] == 1
    cells = poststratification_cells(municipalities, responded, settings)
    cells["responded"] = responded.to_numpy()
    total_register, total_respondents = len(cells), int(responded.sum())
    rank = {label: i for i, label in enumerate(settings.size_labels)}
    rows = []
    for cell, part in cells.groupby("cell", sort=True):
        members = part["members"].iloc[0]
        n_register, n_respondents = len(part), int(part["responded"].sum())
        share = n_register / total_register
        rows.append(
            {
                "cell": cell,
                "region": part["region"].iloc[0] if "region" in part else "",
                "size_classes": members,
                "n_register": n_register,
                "n_respondents": n_respondents,
                "population_share": share,
                "weight": share / (n_respondents / total_respondents),
                "_order": (
                    *(
                        part[c].iloc[0]
                        for c in part.columns
                        if c not in ("members", "cell", "responded")
                    ),
                    rank.get(members.split(" + ")[0], -1),
                ),
            }
        )
    table = pd.DataFrame(rows).sort_values("_order", kind="stable").drop(columns="_order")
    return _with_origin(table, data_origin)


# ------------------------------------------------------------------ 2. initiative types by period


def start_periods(settings: AnalysisSettings) -> list[tuple[str, float, float]]:
    """(label, first year, last year) of the three start periods: before the
    reform, the reform up to the crisis cut-off, the cut-off on."""
    reform, cutoff = settings.reform_year, settings.crisis_cutoff_year
    if cutoff <= reform:
        raise InputError(
            [
                Problem(
                    "config (derive)",
                    f"the crisis cut-off must come after the reform year ({reform})",
                    column="crisis_cutoff_year",
                    value=cutoff,
                )
            ],
            "set derive.crisis_cutoff_year after reform_year",
        )
    middle = str(reform) if cutoff - 1 == reform else f"{reform}-{cutoff - 1}"
    return [
        (f"before {reform}", -math.inf, reform - 1),
        (middle, reform, cutoff - 1),
        (f"{cutoff} on", cutoff, math.inf),
    ]


def initiative_periods(
    initiatives: pd.DataFrame,
    purposes: Sequence[tuple[str, str]],
    settings: AnalysisSettings,
    data_origin: str,
) -> pd.DataFrame:
    """Analysis 2: the type mix of initiatives by start period. ``purposes``:
    (key, English name) in questionnaire order. Every period x type, zeros kept."""
    keys = [key for key, _ in purposes]
    unknown = sorted(set(initiatives["initiative_type"].dropna()) - set(keys))
    if unknown:
        raise InputError(
            [
                Problem(
                    "initiatives",
                    "initiative type not in the codebook",
                    column="initiative_type",
                    value=unknown,
                )
            ],
            "check config/questionnaire.yaml purposes",
        )
    dated = initiatives[initiatives["start_year"].notna() & initiatives["initiative_type"].notna()]
    rows = []
    for order, (label, first, last) in enumerate(start_periods(settings), start=1):
        in_period = dated[(dated["start_year"] >= first) & (dated["start_year"] <= last)]
        n = len(in_period)
        counts = in_period["initiative_type"].value_counts()
        for key, english in purposes:
            count = int(counts.get(key, 0))
            low, high = stats.wilson(count, n, settings.confidence_level)
            rows.append(
                {
                    "period_order": order,
                    "period": label,
                    "initiative_type": key,
                    "type_english": english,
                    "count": count,
                    "n": n,
                    "estimate": count / n if n else NAN,
                    "ci_low": low,
                    "ci_high": high,
                    "definition": (
                        f"share of the reported initiatives with a parsed start "
                        f"year in {label} (reform {settings.reform_year}, crisis "
                        f"cut-off {settings.crisis_cutoff_year}) and a known "
                        f"type that are of type '{english}'; Wilson "
                        f"{settings.level_text} interval"
                    ),
                }
            )
    return _with_origin(pd.DataFrame(rows), data_origin)


# ------------------------------------------------------------------ 3. reform

REFORM_MODELS = (
    # model, outcome, kind, scale
    ("logit_business_focus", "business_focus", "logit", "log-odds"),
    ("ols_n_purposes", "n_purposes", "ols", "count"),
    ("ols_fte_per_10k", "fte_per_10k", "ols", "FTE per 10,000 inhabitants"),
)


def reform(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """Analysis 3: business focus and intensity against post-reform size
    (log population 2007) and merger status, among respondents with the outcome."""
    outcomes = {
        "business_focus": (
            f"business focus (headline definition '{settings.headline_definition}')"
        ),
        "n_purposes": "number of purposes named in Q2 (0 when not taking part)",
        "fte_per_10k": (
            f"international full-time equivalents per 10,000 inhabitants "
            f"({settings.intensity_population})"
        ),
    }
    cov = settings.robust_covariance
    frames = []
    for model, outcome, kind, scale in REFORM_MODELS:
        data = _respondents(municipalities)
        data = data[data[outcome].notna()]
        x = stats.design(data, REFORM_TERMS)
        not_estimable = ""
        try:
            if len(data) <= len(x.columns):
                raise stats.NotEstimable(
                    f"{len(data)} respondents with a known outcome for {len(x.columns)} "
                    "coefficients"
                )
            fit = (stats.fit_logit if kind == "logit" else stats.fit_ols)(data[outcome], x, cov)
            rows, n = fit.tidy(settings.confidence_level), fit.nobs
        except stats.NotEstimable as why:
            # every term's row, empty: the table keeps its shape, the definition says why
            rows, n = stats.not_estimated(x.columns), len(data)
            not_estimable = f"; not estimable: {why}"
        rows.insert(0, "model", model)
        rows.insert(1, "outcome", outcome)
        rows["n"] = n
        rows["scale"] = scale
        rows["covariance"] = cov
        method = "logistic regression" if kind == "logit" else "linear regression (OLS)"
        rows["definition"] = (
            f"{method} of {outcomes[outcome]} on log population 1 January 2007 "
            f"(post-reform size) and merged (more than one pre-{settings.reform_year} "
            f"municipality); respondents with a known outcome; coefficients on the {scale} "
            f"scale with {cov} robust standard errors and {settings.level_text} intervals"
            f"{not_estimable}"
        )
        frames.append(rows)
    return _with_origin(pd.concat(frames, ignore_index=True), data_origin)


# ------------------------------------------------------------------ 4. crisis


def _peripheral_text(settings: AnalysisSettings) -> str:
    return f"peripheral = municipality group {_listed(settings.peripheral_groups)}"


def crisis(
    municipalities: pd.DataFrame,
    initiatives: pd.DataFrame,
    settings: AnalysisSettings,
    cutoff: int,
    data_origin: str,
) -> pd.DataFrame:
    """Analysis 4: initiatives started in or after ``cutoff``, peripheral vs.
    other municipalities. Shares, their difference and the odds ratio come from
    one initiative-level logit (post-crisis ~ peripheral) with standard errors
    clustered by municipality (shares: inverse-logit interval; difference: delta
    method); the rate ratio from a municipality-level Poisson model of the
    post-crisis count with offset log(dated initiatives) and robust errors."""
    level = settings.confidence_level
    peripheral = municipalities.set_index("code")["peripheral"]
    dated = initiatives[initiatives["start_year"].notna()].copy()
    dated["peripheral"] = dated["municipality_code"].map(peripheral).astype(int)
    dated["post"] = (dated["start_year"] >= cutoff).astype(int)
    who = _peripheral_text(settings)
    base = (
        f"initiatives with a parsed start year; post-crisis = started in or after {cutoff}; {who}"
    )
    rows = []

    def add(quantity, group, estimate, low, high, n, definition):
        rows.append(
            {
                "cutoff_year": cutoff,
                "quantity": quantity,
                "group": group,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "definition": definition,
            }
        )

    flags = {"peripheral": 1, "other": 0}
    groups = {group: dated[dated["peripheral"] == flag] for group, flag in flags.items()}
    shares = {g: part["post"].mean() if len(part) else NAN for g, part in groups.items()}
    # A group whose dated initiatives all fall on one side of the cut-off (or that has
    # none) has no finite logit estimate: the comparisons are not estimable, and say
    # why; the other group's share keeps its interval, from its own logit.
    degenerate = {g: _degenerate_share(g, shares[g], cutoff) for g in groups}
    not_estimable = "; ".join(why for why in degenerate.values() if why)
    if not_estimable:
        not_estimable = f"; not estimable: {not_estimable}, so the logit has no finite estimate"
    fit = (
        None
        if not_estimable
        else stats.fit_logit(
            dated["post"],
            stats.design(dated, ["peripheral"]),
            stats.CLUSTER,
            groups=dated["municipality_code"],
        )
    )
    z = stats.critical_value(level)
    clustered = (
        f"initiative-level logit of post-crisis on peripheral, standard errors "
        f"clustered by municipality; {settings.level_text} interval"
    )
    for group, weights in (("peripheral", (1, 1)), ("other", (1, 0))):
        low = high = NAN
        how = clustered
        if fit is not None:
            eta, se = fit.linear_combination(weights)
            low, high = stats.expit(eta - z * se), stats.expit(eta + z * se)
        elif degenerate[group]:
            how = f"{clustered}; not estimable: {degenerate[group]}"
        else:
            low, high, how = _share_alone(groups[group], z, settings.level_text)
        add(
            "share_post_crisis",
            group,
            shares[group],
            low,
            high,
            len(groups[group]),
            f"share of {group} municipalities' {base}; {how}",
        )
    difference = shares["peripheral"] - shares["other"]
    low = high = NAN
    if fit is not None:
        p1, p0 = (stats.expit(fit.linear_combination(w)[0]) for w in ((1, 1), (1, 0)))
        gradient = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
        se = math.sqrt(gradient @ fit.cov @ gradient)
        low, high = difference - z * se, difference + z * se
    add(
        "difference",
        "peripheral - other",
        difference,
        low,
        high,
        len(dated),
        f"difference in the share post-crisis, peripheral minus other, of {base}; "
        f"{clustered} (delta method){not_estimable}",
    )
    odds_ratio = low = high = NAN
    if fit is not None:
        log_or, se = fit.linear_combination((0, 1))
        odds_ratio, low, high = (math.exp(v) for v in (log_or, log_or - z * se, log_or + z * se))
    add(
        "odds_ratio",
        "peripheral vs other",
        odds_ratio,
        low,
        high,
        len(dated),
        f"odds ratio of a post-crisis start, peripheral vs other, of {base}; "
        f"{clustered}{not_estimable}",
    )

    counts = dated.groupby("municipality_code", sort=True).agg(
        dated=("post", "size"), post=("post", "sum"), peripheral=("peripheral", "first")
    )
    rate_ratio = low = high = NAN
    by_group = counts.groupby("peripheral")["post"].sum()
    without_post = [group for group, flag in flags.items() if by_group.get(flag, 0) == 0]
    rate_not_estimable = (
        f"; not estimable: no {' or '.join(without_post)} municipality has a dated "
        f"initiative started in or after {cutoff}"
        if without_post
        else ""
    )
    if not without_post:
        poisson = stats.fit_poisson(
            counts["post"],
            stats.design(counts, ["peripheral"]),
            settings.robust_covariance,
            offset=np.log(counts["dated"]),
        )
        log_rr, se = poisson.linear_combination((0, 1))
        crit = poisson.critical(level)
        rate_ratio, low, high = (
            math.exp(v) for v in (log_rr, log_rr - crit * se, log_rr + crit * se)
        )
    add(
        "rate_ratio",
        "peripheral vs other",
        rate_ratio,
        low,
        high,
        len(counts),
        f"rate ratio of post-crisis initiatives (started in or after {cutoff}) per dated "
        f"initiative, peripheral vs other: Poisson model of each municipality's count with "
        f"offset log(dated initiatives), municipalities with at least one dated initiative; "
        f"{who}; {settings.robust_covariance} robust standard errors, "
        f"{settings.level_text} interval{rate_not_estimable}",
    )
    return _with_origin(pd.DataFrame(rows), data_origin)


def _share_alone(part: pd.DataFrame, z: float, level_text: str) -> tuple[float, float, str]:
    """A group's post-crisis share interval from its own intercept-only logit
    (clustered by municipality), when the other group's share is 0 or 1."""
    how = (
        "initiative-level logit of post-crisis in this group alone (the other group's "
        f"share is 0 or 1), standard errors clustered by municipality; {level_text} interval"
    )
    if part["municipality_code"].nunique() < 2:  # one cluster: no clustered error
        return NAN, NAN, f"{how}; not estimable: one municipality, one cluster"
    try:
        fit = stats.fit_logit(
            part["post"], stats.design(part, []), stats.CLUSTER, groups=part["municipality_code"]
        )
    except stats.NotEstimable as why:
        return NAN, NAN, f"{how}; not estimable: {why}"
    eta, se = fit.linear_combination((1,))
    return stats.expit(eta - z * se), stats.expit(eta + z * se), how


def _degenerate_share(group: str, share: float, cutoff: int) -> str:
    """Why a group's post-crisis share has no finite logit estimate ('' if it has one)."""
    if math.isnan(share):
        return f"no {group} municipality has a dated initiative"
    if share == 0:
        return (
            f"none of the {group} municipalities' dated initiatives started in or after {cutoff}"
        )
    if share == 1:
        return f"all of the {group} municipalities' dated initiatives started in or after {cutoff}"
    return ""


# ------------------------------------------------------------------ 5. capital


def capital(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """Analysis 5: log FTE against log population (2007) among respondents with
    FTE > 0, the capital left out of the fit; the capital against that line."""
    level, cov = settings.confidence_level, settings.robust_covariance
    known = _respondents(municipalities)
    known = known[known["international_fte"].notna()]
    fit_data = known[(known["international_fte"] > 0) & (known["capital"] == 0)]
    x = stats.design(fit_data, ["log_population_2007"])
    line = (
        f"OLS of log(international FTE) on log(population 1 January 2007) among "
        f"respondents with FTE > 0, the capital (code {settings.capital_code}) left out; "
        f"{cov} robust standard errors, {settings.level_text} interval"
    )
    fit, n_fit = None, len(fit_data)
    tidy = stats.not_estimated(x.columns).set_index("term")
    if n_fit > len(x.columns):
        fit = stats.fit_ols(np.log(fit_data["international_fte"]), x, cov)
        tidy, n_fit = fit.tidy(level).set_index("term"), fit.nobs
    else:  # no line to fit (every FTE missing): its rows stay empty and say why
        line += (
            f"; not estimable: {n_fit} respondents with FTE > 0 for {len(x.columns)} coefficients"
        )
    rows = [
        {
            "quantity": "elasticity",
            "estimate": tidy.loc["log_population_2007", "estimate"],
            "ci_low": tidy.loc["log_population_2007", "ci_low"],
            "ci_high": tidy.loc["log_population_2007", "ci_high"],
            "n": n_fit,
            "definition": f"elasticity of FTE with respect to population (slope): {line}",
        },
        {
            "quantity": "intercept",
            "estimate": tidy.loc["const", "estimate"],
            "ci_low": tidy.loc["const", "ci_low"],
            "ci_high": tidy.loc["const", "ci_high"],
            "n": n_fit,
            "definition": f"intercept on the log scale: {line}",
        },
    ]
    the_capital = known[known["capital"] == 1]
    observed = float(the_capital["international_fte"].iloc[0]) if len(the_capital) else NAN
    ratio = low = high = NAN
    if observed > 0 and fit is not None:
        point = np.array([1.0, float(the_capital["log_population_2007"].iloc[0])])
        predicted = float(point @ fit.params)
        se = math.sqrt(point @ fit.cov @ point + fit.residual_variance)
        crit = fit.critical(level)
        log_ratio = math.log(observed) - predicted
        ratio, low, high = (
            math.exp(v) for v in (log_ratio, log_ratio - crit * se, log_ratio + crit * se)
        )
    elif observed == 0:
        ratio = 0.0
    rank = NAN
    if len(the_capital):
        ranks = known["international_fte"].rank(ascending=False, method="min")
        rank = int(ranks[known["capital"] == 1].iloc[0])
    rows += [
        {
            "quantity": "capital_ratio",
            "estimate": ratio,
            "ci_low": low,
            "ci_high": high,
            "n": n_fit,
            "definition": (
                f"the capital's observed FTE divided by the FTE the line predicts for its "
                f"population, with a {settings.level_text} prediction interval "
                f"(coefficient and residual uncertainty); {line}"
            ),
        },
        {
            "quantity": "capital_fte",
            "estimate": observed,
            "ci_low": NAN,
            "ci_high": NAN,
            "n": 1 if len(the_capital) else 0,
            "definition": (
                "the capital's reported international full-time equivalents (Q6); "
                "empty if it did not respond or gave no number"
            ),
        },
        {
            "quantity": "capital_rank",
            "estimate": rank,
            "ci_low": NAN,
            "ci_high": NAN,
            "n": len(known),
            "definition": (
                "rank of the capital's FTE among the respondents with a known FTE "
                "(1 = most; ties share the best rank)"
            ),
        },
    ]
    return _with_origin(pd.DataFrame(rows), data_origin)


# ------------------------------------------------------------------ 6. representativeness


def representativeness(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """Analysis 6: response by every register covariate (region, size class,
    merged, peripheral, capital) against the register."""
    level = settings.confidence_level
    total, responded = len(municipalities), int(municipalities["responded"].sum())
    rows = []

    def add(dimension, category, part):
        n_register, n_responded = len(part), int(part["responded"].sum())
        low, high = stats.wilson(n_responded, n_register, level)
        what = "all" if dimension == "all" else f"{dimension} {category}"
        rows.append(
            {
                "dimension": dimension,
                "category": category,
                "n_register": n_register,
                "n_responded": n_responded,
                "estimate": n_responded / n_register if n_register else NAN,
                "ci_low": low,
                "ci_high": high,
                "register_share": n_register / total,
                "respondent_share": n_responded / responded if responded else NAN,
                "definition": (
                    f"response rate of the register municipalities ({what}): "
                    f"municipalities with a kept submission / municipalities in "
                    f"the register, Wilson {settings.level_text} interval; "
                    f"register_share and respondent_share are the category's "
                    f"share of all {total} register municipalities and of all "
                    f"{responded} respondents"
                ),
            }
        )

    for covariate in weighting.REGISTER_COVARIATES:
        values, order = weighting.categories(municipalities, covariate, settings.size_labels)
        for category in order:
            add(covariate, category, municipalities[(values == category).to_numpy()])
    add("all", "all", municipalities)
    return _with_origin(pd.DataFrame(rows), data_origin)


def nonresponse_tests(
    municipalities: pd.DataFrame, settings: AnalysisSettings, data_origin: str
) -> pd.DataFrame:
    """Analysis 6b: is response associated with each register covariate? One
    Fisher's exact test per covariate (weighting.response_test)."""
    rows = []
    for covariate in weighting.REGISTER_COVARIATES:
        values, order = weighting.categories(municipalities, covariate, settings.size_labels)
        rates = municipalities.groupby(values.to_numpy())["responded"].mean()
        rates = rates.reindex([c for c in order if c in rates.index])
        test = weighting.response_test(municipalities, covariate, settings.size_labels)
        rows.append(
            {
                "covariate": covariate,
                "test": test["test"],
                "n_categories": test["n_categories"],
                "p_value": test["p_value"],
                "lowest_rate": float(rates.min()),
                "lowest_category": str(rates.idxmin()),
                "highest_rate": float(rates.max()),
                "highest_category": str(rates.idxmax()),
                "n_register": len(municipalities),
                "n_responded": int(municipalities["responded"].sum()),
                "in_weighting": ("yes" if covariate in settings.weighting_covariates else "no"),
                "definition": (
                    f"test of independence of response (kept submission) and "
                    f"{covariate} over the register municipalities; response "
                    f"rates of the categories with the lowest and highest rate; "
                    f"in_weighting: whether the configured weights "
                    f"({settings.weighting_method}) use it"
                ),
            }
        )
    return _with_origin(pd.DataFrame(rows), data_origin)


# ------------------------------------------------------------------ robustness


def robustness(
    municipalities: pd.DataFrame,
    initiatives: pd.DataFrame,
    settings: AnalysisSettings,
    data_origin: str,
) -> pd.DataFrame:
    """The headline under both definitions (unweighted) and the crisis
    difference (peripheral - other) at every cut-off year."""
    headline_table = headline(municipalities, settings, data_origin)
    rows = []
    for key in HEADLINE_DEFINITIONS:
        row = headline_table[
            (headline_table["definition_key"] == key)
            & (headline_table["weighting"] == "unweighted")
        ].iloc[0]
        rows.append(
            {
                "check": "headline definition",
                "variant": key,
                **{c: row[c] for c in ("estimate", "ci_low", "ci_high", "n", "definition")},
            }
        )
    for cutoff in settings.crisis_cutoffs():
        table = crisis(municipalities, initiatives, settings, cutoff, data_origin)
        row = table[table["quantity"] == "difference"].iloc[0]
        main = " (the main cut-off)" if cutoff == settings.crisis_cutoff_year else ""
        rows.append(
            {
                "check": "crisis cut-off",
                "variant": str(cutoff),
                **{c: row[c] for c in ("estimate", "ci_low", "ci_high", "n")},
                "definition": f"{row['definition']}{main}",
            }
        )
    return _with_origin(pd.DataFrame(rows), data_origin)


# ------------------------------------------------------------------ item missingness

ITEMS = (
    # variable, question, table, who is asked
    ("international", "Q1", "municipalities", "respondents"),
    ("business_focus_purpose", "Q1-Q2", "municipalities", "respondents"),
    ("business_focus_likert", "Q1, Q3", "municipalities", "respondents"),
    ("international_fte", "Q6", "municipalities", "respondents"),
    ("start_year", "Q8", "initiatives", "reported initiatives"),
    ("initiative_type", "Q8", "initiatives", "reported initiatives"),
)


def item_missingness(
    municipalities: pd.DataFrame,
    initiatives: pd.DataFrame,
    settings: AnalysisSettings,
    data_origin: str,
) -> pd.DataFrame:
    """Item non-response per analysed variable: the units asked and those without
    a usable value (not answered, 'Ved ikke' counted as {dont_know_as}, or not parsed)."""
    respondents = _respondents(municipalities)
    rows = []
    for variable, question, table, unit in ITEMS:
        frame = respondents if table == "municipalities" else initiatives
        n, missing = len(frame), int(frame[variable].isna().sum())
        rows.append(
            {
                "variable": variable,
                "question": question,
                "unit": unit,
                "n_units": n,
                "n_missing": missing,
                "share_missing": missing / n if n else NAN,
                "definition": (
                    f"{unit} without a usable {variable} ({question}: not "
                    f"answered, not asked after a stop part-way, not parsed, or "
                    f"'Ved ikke' with dont_know_as = {settings.dont_know_as}); "
                    f"left out of the analyses that use it"
                ),
            }
        )
    return _with_origin(pd.DataFrame(rows), data_origin)


def missingness_sensitivity(
    municipalities: pd.DataFrame,
    initiatives: pd.DataFrame,
    settings: AnalysisSettings,
    data_origin: str,
) -> pd.DataFrame:
    """How much the missing FTE figures and start years could move two results.

    FTE intensity (mean FTE per 10,000 inhabitants among respondents): known
    answers only; inverse-probability weighting of the known answers by a
    logistic model of answering on log population, merged and peripheral
    (statsmodels); and bounds with every missing value set to the smallest
    and to the largest known value. Crisis difference (peripheral - other
    share of post-crisis starts): known years only (crisis.csv) and bounds with
    every undated initiative post-crisis in one group and not in the other."""
    level, rows = settings.confidence_level, []
    respondents = _respondents(municipalities)
    y = respondents["fte_per_10k"]
    known = y.notna()
    n, missing = len(y), int((~known).sum())
    what = (
        f"mean international FTE per 10,000 inhabitants ({settings.intensity_population}) "
        f"of the {n} respondents"
    )

    def add(quantity, scenario, estimate, low, high, count, gap, definition):
        rows.append(
            {
                "quantity": quantity,
                "scenario": scenario,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "n": count,
                "n_missing": gap,
                "definition": definition,
            }
        )

    values = y[known].to_numpy(float)
    mean, low, high = NAN, NAN, NAN
    if len(values) > 1:
        mean = float(values.mean())
        half = (
            stats.critical_value(level, len(values) - 1)
            * values.std(ddof=1)
            / math.sqrt(len(values))
        )
        low, high = mean - half, mean + half
    add(
        "fte_intensity",
        "known answers",
        mean,
        low,
        high,
        int(known.sum()),
        missing,
        f"{what}: the {int(known.sum())} with a known FTE (complete cases), Student t "
        f"{settings.level_text} interval",
    )
    estimate = low = high = NAN
    if 0 < known.sum() < n:
        try:
            from statsmodels.discrete.discrete_model import Logit

            x = stats.design(respondents, ("log_population_2007", "merged", "peripheral"))
            fit = Logit(known.astype(float).to_numpy(), x.to_numpy()).fit(disp=0)
            w = 1 / np.asarray(fit.predict())[known.to_numpy()]
            share = weighting.weighted_share(y[known], pd.Series(w, index=y[known].index))
            crit = stats.critical_value(level)
            estimate = share.estimate
            low, high = estimate - crit * share.std_error, estimate + crit * share.std_error
        except Exception:  # noqa: BLE001 -- a model that cannot be fitted leaves the row empty
            pass
    elif known.all():
        estimate, low, high = mean, rows[-1]["ci_low"], rows[-1]["ci_high"]
    add(
        "fte_intensity",
        "inverse-probability weighted",
        estimate,
        low,
        high,
        int(known.sum()),
        missing,
        f"{what}: known answers weighted by 1 / P(known FTE) from a logistic model on "
        f"log population 2007, merged and peripheral (missing at random given these); "
        f"linearisation {settings.level_text} interval",
    )
    for scenario, fill in (
        ("lower bound", values.min() if len(values) else NAN),
        ("upper bound", values.max() if len(values) else NAN),
    ):
        filled = y.fillna(fill).to_numpy(float)
        add(
            "fte_intensity",
            scenario,
            float(filled.mean()) if n else NAN,
            NAN,
            NAN,
            n,
            missing,
            f"{what}: every missing FTE set to the "
            f"{'smallest' if 'lower' in scenario else 'largest'}"
            f" known value ({fill:.3g}); a bound, no interval",
        )

    cutoff = settings.crisis_cutoff_year
    table = crisis(municipalities, initiatives, settings, cutoff, data_origin)
    row = table[table["quantity"] == "difference"].iloc[0]
    peripheral = municipalities.set_index("code")["peripheral"]
    frame = initiatives.assign(peripheral=initiatives["municipality_code"].map(peripheral))
    undated = int(frame["start_year"].isna().sum())
    add(
        "crisis_difference",
        "known years",
        row["estimate"],
        row["ci_low"],
        row["ci_high"],
        int(row["n"]),
        undated,
        f"{row['definition']} (as crisis.csv)",
    )
    post = (frame["start_year"] >= cutoff).astype(float)
    for scenario, favoured in (("lower bound", 0), ("upper bound", 1)):
        filled = post.where(
            frame["start_year"].notna(), (frame["peripheral"] == favoured).astype(float)
        )
        shares = filled.groupby(frame["peripheral"]).mean()
        estimate = float(shares.get(1, NAN) - shares.get(0, NAN))
        add(
            "crisis_difference",
            scenario,
            estimate,
            NAN,
            NAN,
            len(frame),
            undated,
            f"difference in the share of initiatives started in or after {cutoff}, peripheral "
            f"minus other, every initiative without a usable start year counted as post-crisis "
            f"in the {'other' if favoured == 0 else 'peripheral'} group and as earlier in the "
            f"{'peripheral' if favoured == 0 else 'other'} group; a bound, no interval",
        )
    return _with_origin(pd.DataFrame(rows), data_origin)
