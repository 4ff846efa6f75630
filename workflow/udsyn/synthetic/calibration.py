"""Calibration: does the pipeline tell the truth across many data sets?

The synthetic export is regenerated at many seeds (``config/calibration.yaml``),
each under a *variant* of the generator: ``truth`` (``config/synthetic.yaml`` as
it is) and ``no_effect`` (the effects the tests look for set to zero). Each data set
goes through the functions the rules call, in-process (``run_seed``):
``load_export`` (the validate step's reader and checks), ``clean_export``,
``derive_municipalities``, the main analyses (``udsyn.analysis.claims``,
``udsyn.analysis.drivers``)
and the multiverse's estimators at the main specification
(``udsyn.multiverse.estimators.estimate_claim`` and its ``holds`` tests). Per seed and
estimand it records the estimate, the interval and whether the interval covers
the generator's truth (``truths``, computed from the variant's parameters);
per test whether it rejected; and whether the build would have failed (an
``InputError`` or any other exception: caught and recorded, never raised).
``summarise`` turns the per-seed rows into coverage with its Monte-Carlo
standard error, rejection rates (power under ``truth``, size under ``no_effect``
where the null holds), bias, RMSE and the share of failed builds.

Nothing here is part of the main build (``make``); ``make calibrate`` runs it
(``workflow/calibration.smk``).
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from udsyn.analysis.claims import AnalysisSettings, capital, crisis, headline, reform
from udsyn.analysis.drivers import ITEMS, DriverSettings, driver_questions, drivers, parse_drivers
from udsyn.clean.cleaning import CleaningSettings, clean_export
from udsyn.core.errors import InputError
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.ingest.export import load_export
from udsyn.ingest.export_files import labels_file
from udsyn.ingest.questionnaire import question_number
from udsyn.multiverse import estimators, grid
from udsyn.synthetic import formats, generator

NAN = math.nan
ORIGIN = "synthetic"
# No timings in any output: the same seeds give the same bytes on every run and
# machine (run_batch logs each seed's seconds to the batch job's log instead).
RESULT_COLUMNS = [
    "variant",
    "seed",
    "kind",
    "name",
    "estimate",
    "ci_low",
    "ci_high",
    "truth",
    "covered",
    "rejected",
    "error",
]
SUMMARY_COLUMNS = [
    "variant",
    "kind",
    "name",
    "truth",
    "n_seeds",
    "n_estimated",
    "value",
    "mcse",
    "mean_estimate",
    "bias",
    "bias_mcse",
    "rmse",
    "mean_width",
    "definition",
]
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


# ------------------------------------------------------------------ seeds, batches, variants


def seeds(calibration: Mapping[str, Any]) -> list[int]:
    """The data-set seeds: ``count`` consecutive seeds from ``first_seed``."""
    return list(
        range(
            int(calibration["first_seed"]),
            int(calibration["first_seed"]) + int(calibration["count"]),
        )
    )


def plan(calibration: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Batch name -> {"variant", "seeds"}: every variant's seeds cut into batches
    of ``batch_size`` (one Snakemake job, one SLURM job each)."""
    out = {}
    all_seeds = seeds(calibration)
    size = int(calibration["batch_size"])
    for variant in calibration["variants"]:
        for number, start in enumerate(range(0, len(all_seeds), size)):
            out[f"{variant}_{number:03d}"] = {
                "variant": variant,
                "seeds": all_seeds[start : start + size],
            }
    return out


def variant_config(
    synthetic_cfg: Mapping[str, Any], overrides: Mapping[str, Any] | None, seed: int | None = None
) -> dict:
    """The generator's config with ``overrides`` (dotted paths -> values) applied
    and, if given, its seed replaced. An unknown path is an error."""
    cfg = copy.deepcopy(dict(synthetic_cfg))
    for path, value in (overrides or {}).items():
        *parents, leaf = str(path).split(".")
        node = cfg
        for key in parents:
            key = int(key) if key.isdigit() and int(key) in node else key
            if key not in node:
                raise ValueError(
                    f"calibration override {path!r}: no key {key!r} in the generator's config"
                )
            node = node[key]
        if leaf not in node:
            raise ValueError(
                f"calibration override {path!r}: no key {leaf!r} in the generator's config"
            )
        node[leaf] = value
    if seed is not None:
        cfg["seed"] = int(seed)
    return cfg


