"""The multiverse's grid: specifications, claim specifications, batches and seeds.

A *specification* is one value for every choice of ``multiverse.choices`` (the
full product, in config order). Not every choice touches every claim (the
crisis cut-off does not change the headline share), so each claim is computed
once per *claim specification*: one value for each choice the claim uses
(``CLAIM_CHOICES``). A specification's result for a claim is the result of its
claim specification; the counts "holds in N of M specifications" are over the
full grid, which is a product, so they are the distinct claim specifications'
counts times a constant. A claim may be *restricted* to some alternatives of a
choice (``multiverse.restrict``, each with its reason): it is then estimated,
and counted, only in the specifications that use those.

Ids and seeds are content hashes of the choice values, never positions: adding
an alternative to the config adds specifications and leaves every existing id,
seed and result unchanged, and any subset reruns identically.

Standard library only: the Snakefile imports this module to wire one job per
batch, and a no-op build should not pay for numpy or pandas.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

# The five claims of the research design, in report order.
CLAIMS = ("headline", "shift", "reform", "crisis", "capital")

# The choices each claim's estimate depends on (a property of the estimators in
# udsyn.multiverse.estimators; tests check that the other choices leave it unchanged).
CLAIM_CHOICES = {
    "headline": ("duplicate_rule", "dont_know_as", "headline_definition", "weighting"),
    "shift": ("duplicate_rule", "crisis_cutoff_year", "weighting"),
    "reform": (
        "duplicate_rule",
        "dont_know_as",
        "headline_definition",
        "size_measure",
        "weighting",
    ),
    "crisis": ("duplicate_rule", "crisis_cutoff_year", "peripheral_groups", "weighting"),
    "capital": ("duplicate_rule", "size_measure", "weighting"),
}

# Where the main analysis keeps the value of a choice (section, key); the choices
# not listed here exist only in the multiverse and take their first alternative.
MAIN_CONFIG_KEYS = {
    "duplicate_rule": ("cleaning", "duplicate_rule"),
    "dont_know_as": ("derive", "dont_know_as"),
    "headline_definition": ("derive", "headline_definition"),
    "crisis_cutoff_year": ("derive", "crisis_cutoff_year"),
    "peripheral_groups": ("derive", "peripheral_groups"),
}


def canonical(value: Any) -> str:
    """A choice value as stable text (lists keep their order)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def shown(value: Any) -> str:
    """A choice value as a CSV cell: lists joined with " + "."""
    return " + ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def spec_id(values: Mapping[str, Any], prefix: str = "spec") -> str:
    """A content id of choice values: the same values always give the same id."""
    text = "\x1e".join(f"{name}={canonical(values[name])}" for name in sorted(values))
    return f"{prefix}-{_digest(text)[:12]}"


def seed_for(global_seed: int, identifier: str) -> int:
    """The random seed of one claim specification: from the global seed and its id."""
    # 15 hex digits (60 bits): fits a signed 64-bit integer, so a CSV reads it back exactly.
    return int(_digest(str(global_seed), identifier)[:15], 16)


def specifications(choices: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the choices, in config order (first choice varies slowest)."""
    names = list(choices)
    return [
        dict(zip(names, combination))
        for combination in itertools.product(*(choices[name] for name in names))
    ]


def problems(multiverse: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """What is wrong with the multiverse config beyond its schema (empty if nothing)."""
    found = []
    for name, alternatives in multiverse["choices"].items():
        texts = [canonical(a) for a in alternatives]
        twice = sorted({shown(a) for a, t in zip(alternatives, texts) if texts.count(t) > 1})
        if twice:
            found.append(f"multiverse.choices.{name} lists {twice} more than once")
    justified = multiverse.get("justifications", {})
    for name, alternatives in multiverse["choices"].items():
        texts = {shown(a) for a in alternatives}
        given = {str(key) for key in justified.get(name, {})}
        if texts - given:
            found.append(
                f"multiverse.justifications.{name} lacks a line for "
                f"{sorted(texts - given)}: say why each alternative is defensible"
            )
        if given - texts:
            found.append(
                f"multiverse.justifications.{name} justifies {sorted(given - texts)}, "
                f"which multiverse.choices.{name} does not list"
            )
    completed = with_main(multiverse["choices"], config)
    main = main_specification(completed, config)
    for claim, restricted in multiverse.get("restrict", {}).items():
        for name, entry in restricted.items():
            where = f"multiverse.restrict.{claim}.{name}"
            if name not in CLAIM_CHOICES[claim]:
                found.append(f"{where}: claim {claim} does not use the choice {name}")
            listed = {canonical(a) for a in completed[name]}
            unknown = [shown(a) for a in entry["alternatives"] if canonical(a) not in listed]
            if unknown:
                found.append(f"{where}: {unknown} not among multiverse.choices.{name}")
            if canonical(main[name]) not in {canonical(a) for a in entry["alternatives"]}:
                found.append(
                    f"{where} leaves out the main analysis' value "
                    f"{shown(main[name])!r}: the main specification must be estimated"
                )
    reform = config["derive"]["reform_year"]
    early = [y for y in multiverse["choices"]["crisis_cutoff_year"] if y <= reform]
    if early:
        found.append(
            f"multiverse.choices.crisis_cutoff_year {early}: a cut-off must come "
            f"after derive.reform_year ({reform})"
        )
    return found


def with_main(
    choices: Mapping[str, Sequence[Any]], config: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """The choices with the main analysis' value of each (the main config's
    cleaning.duplicate_rule and derive keys) appended where it is missing: the
    multiverse always contains the main analysis, so changing a main value in
    config never needs a second edit here."""
    completed = {name: list(alternatives) for name, alternatives in choices.items()}
    for name, (section, key) in MAIN_CONFIG_KEYS.items():
        value = config[section][key]
        if canonical(value) not in {canonical(a) for a in completed[name]}:
            completed[name].append(value)
    return completed


def justifications(
    multiverse: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """Choice -> shown alternative -> its one-line justification, in the order of
    the alternatives in force (``with_main``); a main value added by ``with_main``
    is justified as the main analysis' value."""
    given = multiverse.get("justifications", {})
    out = {}
    for name, alternatives in with_main(multiverse["choices"], config).items():
        texts = {str(key): text for key, text in given.get(name, {}).items()}
        out[name] = {}
        for value in alternatives:
            if shown(value) in texts:
                out[name][shown(value)] = texts[shown(value)]
            else:
                section, key = MAIN_CONFIG_KEYS[name]
                out[name][shown(value)] = f"the main analysis' value (config {section}.{key})"
    return out


