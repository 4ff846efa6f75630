"""Seeded generator of the SYNTHETIC SurveyXact export (a tool beside the pipeline).

The survey microdata are not public, so the compendium ships a synthetic export
in the shape SurveyXact writes: ``dataset.csv`` (one row per distribution-list
entry, plus duplicates and test rows) and ``labels.csv`` (every code of every
coded field). The codebook comes from ``config/questionnaire.yaml``, read
through the pipeline's own ``udsyn.ingest.questionnaire`` (typed municipality names
are checked with its ``udsyn.clean.names`` rule), the 98 municipalities from the
register, and every true parameter, propensity and messiness rate from
``config/synthetic.yaml``: this module holds no numbers.

One numpy Generator (PCG64) seeded from the config draws everything in a fixed
order and nothing iterates over a set, so the files are byte-identical across
runs and PYTHONHASHSEED values. Usage (from the repository root)::

    python -m udsyn.synthetic.generator --config config/synthetic.yaml \\
        --questionnaire config/questionnaire.yaml \\
        --register data/raw/register/municipalities.csv --out data/raw/survey [--format csv]

``--format`` writes the same export in another of SurveyXact's formats
(``udsyn.synthetic.formats``: CSV dialects, .xlsx, .sav, short names, the
API's column order, ...); the default ``csv`` writes the shipped files.
"""

from __future__ import annotations

import argparse
import json
import re
import string
from collections import Counter
from pathlib import Path

import numpy as np

from udsyn.clean.names import normalise_name
from udsyn.core import files
from udsyn.ingest.questionnaire import Questionnaire, build_questionnaire, question_number
from udsyn.synthetic import formats

MISSING = -1  # sentinel in integer code arrays, written as an empty cell
TRANSLITERATION = (("å", "aa"), ("æ", "ae"), ("ø", "oe"), ("Å", "Aa"), ("Æ", "Ae"), ("Ø", "Oe"))


# ------------------------------------------------------------------ small helpers


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


def linear_predictor(coefs: dict, covariates: dict[str, np.ndarray]) -> np.ndarray:
    """intercept + sum(coef * covariate) for the covariates named in ``coefs``."""
    n = len(covariates["z"])
    eta = np.full(n, float(coefs.get("intercept", 0.0)))
    for name, coef in coefs.items():
        if name != "intercept":
            eta = eta + float(coef) * covariates[name]
    return eta


def draw_form(rng: np.random.Generator, forms: dict, n: int) -> np.ndarray:
    """Indices into ``list(forms)`` drawn with the table's probabilities (which must sum to 1)."""
    p = np.array([float(v) for v in forms.values()])
    if not np.isclose(p.sum(), 1.0):
        raise ValueError(f"form probabilities sum to {p.sum()}, not 1: {list(forms)}")
    return rng.choice(len(p), size=n, p=p / p.sum())


def transliterate(text: str) -> str:
    """Danish letters to their ASCII spelling, keeping case (å->aa, Å->Aa), as
    people type names and e-mail addresses (matching uses ``udsyn.clean.names``)."""
    for letter, ascii_form in TRANSLITERATION:
        text = text.replace(letter, ascii_form)
    return text


def column_of(questionnaire: Questionnaire) -> dict[str, str]:
    """Export column of each question field by clean name ("takes_part" -> "q1")."""
    return {f.name: f.field for f in questionnaire.fields}


def item_columns(questionnaire: Questionnaire, question: str, items: tuple) -> dict[int, str]:
    """Export column of each item of multi-choice ``question`` (clean name) by item code."""
    column = column_of(questionnaire)
    return {item.code: column[f"{question}_{item.key}"] for item in items}


# ------------------------------------------------------------------ layout and labels


def export_columns(cfg: dict, questionnaire: Questionnaire) -> list[str]:
    """Every dataset column in SurveyXact order."""
    return [
        *cfg["export_layout"]["leading_columns"],
        *(f.field for f in questionnaire.export_fields),
        *questionnaire.status_columns,
    ]


def labels_rows(cfg: dict, questionnaire: Questionnaire) -> list[list[str]]:
    """labels.csv rows: field, code, label text, by column order then value.
    Multi-choice items and status columns take the configured indicator value set."""
    layout, value_sets = cfg["export_layout"], questionnaire.value_sets
    indicator = layout["indicator_value_set"]
    value_set_of = {
        **layout["coded_admin_columns"],
        **dict.fromkeys(questionnaire.status_columns, indicator),
        **{
            f.field: indicator if f.kind == "multi_item" else f.value_set
            for f in questionnaire.coded_fields
        },
    }
    return [
        [column, str(code), value_sets[value_set_of[column]][code]]
        for column in export_columns(cfg, questionnaire)
        if column in value_set_of
        for code in sorted(value_sets[value_set_of[column]])
    ]


# ------------------------------------------------------- who is on the list, who answers


