"""The survey's own driver questions (Q9-Q11): does the municipality say the
2007 reform made international work possible or relevant (Q9), that the crisis
led it to seek international solutions (Q10), that the state no longer steps in
to help the local economy (Q11)?

One table, results/analysis/drivers.csv. Per question: the share agreeing
among responding municipalities with a known answer (the derived 0/1 columns
``<item>_agrees``; which labels agree and how "Ved ikke" counts are derive
settings), with a Wilson interval; the same share in the two groups of its
comparison, each with a Wilson interval; and the difference between the groups
with Newcombe's hybrid score interval (Newcombe 1998, method 10: the two Wilson
intervals combined). All intervals at ``analysis.confidence_level``. The
differences describe associations between what municipalities say and their
register group, not effects of the reform or the crisis.

Which questions are analysed, in which order, against which grouping and under
which group names is config (``analysis.drivers``, shipped: Q9 by merger status,
Q10 and Q11 by peripherality); this module holds no such choice.

Rows come in a fixed order (the config's), so the same inputs always give the
same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd

from udsyn.analysis import stats
from udsyn.core.errors import InputError, Problem
from udsyn.derive.derivation import AGREEMENT_COLUMNS

NAN = math.nan
CONFIG = "config (analysis.drivers)"

# What the derived table holds (udsyn.derive.derivation, not a choice): each driver
# item (derived column <item>_agrees) -> the clean question it is read from and
# the derive key of its agreeing labels.
ITEMS = {
    column.removesuffix("_agrees"): (question, option)
    for column, question, option in AGREEMENT_COLUMNS
}
# The derived table's 0/1 register columns a driver can be compared by (what
# each means is written into the table's definitions, ``_comparison_text``).
COMPARISONS = ("merged", "peripheral")
COLUMNS = [
    "data_origin",
    "question",
    "item",
    "comparison",
    "group",
    "quantity",
    "count",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "interval_method",
    "definition",
]


@dataclass(frozen=True)
class Driver:
    """One analysed driver question (an entry of ``analysis.drivers``)."""

    item: str  # derived column <item>_agrees
    question: str  # the clean question it is read from
    agree_option: str  # the derive key of its agreeing labels
    compare: str  # 0/1 column of the derived table
    labels: tuple[str, str]  # names of the groups compare = 1 and compare = 0


def parse_drivers(config: Mapping) -> tuple[Driver, ...]:
    """``analysis.drivers`` (item -> {compare, labels}, in the order analysed)
    as ``Driver`` entries. InputError naming every bad entry: an unknown item,
    a comparison column the drivers analysis does not know, labels that are not
    two different names. (workflow/schemas/config.schema.yaml says the same.)"""
    problems, out = [], []
    if not isinstance(config, Mapping) or not config:
        raise InputError(
            [
                Problem(
                    CONFIG,
                    "needs at least one driver question: item -> {compare, labels}",
                    column="drivers",
                    value=config,
                )
            ],
            "correct analysis.drivers in your config file",
        )
    for item, entry in config.items():
        where = f"drivers.{item}"
        if item not in ITEMS:
            problems.append(
                Problem(
                    CONFIG,
                    f"unknown driver item; known: {sorted(ITEMS)}",
                    column=where,
                    value=item,
                )
            )
            continue
        if not isinstance(entry, Mapping) or set(entry) != {"compare", "labels"}:
            problems.append(
                Problem(
                    CONFIG, "needs exactly the keys compare and labels", column=where, value=entry
                )
            )
            continue
        compare, labels = entry["compare"], entry["labels"]
        if compare not in COMPARISONS:
            problems.append(
                Problem(
                    CONFIG,
                    f"cannot compare by this column; one of {list(COMPARISONS)}",
                    column=f"{where}.compare",
                    value=compare,
                )
            )
        if (
            not isinstance(labels, (list, tuple))
            or len(labels) != 2
            or not all(isinstance(label, str) and label for label in labels)
            or labels[0] == labels[1]
        ):
            problems.append(
                Problem(
                    CONFIG,
                    f"needs two different group names: for {compare} = 1, then for {compare} = 0",
                    column=f"{where}.labels",
                    value=labels,
                )
            )
        if not problems:
            question, option = ITEMS[item]
            out.append(Driver(item, question, option, compare, (labels[0], labels[1])))
    if problems:
        raise InputError(problems, "correct analysis.drivers in your config file")
    return tuple(out)


@dataclass(frozen=True)
class DriverSettings:
    """The config values the drivers analysis reads (``derive`` and ``analysis``)."""

    confidence_level: float
    dont_know_as: str
    peripheral_groups: tuple[str, ...]
    reform_year: int
    reform_enabled_agree_labels: tuple[str, ...]
    crisis_international_agree_labels: tuple[str, ...]
    state_no_longer_helps_agree_labels: tuple[str, ...]
    drivers: tuple[Driver, ...]

    @classmethod
    def from_values(cls, values: Mapping) -> DriverSettings:
        """Settings from exactly the keys the rule passes (workflow/rules/common.smk
        ``analysis_settings``): a missing or an extra key is an error naming it;
        ``drivers`` (``analysis.drivers``) is checked by ``parse_drivers``."""
        names = {f.name for f in fields(cls)}
        missing, extra = sorted(names - set(values)), sorted(set(values) - names)
        if missing or extra:
            raise ValueError(
                f"drivers settings: missing {missing}, not used {extra}: pass "
                "exactly DRIVER_KEYS (workflow/rules/analysis.smk)"
            )
        return cls(
            **{
                name: parse_drivers(values[name])
                if name == "drivers"
                else tuple(values[name])
                if isinstance(values[name], list)
                else values[name]
                for name in names
            }
        )

    @property
    def level_text(self) -> str:
        return f"{self.confidence_level:.0%}"


def newcombe_difference(
    count1: int, n1: int, count0: int, n0: int, confidence_level: float
) -> tuple[float, float, float]:
    """p1 - p0 with Newcombe's hybrid score interval (method 10): from the Wilson
    intervals (l_i, u_i) of both shares, d - sqrt((p1 - l1)^2 + (u0 - p0)^2) to
    d + sqrt((u1 - p1)^2 + (p0 - l0)^2). (nan, nan, nan) if a group is empty."""
    if n1 == 0 or n0 == 0:
        return NAN, NAN, NAN
    p1, p0 = count1 / n1, count0 / n0
    l1, u1 = stats.wilson(count1, n1, confidence_level)
    l0, u0 = stats.wilson(count0, n0, confidence_level)
    d = p1 - p0
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
    )


def _comparison_text(comparison: str, settings: DriverSettings) -> str:
    if comparison == "merged":
        return (
            f"merged = formed from more than one pre-{settings.reform_year} municipality "
            f"in the {settings.reform_year} reform (register n_premerger > 1)"
        )
    return f"peripheral = municipality group {', '.join(settings.peripheral_groups)}"


def drivers(
    municipalities: pd.DataFrame,
    questions: Mapping[str, tuple[str, str]],
    settings: DriverSettings,
    data_origin: str,
) -> pd.DataFrame:
    """The driver questions' agreement shares and group differences.

    ``questions``: clean question name -> (export field, English text), from
    the codebook. ``municipalities``: the derived table (all register
    municipalities; ``responded``, the ``<item>_agrees`` columns, ``merged``,
    ``peripheral``)."""
    level, wilson_text = settings.confidence_level, f"Wilson score ({settings.level_text})"
    _check_comparisons(municipalities, settings.drivers)
    responded = municipalities[municipalities["responded"] == 1]
    rows = []
    for driver in settings.drivers:
        item, option, comparison = driver.item, driver.agree_option, driver.compare
        label1, label0 = driver.labels
        field, english = questions[driver.question]
        number = field.upper()
        labels = " or ".join(repr(label) for label in getattr(settings, option))
        values = responded[f"{item}_agrees"]
        known = responded[values.notna()]
        agree = known[f"{item}_agrees"].astype(int)
        base = (
            f"responding municipalities with a known answer to {number} ({english}) "
            f"answering {labels}; 'Ved ikke' counted as: "
            f"{settings.dont_know_as.replace('_', ' ')}"
        )
        who = _comparison_text(comparison, settings)

        def add(group, quantity, count, n, estimate, low, high, method, definition):
            rows.append(
                {
                    "question": number,
                    "item": item,
                    "comparison": comparison,
                    "group": group,
                    "quantity": quantity,
                    "count": count,
                    "n": n,
                    "estimate": estimate,
                    "ci_low": low,
                    "ci_high": high,
                    "interval_method": method,
                    "definition": definition,
                }
            )

        count, n = int(agree.sum()), len(agree)
        add(
            "all",
            "share",
            count,
            n,
            count / n if n else NAN,
            *stats.wilson(count, n, level),
            wilson_text,
            f"share of all {base}",
        )
        counts = {}
        for flag, label in ((1, label1), (0, label0)):
            part = agree[known[comparison] == flag]
            counts[flag] = (int(part.sum()), len(part))
            c, m = counts[flag]
            add(
                label,
                "share",
                c,
                m,
                c / m if m else NAN,
                *stats.wilson(c, m, level),
                wilson_text,
                f"share of {label} {base}; {who}",
            )
        (c1, n1), (c0, n0) = counts[1], counts[0]
        add(
            f"{label1} - {label0}",
            "difference",
            pd.NA,
            n1 + n0,
            *newcombe_difference(c1, n1, c0, n0, level),
            f"Newcombe hybrid score ({settings.level_text}), from the two Wilson intervals",
            f"difference in the share agreeing, {label1} minus {label0}, of {base}; {who}; "
            f"an association between the answer and the register group, not an effect",
        )
    table = pd.DataFrame(rows)
    table["count"] = table["count"].astype("Int64")
    table.insert(0, "data_origin", data_origin)
    return table[COLUMNS].reset_index(drop=True)


def _check_comparisons(municipalities: pd.DataFrame, analysed: tuple[Driver, ...]) -> None:
    """Each configured comparison is a 0/1 column of the derived table."""
    problems = []
    for driver in analysed:
        column = driver.compare
        if column not in municipalities.columns:
            problems.append(
                Problem(
                    CONFIG,
                    "not a column of the derived table",
                    column=f"drivers.{driver.item}.compare",
                    value=column,
                )
            )
        elif not municipalities[column].dropna().isin([0, 1]).all():
            problems.append(
                Problem(
                    CONFIG,
                    "not a 0/1 column of the derived table",
                    column=f"drivers.{driver.item}.compare",
                    value=column,
                )
            )
    if problems:
        raise InputError(
            problems,
            "compare each driver question by a 0/1 column of results/derived/municipalities.csv",
        )


def driver_questions(questionnaire) -> dict[str, tuple[str, str]]:
    """Clean question name -> (export field, English text) for every driver
    question the derived table knows (``ITEMS``)."""
    wanted = {question for question, _ in ITEMS.values()}
    found = {f.name: (f.field, f.english) for f in questionnaire.fields if f.name in wanted}
    missing = sorted(wanted - set(found))
    if missing:
        raise ValueError(f"the questionnaire has no question(s) {missing}")
    return found