def claim_alternatives(
    claim: str, choices: Mapping[str, Sequence[Any]], restrict: Mapping[str, Any] | None = None
) -> dict[str, list[Any]]:
    """The alternatives of each choice the claim uses, as restricted for it by
    ``multiverse.restrict`` (in config order of the choices and alternatives)."""
    limits = (restrict or {}).get(claim, {})
    out = {}
    for name in choices:
        if name not in CLAIM_CHOICES[claim]:
            continue
        allowed = limits.get(name)
        if allowed is None:
            out[name] = list(choices[name])
        else:
            keep = {canonical(a) for a in allowed["alternatives"]}
            out[name] = [a for a in choices[name] if canonical(a) in keep]
    return out


def applies(
    claim: str, spec: Mapping[str, Any], restrict: Mapping[str, Any] | None = None
) -> bool:
    """Whether the claim is estimated in the (full) specification ``spec``."""
    for name, entry in (restrict or {}).get(claim, {}).items():
        if canonical(spec[name]) not in {canonical(a) for a in entry["alternatives"]}:
            return False
    return True


def main_specification(
    choices: Mapping[str, Sequence[Any]], config: Mapping[str, Any]
) -> dict[str, Any]:
    """The specification of the main analysis: the main config's value of each
    choice it holds, else the choice's first alternative. A main value missing
    from the alternatives is an error (use ``with_main`` first)."""
    main = {}
    for name, alternatives in choices.items():
        if name in MAIN_CONFIG_KEYS:
            section, key = MAIN_CONFIG_KEYS[name]
            value = config[section][key]
            if canonical(value) not in {canonical(a) for a in alternatives}:
                raise ValueError(
                    f"config multiverse.choices.{name} lacks the main analysis' value "
                    f"{section}.{key} = {shown(value)!r}"
                )
            main[name] = value
        else:
            main[name] = alternatives[0]
    return main


def claim_specifications(
    choices: Mapping[str, Sequence[Any]],
    global_seed: int,
    restrict: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The distinct analyses: per claim (in CLAIMS order), every combination of
    the choices it uses (in config order; only the alternatives that apply to
    it, ``restrict``). Each has ``claim``, ``claim_spec_id``, ``seed`` and
    ``choices`` (name -> value of the choices it uses)."""
    found = []
    for claim in CLAIMS:
        used = claim_alternatives(claim, choices, restrict)
        for values in specifications(used):
            identifier = spec_id({"claim": claim, **values}, prefix=claim)
            found.append(
                {
                    "claim": claim,
                    "claim_spec_id": identifier,
                    "seed": seed_for(global_seed, identifier),
                    "choices": values,
                }
            )
    return found


def claim_spec_of(claim: str, spec: Mapping[str, Any]) -> str:
    """The id of the claim specification a full specification uses for ``claim``."""
    used = {name: spec[name] for name in spec if name in CLAIM_CHOICES[claim]}
    return spec_id({"claim": claim, **used}, prefix=claim)


def batches(items: Sequence[Any], batch_size: int) -> list[list[Any]]:
    """Consecutive batches of at most ``batch_size`` items."""
    if batch_size < 1:
        raise ValueError("multiverse.batch_size must be at least 1")
    return [list(items[start : start + batch_size]) for start in range(0, len(items), batch_size)]


def batch_names(n_batches: int) -> list[str]:
    """Batch wildcards, zero-padded so they sort: 001, 002, ..."""
    width = max(3, len(str(n_batches)))
    return [str(i).zfill(width) for i in range(1, n_batches + 1)]


def plan(multiverse: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Batch name -> the claim specifications it computes (the fan-out)."""
    work = claim_specifications(
        multiverse["choices"], multiverse["seed"], multiverse.get("restrict")
    )
    grouped = batches(work, multiverse["batch_size"])
    return dict(zip(batch_names(len(grouped)), grouped))


# The tests a claim's interval can pass (multiverse.holds).
HOLDS_TESTS = ("above", "below", "equivalence")


def holds(low: float, high: float, rule: Mapping[str, Any]) -> bool | None:
    """Whether the interval supports the claim by its test (None without an
    interval): ``above`` (the interval lies above value), ``below`` (below
    value) or ``equivalence`` (within value +/- margin: both one-sided tests
    reject). Every test asks the interval to exclude something, so the wider
    the interval, the harder it is to pass: a wide interval never passes."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    value, test = float(rule["value"]), rule["test"]
    if test == "above":
        return low > value
    if test == "below":
        return high < value
    if test == "equivalence":
        margin = float(rule["margin"])
        return value - margin < low and high < value + margin
    raise ValueError(f"unknown test {test!r} (multiverse.holds): one of {HOLDS_TESTS}")