def municipality_covariates(register: list[dict], cfg: dict) -> dict[str, np.ndarray]:
    """Covariates of the data-generating process, one entry per register row."""
    population = np.array([float(row["population_2007"]) for row in register])
    log_population = np.log(population)
    return {
        "z": (log_population - log_population.mean()) / log_population.std(),  # population sd
        "log_population": log_population,
        "merged": np.array([int(row["n_premerger"]) > 1 for row in register], dtype=float),
        "peripheral": np.array(
            [row["kommunegruppe"] in cfg["register"]["peripheral_groups"] for row in register],
            dtype=float,
        ),
        "capital": np.array(
            [int(row["code"]) == cfg["register"]["capital_code"] for row in register], dtype=float
        ),
    }


def draw_rows(
    rng: np.random.Generator, covariates: dict, cfg: dict, repeats: int = 0
) -> dict[str, np.ndarray]:
    """Export rows: a main row per municipality (with its response role), a
    duplicate row for some completed municipalities, ``repeats`` repeat
    submissions (see ``generate_export``), then the test rows.
    Returns per row: municipality index (-1 for tests), role, kind and, for
    duplicates, the index of the municipality's main row."""
    n = len(covariates["z"])
    response = cfg["response"]
    responds = rng.random(n) < logistic(linear_predictor(response["propensity"], covariates))
    partial = rng.random(n) < response["partial_rate"]
    declined = rng.random(n) < response["declined_share"]
    bounced = rng.random(n) < response["bounced_share"]
    role = np.where(
        responds,
        np.where(partial, "partial", "complete"),
        np.where(declined, "declined", np.where(bounced, "bounced", "not_started")),
    )
    duplicated = (role == "complete") & (rng.random(n) < cfg["duplicates"]["rate"])
    partial_first = rng.random(n) < cfg["duplicates"]["partial_first_share"]
    dup = np.flatnonzero(duplicated)
    dup_kind = np.where(partial_first[dup], "partial_first", "second_official")
    n_tests = len(cfg["tests"]["kommune"])
    # Repeat submissions (a size parameter, drawn only when asked for, so the
    # default export is unchanged): any municipality, complete or partial.
    repeat_of = rng.integers(n, size=repeats) if repeats else np.zeros(0, dtype=np.int64)
    repeat_partial = (
        rng.random(repeats) < response["partial_rate"] if repeats else np.zeros(0, bool)
    )
    return {
        "municipality": np.concatenate([np.arange(n), dup, repeat_of, np.full(n_tests, -1)]),
        "role": np.concatenate(
            [
                role,
                np.where(dup_kind == "partial_first", "partial", "complete"),
                np.where(repeat_partial, "partial", "complete"),
                np.full(n_tests, "test"),
            ]
        ).astype(object),
        "kind": np.concatenate(
            [np.full(n, "main"), dup_kind, np.full(repeats, "repeat"), np.full(n_tests, "test")]
        ).astype(object),
        "main_row": np.concatenate(
            [np.full(n, -1), dup, np.full(repeats, -1), np.full(n_tests, -1)]
        ),
    }


def row_covariates(covariates: dict, municipality: np.ndarray) -> dict[str, np.ndarray]:
    """Municipality covariates per row; test rows get an average municipality."""
    is_test = municipality < 0
    return {
        name: np.where(
            is_test,
            0.0 if name != "log_population" else values.mean(),
            values[np.where(is_test, 0, municipality)],
        )
        for name, values in covariates.items()
    }


# ------------------------------------------------------------------ answers


def draw_yes_no(
    rng: np.random.Generator, p_yes: np.ndarray, dont_know_rate: float, codes: dict
) -> np.ndarray:
    """Ja/Nej codes with "Ved ikke" at ``dont_know_rate``."""
    n = len(p_yes)
    yes, dont_know = rng.random(n) < p_yes, rng.random(n) < dont_know_rate
    return np.where(dont_know, codes["ved_ikke"], np.where(yes, codes["ja"], codes["nej"]))


def draw_likert(
    rng: np.random.Generator,
    eta: np.ndarray,
    cutpoints: list,
    dont_know_rate: float,
    dont_know_code: int,
) -> np.ndarray:
    """Ordinal codes 1..len(cutpoints)+1 from latent = eta + N(0,1); 1 is the highest latent."""
    latent = eta + rng.standard_normal(len(eta))
    code = 1 + (latent[:, None] <= np.asarray(cutpoints, dtype=float)[None, :]).sum(axis=1)
    return np.where(rng.random(len(eta)) < dont_know_rate, dont_know_code, code)


