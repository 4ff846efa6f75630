"""The survey's own driver questions (Q9-Q11): does the municipality say the
2007 reform made international work possible or relevant (Q9), that the crisis
led it to seek international solutions (Q10), that the state no longer steps in
to help the local economy (Q11)?

One table, results/analysis/drivers.csv. Per question: the share agreeing
among responding municipalities with a known answer (the derived 0/1 columns
``<item>_agrees``; which labels agree and how "Ved ikke" counts are derive
settings), with a Wilson interval; the same share in the two groups of its
comparison (Q9 by merger status, Q10 and Q11 by peripherality), each with a
Wilson interval; and the difference between the groups with Newcombe's hybrid
score interval (Newcombe 1998, method 10: the two Wilson intervals combined).
All intervals at ``analysis.confidence_level``. The differences describe
associations between what municipalities say and their register group, not
effects of the reform or the crisis.

Rows come in a fixed order, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd

from udsyn.analysis import stats

NAN = math.nan

# item (derived column <item>_agrees), clean question, derive key of the
# agreeing labels, comparison column of the derived table, its labels for 1 and 0.
DRIVERS = (
    ("reform_enabled", "reform_enabled_degree", "reform_enabled_agree_labels",
     "merged", ("merged", "not merged")),
    ("crisis_international", "crisis_international_degree", "crisis_international_agree_labels",
     "peripheral", ("peripheral", "other")),
    ("state_no_longer_helps", "state_no_longer_helps_agreement",
     "state_no_longer_helps_agree_labels", "peripheral", ("peripheral", "other")),
)
COLUMNS = ["data_origin", "question", "item", "comparison", "group", "quantity", "count", "n",
           "estimate", "ci_low", "ci_high", "interval_method", "definition"]


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

    @classmethod
    def from_values(cls, values: Mapping) -> "DriverSettings":
        """Settings from exactly the keys the rule passes (workflow/rules/common.smk
        ``analysis_settings``): a missing or an extra key is an error naming it."""
        names = {f.name for f in fields(cls)}
        missing, extra = sorted(names - set(values)), sorted(set(values) - names)
        if missing or extra:
            raise ValueError(f"drivers settings: missing {missing}, not used {extra}: pass "
                             "exactly DRIVER_KEYS (workflow/rules/analysis.smk)")
        return cls(**{name: tuple(values[name]) if isinstance(values[name], list)
                      else values[name] for name in names})

    @property
    def level_text(self) -> str:
        return f"{self.confidence_level:.0%}"


def newcombe_difference(count1: int, n1: int, count0: int, n0: int,
                        confidence_level: float) -> tuple[float, float, float]:
    """p1 - p0 with Newcombe's hybrid score interval (method 10): from the Wilson
    intervals (l_i, u_i) of both shares, d - sqrt((p1 - l1)^2 + (u0 - p0)^2) to
    d + sqrt((u1 - p1)^2 + (p0 - l0)^2). (nan, nan, nan) if a group is empty."""
    if n1 == 0 or n0 == 0:
        return NAN, NAN, NAN
    p1, p0 = count1 / n1, count0 / n0
    l1, u1 = stats.wilson(count1, n1, confidence_level)
    l0, u0 = stats.wilson(count0, n0, confidence_level)
    d = p1 - p0
    return (d, d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


def _comparison_text(comparison: str, settings: DriverSettings) -> str:
    if comparison == "merged":
        return (f"merged = formed from more than one pre-{settings.reform_year} municipality "
                f"in the {settings.reform_year} reform (register n_premerger > 1)")
    return f"peripheral = municipality group {', '.join(settings.peripheral_groups)}"


def drivers(municipalities: pd.DataFrame, questions: Mapping[str, tuple[str, str]],
            settings: DriverSettings, data_origin: str) -> pd.DataFrame:
    """The driver questions' agreement shares and group differences.

    ``questions``: clean question name -> (export field, English text), from
    the codebook. ``municipalities``: the derived table (all register
    municipalities; ``responded``, the ``<item>_agrees`` columns, ``merged``,
    ``peripheral``)."""
    level, wilson_text = settings.confidence_level, f"Wilson score ({settings.level_text})"
    responded = municipalities[municipalities["responded"] == 1]
    rows = []
    for item, question, option, comparison, (label1, label0) in DRIVERS:
        field, english = questions[question]
        number = field.upper()
        labels = " or ".join(repr(label) for label in getattr(settings, option))
        values = responded[f"{item}_agrees"]
        known = responded[values.notna()]
        agree = known[f"{item}_agrees"].astype(int)
        base = (f"responding municipalities with a known answer to {number} ({english}) "
                f"answering {labels}; 'Ved ikke' counted as: "
                f"{settings.dont_know_as.replace('_', ' ')}")
        who = _comparison_text(comparison, settings)

        def add(group, quantity, count, n, estimate, low, high, method, definition):
            rows.append({"question": number, "item": item, "comparison": comparison,
                         "group": group, "quantity": quantity, "count": count, "n": n,
                         "estimate": estimate, "ci_low": low, "ci_high": high,
                         "interval_method": method, "definition": definition})

        count, n = int(agree.sum()), len(agree)
        add("all", "share", count, n, count / n if n else NAN,
            *stats.wilson(count, n, level), wilson_text, f"share of all {base}")
        counts = {}
        for flag, label in ((1, label1), (0, label0)):
            part = agree[known[comparison] == flag]
            counts[flag] = (int(part.sum()), len(part))
            c, m = counts[flag]
            add(label, "share", c, m, c / m if m else NAN, *stats.wilson(c, m, level),
                wilson_text, f"share of {label} {base}; {who}")
        (c1, n1), (c0, n0) = counts[1], counts[0]
        add(f"{label1} - {label0}", "difference", pd.NA, n1 + n0,
            *newcombe_difference(c1, n1, c0, n0, level),
            f"Newcombe hybrid score ({settings.level_text}), from the two Wilson intervals",
            f"difference in the share agreeing, {label1} minus {label0}, of {base}; {who}; "
            f"an association between the answer and the register group, not an effect")
    table = pd.DataFrame(rows)
    table["count"] = table["count"].astype("Int64")
    table.insert(0, "data_origin", data_origin)
    return table[COLUMNS].reset_index(drop=True)


def driver_questions(questionnaire) -> dict[str, tuple[str, str]]:
    """Clean question name -> (export field, English text) for the driver questions."""
    wanted = {question for _, question, *_ in DRIVERS}
    found = {f.name: (f.field, f.english) for f in questionnaire.fields if f.name in wanted}
    missing = sorted(wanted - set(found))
    if missing:
        raise ValueError(f"the questionnaire has no question(s) {missing}")
    return found