# ------------------------------------------------------------------ the truth


def _logit_projection(x: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The logistic coefficients b solving sum_i w_i x_i (p_i - expit(x_i b)) = 0:
    the probability limit of the logit MLE when unit i is in the sample with
    weight w_i and its outcome is 1 with probability p_i (the population-level
    quantity of a misspecified logit)."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        mu = 1 / (1 + np.exp(-(x @ beta)))
        score = x.T @ (w * (p - mu))
        info = (x * (w * mu * (1 - mu))[:, None]).T @ x
        step = np.linalg.solve(info, score)
        beta += step
        if np.abs(step).max() < 1e-12:
            break
    return beta


def _normal_cdf(values: np.ndarray) -> np.ndarray:
    cdf = NormalDist().cdf
    return np.array([cdf(v) for v in np.ravel(values)]).reshape(np.shape(values))


def truths(
    cfg: Mapping[str, Any],
    register_rows: Sequence[Mapping[str, Any]],
    questionnaire,
    config: Mapping[str, Any],
) -> dict[str, tuple[float, str]]:
    """Estimand name -> (true value, how it follows from the generator's
    parameters). ``cfg``: the variant's generator config; ``config``: the
    pipeline's config (the analysis' definitions)."""
    cov = generator.municipality_covariates(list(register_rows), cfg)
    respond = generator.logistic(generator.linear_predictor(cfg["response"]["propensity"], cov))
    p_part = generator.logistic(generator.linear_predictor(cfg["takes_part"]["ja"], cov))
    p_business = generator.logistic(
        generator.linear_predictor(cfg["purposes"]["business_any"], cov)
    )
    # Q2 is unknown when Q1 = Ja and a partial response stopped before Q2
    # (stop-before drawn uniformly from 2..last question): probability q.
    last_question = max(question_number(f.question) for f in questionnaire.all_fields)
    q = cfg["response"]["partial_rate"] / (last_question - 1)
    known = p_part * (1 - q) + (1 - p_part)  # given Q1 is not "Ved ikke"
    focus = p_part * (1 - q) * p_business  # joint: known and focus
    out: dict[str, tuple[float, str]] = {}
    out["headline_unweighted"] = (
        float((respond * focus).sum() / (respond * known).sum()),
        "P(Q1 = Ja and a business purpose | a known answer), averaged over the 98 register "
        "municipalities weighted by their response probability (the respondents' expected "
        "share; Q1 'Ved ikke' and Q2 lost to a partial response leave the denominator)",
    )
    out["headline_weighted"] = (
        float(focus.sum() / known.sum()),
        "the same probability averaged over the 98 register municipalities unweighted (the "
        "population share the non-response weights aim at)",
    )
    out["multiverse_headline"] = (
        out["headline_unweighted"][0],
        "as headline_unweighted (main specification: unweighted)",
    )
    # Crisis: the initiative-level logit of post-crisis on peripheral is correctly specified.
    ini = cfg["initiatives"]
    odds0 = ini["post_crisis_probability"] / (1 - ini["post_crisis_probability"])
    ratio = float(ini["post_crisis_odds_ratio_peripheral"])
    p0, p1 = odds0 / (1 + odds0), odds0 * ratio / (1 + odds0 * ratio)
    cutoff = int(config["derive"]["crisis_cutoff_year"])
    if cutoff != int(ini["post_crisis_years"][0]):
        raise ValueError(
            "calibration: the truth of the crisis estimands assumes "
            "derive.crisis_cutoff_year equals the generator's first post-crisis year"
        )
    out["crisis_odds_ratio"] = (
        ratio,
        "generator's initiatives.post_crisis_odds_ratio_peripheral "
        "(the logit is correctly specified)",
    )
    out["crisis_difference"] = (
        p1 - p0,
        "P(post-crisis start | peripheral) - P(... | other) "
        "from post_crisis_probability and the odds ratio",
    )
    out["crisis_rate_ratio"] = (
        p1 / p0,
        "P(post-crisis start | peripheral) / P(... | other): "
        "the expected post-crisis count per dated initiative",
    )
    out["multiverse_crisis"] = (p1 - p0, "as crisis_difference (main specification)")
    # Shift: business-type share of initiatives from the cut-off on minus before the reform.
    business_codes = [int(c) for c in cfg["purposes"]["business_items"]]
    periods = ini["type_periods"]

    def business_share(year: int) -> float:
        period = [p for p in periods if p["from"] <= year][-1]["weights"]
        total = sum(float(v) for v in period.values())
        return sum(float(period[c]) for c in business_codes) / total

    reform_year = int(config["derive"]["reform_year"])
    if any(reform_year > p["from"] > int(ini["pre_crisis_years"][0]) for p in periods) or any(
        p["from"] > cutoff for p in periods
    ):
        raise ValueError("calibration: type periods change inside the shift's windows")
    out["multiverse_shift"] = (
        business_share(cutoff) - business_share(int(ini["pre_crisis_years"][0])),
        "business-type weight of the generator's type period from the cut-off on minus that of "
        "the period before the reform (type_periods)",
    )
    # Reform: logit of the focus on log population and merged (misspecified: the
    # generator's focus is a product of two logistics and depends on peripheral).
    log_pop = cov["log_population"]
    x = np.column_stack([np.ones_like(log_pop), log_pop, cov["merged"]])
    weight = respond * known
    beta = _logit_projection(x, focus / known, weight)
    projection = (
        "population-level logit coefficient: the probability limit of the logit "
        "of P(focus | known) on log population and merged over the 98 register "
        "municipalities, each weighted by P(respond) P(known) (the generator's "
        "focus is not a logit in these terms)"
    )
    out["reform_log_population"] = (float(beta[1]), projection)
    out["reform_merged"] = (float(beta[2]), projection)
    mean = np.average(log_pop, weights=weight)
    sd = math.sqrt(np.average((log_pop - mean) ** 2, weights=weight))
    out["multiverse_reform"] = (
        float(beta[1]) * sd,
        "reform_log_population times the response-weighted SD of log "
        "population (the multiverse's slope per SD)",
    )
    # Capital: log FTE = intercept + elasticity log population + noise, correctly
    # specified but for reporting (0.5 / 1 steps; values rounded to 0 dropped).
    out["capital_elasticity"] = (
        float(cfg["fte"]["elasticity"]),
        "generator's fte.elasticity (the model ignores rounding of "
        "reported FTE; values rounded to 0 leave the fit)",
    )
    out["capital_ratio"] = (float(cfg["fte"]["capital_factor"]), "generator's fte.capital_factor")
    out["multiverse_capital"] = (out["capital_ratio"][0], "as capital_ratio (main specification)")
    # Drivers: P(latent above the agreeing cut point), by group, response-weighted.
    cuts = [math.inf, *cfg["likert_cutpoints"], -math.inf]
    value_sets = {
        f.name: questionnaire.value_sets[f.value_set] for f in questionnaire.fields if f.value_set
    }
    for driver in parse_drivers(config["analysis"]["drivers"]):
        question, comparison = driver.question, driver.compare
        eta = generator.linear_predictor(cfg["likert"][question]["eta"], cov)
        code_of = {label: code for code, label in value_sets[question].items()}
        p = sum(
            _normal_cdf(cuts[c - 1] - eta) - _normal_cdf(cuts[c] - eta)
            for c in (code_of[label] for label in config["derive"][driver.agree_option])
        )
        if comparison not in cov:
            raise ValueError(
                f"calibration: the generator has no covariate {comparison!r} "
                f"(analysis.drivers.{driver.item}.compare)"
            )
        group = cov[comparison] == 1
        shares = [np.average(p[g], weights=respond[g]) for g in (group, ~group)]
        out[f"drivers_{driver.item}"] = (
            float(shares[0] - shares[1]),
            f"P(agree) from latent = eta + N(0, 1) and the cut points, {comparison} minus other, "
            f"averaged over the register municipalities weighted by response probability",
        )
    return {name: (value + 0.0, text) for name, (value, text) in out.items()}  # no -0.0


# ------------------------------------------------------------------ one data set


class Context:
    """Everything a batch reads once: configs, codebook, register, aliases."""

    def __init__(
        self,
        config: Mapping[str, Any],
        synthetic_cfg: Mapping[str, Any],
        calibration: Mapping[str, Any],
        questionnaire,
        register: pd.DataFrame,
        aliases: pd.DataFrame,
        predecessors: pd.DataFrame | None = None,
    ):
        self.config, self.synthetic_cfg, self.calibration = config, synthetic_cfg, calibration
        self.questionnaire, self.register, self.aliases = questionnaire, register, aliases
        self.predecessors = predecessors
        self.register_rows = register.astype(str).to_dict("records")
        self.cleaning = CleaningSettings.from_config(config["cleaning"], config["survey"])
        self.derive = DeriveSettings.from_config(config["derive"])
        self.analysis = AnalysisSettings.from_config(config["analysis"], config["derive"])
        values = {**config["derive"], **config["analysis"]}
        self.drivers = DriverSettings.from_values({key: values[key] for key in DRIVER_KEYS})
        self.questions = driver_questions(questionnaire)
        choices = grid.with_main(config["multiverse"]["choices"], config)
        self.main = grid.main_specification(choices, config)
        self.estimation = estimators.EstimationSettings.from_config(
            config["derive"],
            config["analysis"],
            int(
                calibration.get(
                    "bootstrap_replicates", config["multiverse"]["bootstrap_replicates"]
                )
            ),
        )
        self._truths: dict[str, dict] = {}

    def variant(self, name: str, seed: int | None = None) -> dict:
        return variant_config(self.synthetic_cfg, self.calibration["variants"][name] or {}, seed)

    def clean_and_derive(self, cfg: Mapping[str, Any], folder: Path):
        """The export the generator draws with ``cfg``, written to ``folder`` as a
        CSV export and read, cleaned and derived by the pipeline's own functions, as
        the rules do: the clean tables (``CleanResult``) and the derived table."""
        header, data_rows, _, labels, _ = generator.generate_export(
            cfg, self.questionnaire, self.register_rows, self.aliases["alias"].tolist()
        )
        folder.mkdir(parents=True, exist_ok=True)
        formats.write_export(folder, "csv", header, data_rows, labels, self.questionnaire, cfg)
        survey = self.config["survey"]
        dataset = str(folder / "dataset.csv")
        export = load_export(
            survey, self.questionnaire, dataset, labels_file(dataset, survey["labels"])
        )
        clean = clean_export(
            export.dataset,
            export.labels,
            self.register,
            self.aliases,
            self.questionnaire,
            self.cleaning,
            dataset_file=dataset,
            register_file="register",
            aliases_file="aliases",
            data_origin=ORIGIN,
            predecessors=self.predecessors,
            predecessors_file="predecessors",
        )
        derived = derive_municipalities(
            self.register,
            clean.respondents,
            clean.initiatives,
            self.questionnaire,
            self.derive,
            ORIGIN,
        )
        return clean, derived

    def truths(self, name: str) -> dict[str, tuple[float, str]]:
        if name not in self._truths:
            self._truths[name] = truths(
                self.variant(name), self.register_rows, self.questionnaire, self.config
            )
        return self._truths[name]


def _row(name, estimate=NAN, low=NAN, high=NAN):
    return {
        "name": name,
        "estimate": float(estimate),
        "ci_low": float(low),
        "ci_high": float(high),
    }


def estimates(
    derived: pd.DataFrame, initiatives: pd.DataFrame, context: Context, seed: int
) -> list[dict]:
    """Every scored estimate of one data set: name, estimate, interval."""
    settings, rows = context.analysis, []
    table = headline(derived, settings, ORIGIN)
    table = table[table["definition_key"] == settings.headline_definition].set_index("weighting")
    for weighting in ("unweighted", "weighted"):
        r = table.loc[weighting]
        rows.append(_row(f"headline_{weighting}", r["estimate"], r["ci_low"], r["ci_high"]))
    table = crisis(derived, initiatives, settings, settings.crisis_cutoff_year, ORIGIN)
    table = table.set_index("quantity")
    for quantity in ("odds_ratio", "difference", "rate_ratio"):
        r = table.loc[quantity]
        rows.append(_row(f"crisis_{quantity}", r["estimate"], r["ci_low"], r["ci_high"]))
    table = reform(derived, settings, ORIGIN)
    table = table[table["model"] == "logit_business_focus"].set_index("term")
    for term, name in (
        ("log_population_2007", "reform_log_population"),
        ("merged", "reform_merged"),
    ):
        r = table.loc[term]
        rows.append(_row(name, r["estimate"], r["ci_low"], r["ci_high"]))
    table = capital(derived, settings, ORIGIN).set_index("quantity")
    for quantity, name in (
        ("elasticity", "capital_elasticity"),
        ("capital_ratio", "capital_ratio"),
    ):
        r = table.loc[quantity]
        rows.append(_row(name, r["estimate"], r["ci_low"], r["ci_high"]))
    table = drivers(derived, context.questions, context.drivers, ORIGIN)
    table = table[table["quantity"] == "difference"].set_index("item")
    for driver in context.drivers.drivers:
        r = table.loc[driver.item]
        rows.append(_row(f"drivers_{driver.item}", r["estimate"], r["ci_low"], r["ci_high"]))
    data = {"municipalities": derived, "initiatives": initiatives}
    for number, claim in enumerate(estimators.ESTIMATORS):
        claim_seed = int(
            np.random.SeedSequence(
                [int(context.config["multiverse"]["seed"]), int(seed), number]
            ).generate_state(1)[0]
        )
        result = estimators.estimate_claim(
            claim, data, context.main, claim_seed, context.estimation
        )
        rows.append(
            _row(f"multiverse_{claim}", result["estimate"], result["ci_low"], result["ci_high"])
        )
    return rows


def null_values() -> dict[str, float]:
    """Each estimand's no-effect value: the two-sided test rejects when the
    interval excludes it (ratios 1, differences and coefficients 0; every driver
    item's difference, whichever items ``analysis.drivers`` analyses)."""
    return {
        "crisis_odds_ratio": 1.0,
        "crisis_difference": 0.0,
        "crisis_rate_ratio": 1.0,
        "reform_log_population": 0.0,
        "reform_merged": 0.0,
        "capital_ratio": 1.0,
        **{f"drivers_{item}": 0.0 for item in ITEMS},
    }


def tests(config: Mapping[str, Any]) -> dict[str, tuple[str, dict]]:
    """Test name -> (estimand, rule for ``estimators.holds``): two-sided tests of
    no effect, and the multiverse's claims (``estimators.holds``) at the main
    specification. A test rejects when ``holds`` is true."""
    out = {}
    for name, value in null_values().items():
        out[f"{name}_excludes_{value:g}"] = (name, {"test": "outside", "value": value})
    for claim, rule in config["multiverse"]["holds"].items():
        out[f"multiverse_{claim}_holds"] = (f"multiverse_{claim}", dict(rule))
    return out


def rejects(low: float, high: float, rule: Mapping[str, Any]) -> float:
    """1.0 when the interval rejects by ``rule``, 0.0 when not, NaN without an interval."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NAN
    if rule["test"] == "outside":
        return float(not low <= float(rule["value"]) <= high)
    return float(estimators.holds(low, high, rule))


def run_seed(context: Context, variant: str, seed: int, workdir: Path) -> list[dict]:
    """One data set, from the generator to every scored estimate and test.
    Never raises: a failure is a ``build`` row with the error. The rows depend
    on the variant and seed only (not on ``workdir``, not on time)."""
    error, rows = "", []
    folder = workdir / f"{variant}_{seed}"
    try:
        clean, derived = context.clean_and_derive(context.variant(variant, seed), folder)
        rows = estimates(derived, clean.initiatives, context, seed)
    except InputError as caught:
        error = _message(f"InputError: {caught}", folder)
    except Exception as caught:  # recorded, never crashes the batch
        where = traceback.extract_tb(caught.__traceback__)[-1]
        error = _message(
            f"{type(caught).__name__}: {caught} (at {Path(where.filename).name}:{where.lineno})",
            folder,
        )
    truth = context.truths(variant)
    by_name = {row["name"]: row for row in rows}
    out = []
    scored = context.calibration["intervals"]
    for name in scored:
        row = by_name.get(name, _row(name))
        value = truth[name][0]
        covered = (
            float(row["ci_low"] <= value <= row["ci_high"])
            if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])
            else NAN
        )
        out.append({"kind": "interval", **row, "truth": value, "covered": covered})
    all_tests = tests(context.config)
    for name in context.calibration["tests"]:
        estimand, rule = all_tests[name]
        row = by_name.get(estimand, _row(estimand))
        out.append(
            {
                "kind": "test",
                "name": name,
                "estimate": row["estimate"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "rejected": rejects(row["ci_low"], row["ci_high"], rule),
            }
        )
    out.append(
        {"kind": "build", "name": "build_failed", "estimate": float(bool(error)), "error": error}
    )
    return [{"variant": variant, "seed": seed, **row} for row in out]


def _message(text: str, folder: Path) -> str:
    """An error message for the results: one line, at most 300 characters, the
    temporary folder's path replaced by the data set's name (so that it does not
    change from run to run)."""
    return text.replace(str(folder), folder.name).replace("\n", " ")[:300]


def run_batch(
    context: Context, variant: str, batch_seeds: Sequence[int], log: logging.Logger | None = None
) -> pd.DataFrame:
    """Every seed of a batch, in one process (exports in a temporary folder).
    Each seed's seconds go to ``log`` (the batch job's log), never into the table."""
    rows, seconds = [], []
    with tempfile.TemporaryDirectory(prefix="udsyn-calibration-") as workdir:
        for seed in batch_seeds:
            started = time.perf_counter()
            rows += run_seed(context, variant, int(seed), Path(workdir))
            seconds.append(time.perf_counter() - started)
            if log is not None:
                log.info("variant %s, seed %d: %.3f s", variant, int(seed), seconds[-1])
    if log is not None and seconds:
        log.info(
            "variant %s: %d seeds, %.3f s per seed (mean), %.3f s in all",
            variant,
            len(seconds),
            sum(seconds) / len(seconds),
            sum(seconds),
        )
    return pd.DataFrame(rows).reindex(columns=RESULT_COLUMNS)


# ------------------------------------------------------------------ gathering


def summarise(
    results: pd.DataFrame,
    definitions: Mapping[str, Mapping[str, str]],
    test_estimands: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per variant: each interval's coverage of the truth (value) with its
    Monte-Carlo standard error sqrt(c (1 - c) / k) over the k seeds with an
    interval, the bias (mean estimate - truth, MCSE sd / sqrt(k)), RMSE and mean
    width; each test's rejection rate with its MCSE (kind ``power`` where the
    variant's truth is not the test's null value, ``size`` where it is,
    ``rejection`` for the claims' tests); the share of seeds whose build failed.
    ``definitions``: variant -> estimand -> definition of its truth."""
    rows = []
    test_estimands = test_estimands or {}
    for variant, part in results.groupby("variant", sort=False):
        n_seeds = int(part["seed"].nunique())
        for name, group in part[part["kind"] == "interval"].groupby("name", sort=False):
            ok = group[group["covered"].notna()]
            k = len(ok)
            cover = float(ok["covered"].mean()) if k else NAN
            error = ok["estimate"].astype(float) - ok["truth"].astype(float)
            truth = float(group["truth"].iloc[0])
            rows.append(
                {
                    "variant": variant,
                    "kind": "coverage",
                    "name": name,
                    "truth": truth,
                    "n_seeds": n_seeds,
                    "n_estimated": k,
                    "value": cover,
                    "mcse": math.sqrt(cover * (1 - cover) / k) if k else NAN,
                    "mean_estimate": float(ok["estimate"].mean()) if k else NAN,
                    "bias": float(error.mean()) if k else NAN,
                    "bias_mcse": float(error.std(ddof=1) / math.sqrt(k)) if k > 1 else NAN,
                    "rmse": float(math.sqrt((error**2).mean())) if k else NAN,
                    "mean_width": float((ok["ci_high"] - ok["ci_low"]).mean()) if k else NAN,
                    "definition": definitions.get(variant, {}).get(name, ""),
                }
            )
        truth_of = {
            row["name"]: row["truth"]
            for row in rows
            if row["variant"] == variant and row["kind"] == "coverage"
        }
        for name, group in part[part["kind"] == "test"].groupby("name", sort=False):
            ok = group[group["rejected"].notna()]
            k = len(ok)
            rate = float(ok["rejected"].mean()) if k else NAN
            estimand = test_estimands.get(name, "")
            null = null_values().get(estimand)
            truth = truth_of.get(estimand, NAN)
            if null is None:
                kind, what = "rejection", "share of seeds in which the claim's test passes"
            elif math.isfinite(truth) and math.isclose(truth, null, abs_tol=1e-9):
                kind, what = "size", f"rejection rate of {estimand} = {null:g} where it is true"
            else:
                kind, what = (
                    "power",
                    f"rejection rate of {estimand} = {null:g} (truth {truth:.4g})",
                )
            rows.append(
                {
                    "variant": variant,
                    "kind": kind,
                    "name": name,
                    "truth": truth,
                    "n_seeds": n_seeds,
                    "n_estimated": k,
                    "value": rate,
                    "mcse": math.sqrt(rate * (1 - rate) / k) if k else NAN,
                    "definition": what,
                }
            )
        builds = part[part["kind"] == "build"]
        failed = float(builds["estimate"].astype(float).mean()) if len(builds) else NAN
        k = len(builds)
        rows.append(
            {
                "variant": variant,
                "kind": "build_failure",
                "name": "build_failed",
                "n_seeds": n_seeds,
                "n_estimated": k,
                "value": failed,
                "mcse": math.sqrt(failed * (1 - failed) / k) if k else NAN,
                "definition": (
                    "share of seeds whose build would have failed (InputError or exception)"
                ),
            }
        )
    return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)