def format_years(
    rng: np.random.Generator, years: np.ndarray, cfg: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Free-text years: a vague form where it applies and is drawn, else a
    general form. Returns (texts, form used or None where no year)."""
    forms, vague = list(cfg["year_forms"]), cfg["year_vague_forms"]
    chosen = draw_form(rng, cfg["year_forms"], len(years))
    vague_draw = rng.random((len(years), len(vague)))
    # The form per row: the first vague form that applies and is drawn, else the general one
    # (vague form j is number len(forms) + j).
    form_no = chosen.copy()
    for j in reversed(range(len(vague))):
        applies = (years < vague[j]["below"]) & (vague_draw[:, j] < vague[j]["rate"])
        form_no = np.where(applies, len(forms) + j, form_no)
    all_forms = forms + [v["form"] for v in vague]

    def text(year: int, form: str) -> str:
        following = str(year + 1)
        short = (
            following[2:] if following[:2] == str(year)[:2] else following
        )  # 1999/2000, not 1999/00
        return form.format(
            y=year,
            y_next=following,
            y_next_short=short,
            before=cfg["before_year"],
            decade=year // 10 * 10,
        )

    # Each distinct (year, form) is written once and mapped back to its rows.
    has = years != MISSING
    key = np.where(has, years * len(all_forms) + form_no, -1)
    uniques, inverse = np.unique(key, return_inverse=True)
    texts = np.array(
        [
            text(int(k) // len(all_forms), all_forms[int(k) % len(all_forms)]) if k >= 0 else ""
            for k in uniques
        ],
        dtype=object,
    )[inverse.reshape(-1)]
    used = np.where(has, np.array(all_forms, dtype=object)[form_no], None)
    return texts, used


def danish_number(value: float) -> str:
    """2.0 -> "2", 1.5 -> "1,5"."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def format_fte(
    rng: np.random.Generator, fte: np.ndarray, cfg: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Free-text FTE in the configured forms: (texts, form used)."""
    forms = list(cfg["fte_forms"])
    chosen = draw_form(rng, cfg["fte_forms"], len(fte))

    def text_and_form(value: float, form: str) -> tuple[str, str]:
        if value == 0 and "{" in form:
            return cfg["fte_zero_text"], cfg["fte_zero_text"]
        half = not float(value).is_integer()
        low, high = (value - 0.5, value + 0.5) if half else (max(value - 1, 0), value + 1)
        return form.format(
            v=danish_number(value), low=danish_number(low), high=danish_number(high)
        ), form

    # Each distinct (value, form) is written once and mapped back to its rows.
    values, value_no = np.unique(fte, return_inverse=True)
    pairs, inverse = np.unique(value_no.reshape(-1) * len(forms) + chosen, return_inverse=True)
    written = [
        text_and_form(float(values[k // len(forms)]), forms[k % len(forms)])
        for k in pairs.tolist()
    ]
    inverse = inverse.reshape(-1)
    return (
        np.array([t for t, _ in written], dtype=object)[inverse],
        np.array([f for _, f in written], dtype=object)[inverse],
    )


def draw_fte(rng: np.random.Generator, cov: dict, cfg: dict) -> np.ndarray:
    """True FTE: none at all (a hurdle), else log-log in population with the
    capital factor, rounded as people report it (0.5 steps for small values)."""
    p = cfg["fte"]
    log_fte = (
        p["intercept"]
        + p["elasticity"] * cov["log_population"]
        + rng.normal(0, p["noise_sd"], len(cov["z"]))
    )
    fte = np.exp(log_fte) * np.where(cov["capital"] == 1, p["capital_factor"], 1.0)
    none = rng.random(len(fte)) < logistic(linear_predictor(p["none"], cov))
    return np.where(
        none, 0.0, np.where(fte < p["half_steps_below"], np.round(fte * 2) / 2, np.round(fte))
    )


def draw_initiatives(
    rng: np.random.Generator, cov: dict, cfg: dict, questionnaire: Questionnaire
) -> tuple[dict, dict]:
    """Q8 block: a count, then per slot a start year (more often post-crisis in
    peripheral municipalities), a type by start period and whether still active.
    Returns the columns and the start-year forms used."""
    p, codes, n = cfg["initiatives"], cfg["codes"], len(cov["z"])
    count = np.minimum(
        rng.poisson(np.exp(linear_predictor(p["count_log_rate"], cov))),
        len(questionnaire.initiatives),
    )
    base_odds = p["post_crisis_probability"] / (1 - p["post_crisis_probability"])
    odds = base_odds * np.where(
        cov["peripheral"] == 1, p["post_crisis_odds_ratio_peripheral"], 1.0
    )
    period_from = np.array([period["from"] for period in p["type_periods"]])
    type_codes = np.array(list(p["type_periods"][0]["weights"]))
    weights = np.array(
        [[period["weights"][c] for c in type_codes] for period in p["type_periods"]], dtype=float
    )
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    first_pre, last_pre = p["pre_crisis_years"]
    out, forms = {}, {}
    for slot in questionnaire.initiatives:
        post = rng.random(n) < odds / (1 + odds)
        back = np.floor(rng.exponential(p["pre_crisis_mean_years_back"], n)).astype(int)
        year = np.where(
            post,
            rng.integers(p["post_crisis_years"][0], p["post_crisis_years"][1] + 1, n),
            np.maximum(last_pre - back, first_pre),
        )
        period = np.searchsorted(period_from, year, side="right") - 1
        type_code = type_codes[
            np.minimum(
                (rng.random(n)[:, None] > cumulative[period]).sum(axis=1), len(type_codes) - 1
            )
        ]
        age = cfg["fielding"]["fielded_year"] - year
        active = draw_yes_no(
            rng,
            logistic(p["active"]["intercept"] + p["active"]["age"] * age),
            p["active_dont_know_rate"],
            codes,
        )
        has = slot.slot <= count  # slots are numbered from 1
        start = slot.start.field
        out[start], forms[start] = format_years(rng, np.where(has, year, MISSING), cfg)
        out[slot.type.field] = np.where(has, type_code, MISSING)
        out[slot.active.field] = np.where(has, active, MISSING)
    return out, forms


def pick_texts(rng: np.random.Generator, wanted: np.ndarray, pool: list[str]) -> np.ndarray:
    """A text from ``pool`` where ``wanted``, else ""."""
    choice = rng.integers(len(pool), size=len(wanted))
    return np.array([*pool, ""], dtype=object)[np.where(wanted, choice, len(pool))]


def mess_up_free_text(
    rng: np.random.Generator, texts: np.ndarray, people: dict, cfg: dict
) -> np.ndarray:
    """Add markup and personal data (the row's own name/e-mail, a fake phone or
    CPR-like number) to free texts at the configured rates."""
    ft, n = cfg["free_text"], len(texts)
    markup = rng.random(n) < ft["markup_rate"]
    markup_pick = rng.integers(len(ft["markup"]), size=n)
    personal = rng.random(n) < ft["personal_data_rate"]
    forms = list(ft["personal_data_forms"])
    form_pick = draw_form(rng, ft["personal_data_forms"], n)
    phone_pick, cpr_pick = (
        rng.integers(len(ft["phones"]), size=n),
        rng.integers(len(ft["cprs"]), size=n),
    )
    out = texts.copy()
    filled = texts != ""
    add = filled & markup
    out[add] = out[add] + " " + np.array(ft["markup"], dtype=object)[markup_pick[add]]
    values = {
        "navn": people["navn"],
        "email": people["email"],
        "phone": np.array(ft["phones"], dtype=object)[phone_pick],
        "cpr": np.array(ft["cprs"], dtype=object)[cpr_pick],
    }
    for k, form in enumerate(forms):
        rows = filled & personal & (form_pick == k)
        out[rows] = (
            out[rows] + " " + format_rows(form, {name: v[rows] for name, v in values.items()})
        )
    return out


def format_rows(template: str, values: dict[str, np.ndarray]) -> np.ndarray:
    """``template.format(**row)`` for every row of the columns ``values`` (object
    arrays of text, one value per row), built column-wise."""
    n = len(next(iter(values.values())))
    out = np.full(n, "", dtype=object)
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out = out + literal
        if name is not None:
            if spec or conversion:
                raise ValueError(
                    f"template {template!r}: only plain {{name}} fields are supported"
                )
            out = out + values[name]
    return out


def draw_answers(
    rng: np.random.Generator, cov: dict, people: dict, cfg: dict, questionnaire: Questionnaire
) -> tuple[dict, dict]:
    """Complete answers for every row, skip logic and non-response applied
    later. Returns the columns and, for free-text year/number columns, the
    form each text was written in."""
    n, codes, field = len(cov["z"]), cfg["codes"], column_of(questionnaire)
    a: dict[str, np.ndarray] = {}
    a[field["takes_part"]] = draw_yes_no(
        rng,
        logistic(linear_predictor(cfg["takes_part"]["ja"], cov)),
        cfg["takes_part"]["dont_know_rate"],
        codes,
    )
    # Q2: a business-type purpose at all, then which; the other purposes independently.
    pur = cfg["purposes"]
    business = rng.random(n) < logistic(linear_predictor(pur["business_any"], cov))
    chosen = {code: business & (rng.random(n) < p) for code, p in pur["business_items"].items()}
    chosen[pur["business_fallback_code"]] |= business & ~np.any(list(chosen.values()), axis=0)
    chosen.update({code: rng.random(n) < p for code, p in pur["other_items"].items()})
    for code, column in item_columns(questionnaire, "purpose", questionnaire.purposes).items():
        a[column] = chosen[code].astype(int)
    other = questionnaire.purposes[-1].code
    a[field["purpose_other_text"]] = pick_texts(
        rng, chosen[other], cfg["free_text"]["purpose_other"]
    )
    cov = dict(cov, business=business.astype(float))
    likert = {
        name: draw_likert(
            rng,
            linear_predictor(spec["eta"], cov),
            cfg["likert_cutpoints"],
            spec["dont_know_rate"],
            codes["ved_ikke"],
        )
        for name, spec in cfg["likert"].items()
    }
    a[field["business_focus_degree"]] = likert["business_focus_degree"]
    a[field["core_area_agreement"]] = likert["core_area_agreement"]
    # Q5 strategy: Ja from a logistic, the rest split by fixed shares.
    strategy = cfg["strategy"]
    rest_codes = np.array(list(strategy["other_codes"]))
    rest = rest_codes[draw_form(rng, strategy["other_codes"], n)]
    has_strategy = rng.random(n) < logistic(linear_predictor(strategy["ja"], cov))
    a[field["has_strategy"]] = np.where(has_strategy, codes["ja"], rest)
    adopted = rng.integers(strategy["year_range"][0], strategy["year_range"][1] + 1, n)
    forms = {}
    a[field["strategy_year"]], forms[field["strategy_year"]] = format_years(
        rng, np.where(has_strategy, adopted, MISSING), cfg
    )
    a[field["international_fte"]], forms[field["international_fte"]] = format_fte(
        rng, draw_fte(rng, cov, cfg), cfg
    )
    a[field["brussels_office_member"]] = draw_yes_no(
        rng,
        logistic(linear_predictor(cfg["brussels"]["ja"], cov)),
        cfg["brussels"]["dont_know_rate"],
        codes,
    )
    initiatives, start_forms = draw_initiatives(rng, cov, cfg, questionnaire)
    a.update(initiatives)
    forms.update(start_forms)
    for name in (
        "reform_enabled_degree",
        "crisis_international_degree",
        "state_no_longer_helps_agreement",
    ):
        a[field[name]] = likert[name]
    barrier_chosen = {code: rng.random(n) < p for code, p in cfg["barriers"].items()}
    for code, column in item_columns(questionnaire, "barrier", questionnaire.barriers).items():
        a[column] = barrier_chosen[code].astype(int)
    other = questionnaire.barriers[-1].code
    a[field["barrier_other_text"]] = pick_texts(
        rng, barrier_chosen[other], cfg["free_text"]["barrier_other"]
    )
    a[field["comment"]] = pick_texts(
        rng, rng.random(n) < cfg["comment_rate"], cfg["free_text"]["comments"]
    )
    for name in ("purpose_other_text", "barrier_other_text", "comment"):
        a[field[name]] = mess_up_free_text(rng, a[field[name]], people, cfg)
    return a, forms


def blank(column: np.ndarray, rows: np.ndarray, empty: object) -> np.ndarray:
    """``column`` with ``rows`` set to ``empty``."""
    return np.where(rows, empty, column)


# ------------------------------------------------------------------ people, names, times


def email_slug(text: str) -> str:
    """Lower-case ASCII for an e-mail address ("Høje-Taastrup" -> "hoeje-taastrup")."""
    return re.sub(r"[^a-z0-9.-]", "", transliterate(text.lower()).replace(" ", "-"))


def draw_people(
    rng: np.random.Generator, register_names: list[str], cfg: dict
) -> dict[str, np.ndarray]:
    """Obviously fake officials: name, e-mail at <municipality>.kommune.invalid, job title."""
    pp, n = cfg["people"], len(register_names)
    first, last = (
        rng.integers(len(pp["first_names"]), size=n),
        rng.integers(len(pp["surnames"]), size=n),
    )
    title = rng.integers(len(pp["titles"]), size=n)
    first_names, surnames = (
        np.array(pp["first_names"], dtype=object),
        np.array(pp["surnames"], dtype=object),
    )
    navn = first_names[first] + " " + surnames[last]
    slug = np.vectorize(email_slug, otypes=[object])
    places, place_no = np.unique(
        np.asarray(register_names, dtype=object).astype(str), return_inverse=True
    )
    domains = (slug(places) if len(places) else places).astype(object) + pp["email_domain_suffix"]
    email = (
        slug(first_names)[first] + "." + slug(surnames)[last] + "@" + domains[place_no.reshape(-1)]
    )
    return {"navn": navn, "email": email, "stilling": np.array(pp["titles"], dtype=object)[title]}


def typed_names(
    rng: np.random.Generator, names: np.ndarray, codes: np.ndarray, is_main: np.ndarray, cfg: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Municipality names as typed in the distribution list, and the form used
    (object arrays, one per row; ``codes`` is -1 where a row has no municipality)."""
    mn, n = cfg["municipality_names"], len(names)
    hyphen, ascii_ = rng.random(n) < mn["hyphen_to_space_rate"], rng.random(n) < mn["ascii_rate"]
    forms, chosen = list(mn["forms"]), draw_form(rng, mn["forms"], n)

    def typed_and_used(name: str, hyphen: bool, ascii_: bool, form: str) -> tuple[str, str]:
        variant = []
        if "-" in name and hyphen:
            name, variant = name.replace("-", " "), variant + ["hyphen_to_space"]
        if transliterate(name) != name and ascii_:
            name, variant = transliterate(name), variant + ["ascii"]
        return form.format(name=name, upper=name.upper(), lower=name.lower()), "+".join(
            variant + [form]
        )

    # Each distinct (name, variants, form) is typed once and mapped back to its rows.
    places, place_no = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    key = ((place_no.reshape(-1) * 2 + hyphen) * 2 + ascii_) * len(forms) + chosen
    uniques, inverse = np.unique(key, return_inverse=True)
    made = [
        typed_and_used(
            str(places[k // (4 * len(forms))]),
            bool(k // (2 * len(forms)) % 2),
            bool(k // len(forms) % 2),
            forms[k % len(forms)],
        )
        for k in uniques.tolist()
    ]
    inverse = inverse.reshape(-1)
    typed = np.array([t for t, _ in made], dtype=object)[inverse]
    used = np.array([u for _, u in made], dtype=object)[inverse]
    for code, name in mn["fixed"].items():
        rows = is_main & (codes == code)
        typed[rows], used[rows] = name, "fixed"
    return typed, used


def check_matchable(typed: list[str], register_names: list[str], aliases: list[str]) -> None:
    """Refuse to write a list entry that neither normalisation nor an alias matches."""
    known = {normalise_name(name) for name in register_names + aliases}
    bad = sorted(name for name in dict.fromkeys(typed) if normalise_name(name) not in known)
    if bad:
        raise ValueError(f"generator would emit unmatchable municipality names: {bad}")


def format_times(seconds: np.ndarray) -> np.ndarray:
    """Integer seconds since the epoch -> "YYYY-MM-DD HH:MM:SS" ("" for MISSING)."""
    text = np.datetime_as_string(
        np.where(seconds == MISSING, 0, seconds).astype("datetime64[s]"), unit="s"
    )
    return np.where(seconds == MISSING, "", np.char.replace(text, "T", " ")).astype(object)


def draw_times(
    rng: np.random.Generator, rows: dict, ids: np.ndarray, cfg: dict
) -> dict[str, np.ndarray]:
    """created/modified/starttime/closetime/difftime per row, consistent with its role.
    List entries are created one second apart in id order; a repeat submission's
    entry is created when it is started."""
    f, role, n = cfg["fielding"], rows["role"], len(rows["role"])
    day0 = np.datetime64(f["start"], "s").astype(np.int64)
    # Starting days leave room for a partial first attempt's gap before the window closes.
    window_days = int((np.datetime64(f["end"]) - np.datetime64(f["start"])).astype(int))
    last_day = window_days - cfg["duplicates"]["max_gap_days"]
    start_day = np.minimum(
        np.floor(rng.exponential(f["start_delay_mean_days"], n)).astype(np.int64), last_day
    )
    start_sec = rng.integers(f["workday_start_hour"] * 3600, f["workday_end_hour"] * 3600, n)
    gap_days = rng.integers(1, cfg["duplicates"]["max_gap_days"] + 1, n)
    duration_ms = np.round(
        rng.lognormal(np.log(f["duration_median_seconds"] * 1000), f["duration_log_sd"], n)
    ).astype(np.int64)
    partial_s = 60 * rng.integers(f["partial_minutes"][0], f["partial_minutes"][1] + 1, n)
    decline_day = rng.integers(0, last_day + 1, n)
    # A partial first attempt starts before the same person's complete row.
    first = np.flatnonzero(rows["kind"] == "partial_first")
    start_day[rows["main_row"][first]] = start_day[first] + gap_days[first]
    is_test = role == "test"
    test_created = np.datetime64(cfg["tests"]["created"].replace(" ", "T"), "s").astype(np.int64)
    hours, minutes, seconds = (int(part) for part in f["distribution_time"].split(":"))
    list_created = day0 + 3600 * hours + 60 * minutes + seconds  # one second apart in id order
    on_list = ~is_test & (rows["kind"] != "repeat")
    list_rank = np.zeros(n, dtype=np.int64)
    list_rank[on_list] = np.argsort(np.argsort(ids[on_list], kind="stable"), kind="stable")
    start = np.where(is_test, 0, day0 + 86400 * start_day + start_sec)
    created = np.where(
        is_test,
        test_created + 60 * cfg["tests"]["spacing_minutes"] * (np.cumsum(is_test) - 1),
        np.where(on_list, list_created + list_rank, start),
    )
    start = np.where(is_test, created + cfg["tests"]["start_after_seconds"], start)
    started = np.isin(role, ["complete", "partial", "test"])
    closed = np.isin(role, ["complete", "test"])
    close = np.where(closed, start + duration_ms // 1000, MISSING)
    modified = np.where(
        closed,
        close,
        np.where(
            role == "partial",
            start + partial_s,
            np.where(role == "declined", day0 + 86400 * decline_day + start_sec, MISSING),
        ),
    )
    difftime = np.char.add(
        np.char.add((duration_ms // 1000).astype(str), ","),
        np.char.zfill((duration_ms % 1000).astype(str), 3),
    )
    return {
        "created": format_times(created),
        "modified": format_times(modified),
        "starttime": format_times(np.where(started, start, MISSING)),
        "closetime": format_times(close),
        "difftime": np.where(closed, difftime, "").astype(object),
    }


# ------------------------------------------------------------------ the export


def base_row_count(cfg: dict, register: list[dict]) -> int:
    """Rows of the default export (no size given): the distribution list, its
    duplicates and the test rows. The smallest ``respondents`` value."""
    rng = np.random.Generator(np.random.PCG64(cfg["seed"]))
    return len(draw_rows(rng, municipality_covariates(register, cfg), cfg)["role"])


def generate_export(
    cfg: dict,
    questionnaire: Questionnaire,
    register: list[dict],
    aliases: list[str],
    respondents: int | None = None,
) -> tuple:
    """The whole synthetic export: (dataset header, dataset rows, labels header,
    labels rows, summary of realised counts). Pure: same inputs, same output.

    ``respondents`` (a size parameter, for benchmarks) asks for exactly that many
    data rows: the default export's rows, then repeat submissions (complete, or
    partial at ``response.partial_rate``) from municipalities drawn uniformly,
    each with its own answers. The survey has 98 municipalities, so at scale
    nearly every row is a repeat that the cleaning step excludes as
    ``duplicate_superseded``. Without it (None) the default export is written,
    draw for draw.
    """
    rng = np.random.Generator(np.random.PCG64(cfg["seed"]))
    covariates = municipality_covariates(register, cfg)
    repeats = 0
    if respondents is not None:
        repeats = respondents - base_row_count(cfg, register)
        if repeats < 0:
            raise ValueError(
                f"respondents must be at least {respondents - repeats} (the default export's rows)"
            )
    rows = draw_rows(rng, covariates, cfg, repeats)
    muni, role, kind, main_row = rows["municipality"], rows["role"], rows["kind"], rows["main_row"]
    n, is_test = len(muni), kind == "test"
    register_names = np.array([row["name"] for row in register] + [""], dtype=object)[muni]
    # A partial first attempt is the same person as the municipality's complete row.
    again = np.flatnonzero(kind == "partial_first")
    people = draw_people(rng, register_names, cfg)
    for name in people:
        people[name][again] = people[name][main_row[again]]
        people[name][is_test] = cfg["tests"][name]
    answers, forms = draw_answers(
        rng, row_covariates(covariates, muni), people, cfg, questionnaire
    )
    field = column_of(questionnaire)
    answers[field["comment"]][is_test] = cfg["tests"]["comments"]
    # Skip logic, the partial attempt copying the complete answers, stopping part-way,
    # non-response.
    number = {f.field: question_number(f.question) for f in questionnaire.all_fields}
    not_taking_part = answers[field["takes_part"]] != cfg["codes"]["ja"]
    stop_before = rng.integers(2, max(number.values()) + 1, n)  # Q1 is always answered
    non_response = np.isin(role, ["not_started", "bounced", "declined"])
    for table, empty_of in (
        (answers, lambda c: "" if c.dtype == object else MISSING),
        (forms, lambda c: None),
    ):
        for column in table:
            empty = empty_of(table[column])
            if 2 <= number[column] <= cfg["export_layout"]["gated_upto"]:
                table[column] = blank(table[column], not_taking_part, empty)
            table[column][again] = table[column][main_row[again]]
            table[column] = blank(
                table[column], (role == "partial") & (number[column] >= stop_before), empty
            )
            table[column] = blank(table[column], non_response, empty)
    # Respondent ids: tests first, then the distribution list in shuffled order.
    first_id = cfg["export_layout"]["respondentid_start"]
    ids = np.where(is_test, first_id + np.cumsum(is_test) - 1, 0)
    ids[~is_test] = first_id + is_test.sum() + rng.permutation((~is_test).sum())
    codes = np.array([int(row["code"]) for row in register] + [-1])[muni]
    typed, name_forms = typed_names(rng, register_names, codes, kind == "main", cfg)
    typed[is_test], name_forms[is_test] = cfg["tests"]["kommune"], "test"
    check_matchable(typed[~is_test].tolist(), [r["name"] for r in register], aliases)
    role_names, role_no = np.unique(role.astype(str), return_inverse=True)
    role_cfg = [cfg["roles"][r] for r in role_names.tolist()]
    role_no = role_no.reshape(-1)

    def per_role(value_of, dtype=None) -> np.ndarray:
        return np.array([value_of(rc) for rc in role_cfg], dtype=dtype)[role_no]

    sessions = per_role(lambda rc: rc["min_sessions"])
    sessions = sessions + (sessions > 0) * rng.poisson(cfg["response"]["extra_sessions_mean"], n)
    table = {
        "respondentid": ids,
        **draw_times(rng, rows, ids, cfg),
        "responsecollectsessions": sessions,
        "kommune": typed,
        **people,
        **answers,
    }
    for column in (
        "numberofreturnedmail",
        "distributionschedule",
        "digitaldistributionstatus",
        "gruppe",
    ):
        table[column] = per_role(lambda rc: str(rc[column]), dtype=object)
    for column in questionnaire.status_columns:
        family, position = column.rsplit("_", 1)
        table[column] = per_role(lambda rc: int(rc[family] == int(position)))
    header = export_columns(cfg, questionnaire)
    if sorted(set(header) - set(table)):
        raise ValueError(f"no values generated for columns {sorted(set(header) - set(table))}")
    data_rows = DataRows([table[c] for c in header], np.argsort(ids, kind="stable"))
    summary = summarise(rows, answers, forms, name_forms, cfg, questionnaire)
    return (
        header,
        data_rows,
        ["field_name", "field_value", "field_text"],
        labels_rows(cfg, questionnaire),
        summary,
    )


def cell_texts(values: np.ndarray) -> list[str]:
    """A column's cells as written: numbers in decimal, MISSING empty, text (an
    object column holds only text) as is."""
    if values.dtype.kind not in "iu" or not len(values):
        return values.tolist()
    low, high = int(values.min()), int(values.max())
    if high - low <= 4 * len(values):  # codes, or ids in a block: a table of every value in range
        texts = np.array([str(v) for v in range(low, high + 1)], dtype=object)
        if low <= MISSING <= high:
            texts[MISSING - low] = ""
        return texts[values - low].tolist()
    uniques, inverse = np.unique(values, return_inverse=True)
    texts = np.array(["" if v == MISSING else str(v) for v in uniques.tolist()], dtype=object)
    return texts[inverse.reshape(-1)].tolist()


class DataRows:
    """The dataset's rows (lists of cell texts) in ``order``, made from the column
    arrays a block of rows at a time, so that a large export is never held as
    Python lists all at once. Iterable more than once; ``len`` is the row count."""

    BLOCK = 50_000

    def __init__(self, columns: list[np.ndarray], order: np.ndarray) -> None:
        self.columns, self.order = columns, order

    def __len__(self) -> int:
        return len(self.order)

    def __iter__(self):
        for start in range(0, len(self.order), self.BLOCK):
            rows = self.order[start : start + self.BLOCK]
            yield from zip(*(cell_texts(column[rows]) for column in self.columns))


def personal_data_pattern(free_text_cfg: dict) -> re.Pattern:
    """A regex finding any configured personal-data insertion in a free text."""
    forms = [
        re.sub(r"\\\{\w+\\\}", ".+?", re.escape(form))
        for form in free_text_cfg["personal_data_forms"]
    ]
    return re.compile("|".join(forms))


def summarise(
    rows: dict,
    answers: dict,
    forms: dict,
    name_forms: list,
    cfg: dict,
    questionnaire: Questionnaire,
) -> dict:
    """Realised counts of the export (list rows only, tests excluded), for the README."""
    role, kind, muni = rows["role"], rows["kind"], rows["municipality"]
    listed, main = kind != "test", kind == "main"
    field, ft = column_of(questionnaire), cfg["free_text"]
    responding = np.isin(role, ["complete", "partial"])
    purpose = item_columns(questionnaire, "purpose", questionnaire.purposes)
    business = np.any(
        [answers[purpose[c]] == 1 for c in cfg["purposes"]["business_items"]], axis=0
    )
    headline = (answers[field["takes_part"]] == cfg["codes"]["ja"]) & business
    likert = np.concatenate([answers[field[name]][listed] for name in cfg["likert"]])
    likert = likert[likert != MISSING]
    texts = np.concatenate(
        [
            answers[field[k]][listed]
            for k in ("purpose_other_text", "barrier_other_text", "comment")
        ]
    )
    texts = texts[texts != ""]

    def count(values) -> dict:
        return dict(sorted(Counter(v for v in values if v is not None).items()))

    personal = personal_data_pattern(ft)

    year_columns = [c for c in forms if c != field["international_fte"]]
    return {
        "rows": len(role),
        "list_rows": int(listed.sum()),
        "test_rows": int((~listed).sum()),
        "municipalities_on_list": len(np.unique(muni[listed])),
        "responding_municipalities": len(np.unique(muni[listed & responding])),
        "response_rate": round(len(np.unique(muni[listed & responding])) / int(main.sum()), 4),
        "main_row_roles": count(role[main]),
        "extra_rows": count(kind[listed & ~main]),
        "headline_share_of_responding_main_rows": round(
            float(headline[main & responding].mean()), 4
        ),
        "municipality_name_forms": count(np.array(name_forms)[listed]),
        "year_forms": count(np.concatenate([forms[c][listed] for c in year_columns])),
        "fte_forms": count(forms[field["international_fte"]][listed]),
        "likert_answered": len(likert),
        "likert_ved_ikke": int((likert == cfg["codes"]["ved_ikke"]).sum()),
        "free_texts": len(texts),
        "free_texts_with_markup": sum(any(m in t for m in ft["markup"]) for t in texts),
        "free_texts_with_personal_data": sum(bool(personal.search(t)) for t in texts),
    }


# ------------------------------------------------------------------ files


def main(argv: list[str] | None = None) -> None:
    """Command line: read config, codebook, register and aliases; write the export."""
    parser = argparse.ArgumentParser(
        description="Write the SYNTHETIC SurveyXact export (by default dataset.csv, "
        "labels.csv; --format for SurveyXact's other formats)."
    )
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--questionnaire", required=True, type=Path)
    parser.add_argument("--register", required=True, type=Path)
    parser.add_argument(
        "--aliases", type=Path, help="default: municipality_aliases.csv beside the questionnaire"
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument(
        "--respondents",
        type=int,
        metavar="N",
        help="write exactly N data rows: the default export plus repeat submissions "
        "(a benchmark size; default: the shipped export)",
    )
    parser.add_argument(
        "--format",
        default="csv",
        metavar="FORMAT",
        help="a base format (" + ", ".join(formats.BASE_FORMATS) + ") and optional "
        "modifiers (" + ", ".join(formats.MODIFIERS) + ") joined by '+', "
        "e.g. intl+short+api (default: csv, the shipped files)",
    )
    args = parser.parse_args(argv)
    try:
        formats.parse_format(args.format)
    except ValueError as error:
        parser.error(str(error))
    cfg = files.read_yaml(args.config)
    questionnaire = build_questionnaire(files.read_yaml(args.questionnaire))
    register = files.read_text_table(args.register, what="municipality register").to_dict(
        "records"
    )
    aliases_path = args.aliases or args.questionnaire.parent / "municipality_aliases.csv"
    aliases = files.read_text_table(aliases_path, what="alias table")["alias"].tolist()
    header, rows, _labels_header, labels, summary = generate_export(
        cfg, questionnaire, register, aliases, respondents=args.respondents
    )
    # Real labels tables have no header row: the files never carry _labels_header.
    formats.write_export(args.out, args.format, header, rows, labels, questionnaire, cfg)
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