def _fmt(value: float, digits: int = 3) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and not math.isfinite(value))
        else f"{value:.{digits}f}"
    )


def report_markdown(summary: pd.DataFrame, settings: Mapping[str, Any]) -> str:
    """A standalone Markdown report of the summary."""
    lines = [
        "# Calibration of udsyn against the generator's truth",
        "",
        f"Seeds {settings['first_seed']}…{settings['first_seed'] + settings['count'] - 1} "
        f"({settings['count']} data sets per variant), variants: "
        f"{', '.join(settings['variants'])}. Written by `make calibrate` "
        "(`workflow/calibration.smk`) from `results/calibration/summary.csv`; "
        "MCSE = Monte-Carlo standard error.",
        "",
    ]
    for variant, part in summary.groupby("variant", sort=False):
        lines += [
            f"## Variant `{variant}`",
            "",
            "### Intervals (nominal 95%)",
            "",
            "| estimand | truth | coverage ± MCSE | bias ± MCSE | RMSE | mean width | k |",
            "|---|---|---|---|---|---|---|",
        ]
        for _, r in part[part["kind"] == "coverage"].iterrows():
            lines.append(
                f"| {r['name']} | {_fmt(r['truth'], 4)} | {_fmt(r['value'])} ± "
                f"{_fmt(r['mcse'])} | {_fmt(r['bias'], 4)} ± {_fmt(r['bias_mcse'], 4)} "
                f"| {_fmt(r['rmse'], 4)} | {_fmt(r['mean_width'], 3)} | "
                f"{int(r['n_estimated'])} |"
            )
        lines += [
            "",
            "### Tests",
            "",
            "| test | reads as | rejection rate ± MCSE | k |",
            "|---|---|---|---|",
        ]
        for _, r in part[part["kind"].isin(["power", "size", "rejection"])].iterrows():
            lines.append(
                f"| {r['name']} | {r['kind']} | {_fmt(r['value'])} ± {_fmt(r['mcse'])} "
                f"| {int(r['n_estimated'])} |"
            )
        build = part[part["kind"] == "build_failure"].iloc[0]
        lines += [
            "",
            f"Builds that would have failed: {_fmt(build['value'])} "
            f"({int(round(build['value'] * build['n_estimated']))} of "
            f"{int(build['n_estimated'])}). Run times are in the batch jobs' logs "
            "(logs/calibration_batch_*.log), not here: the same seeds give the same "
            "files.",
            "",
        ]
    lines += ["## Truths", "", "| variant | estimand | truth | definition |", "|---|---|---|---|"]
    for _, r in summary[summary["kind"] == "coverage"].iterrows():
        lines.append(
            f"| {r['variant']} | {r['name']} | {_fmt(r['truth'], 4)} | {r['definition']} |"
        )
    return "\n".join(lines) + "\n"
