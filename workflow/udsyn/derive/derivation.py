"""The derive step: one row per municipality (all 98), the register joined with
the clean survey and the derived variables of the research design.

Flags are 0/1 integers and empty where unknown (no response, "Ved ikke" under
``dont_know_as: missing``, or a question not answered).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from udsyn.core.errors import InputError, Problem
from udsyn.core.settings import from_sections
from udsyn.ingest.questionnaire import Questionnaire, question_number

CONFIG = "config (derive)"

# The survey's driver questions (Q9-Q11): derived 0/1 column, the clean
# question it is read from, and the derive key listing the labels that count
# as agreeing.
AGREEMENT_COLUMNS = (
    ("reform_enabled_agrees", "reform_enabled_degree", "reform_enabled_agree_labels"),
    (
        "crisis_international_agrees",
        "crisis_international_degree",
        "crisis_international_agree_labels",
    ),
    (
        "state_no_longer_helps_agrees",
        "state_no_longer_helps_agreement",
        "state_no_longer_helps_agree_labels",
    ),
)


@dataclass(frozen=True)
class DeriveSettings:
    crisis_cutoff_year: int
    size_breaks: tuple[int, ...]
    size_labels: tuple[str, ...]
    capital_code: int
    peripheral_groups: tuple[str, ...]
    headline_definition: str
    business_purposes: tuple[str, ...]
    likert_focus_labels: tuple[str, ...]
    traditional_purposes: tuple[str, ...]
    new_purposes: tuple[str, ...]
    dont_know_as: str
    intensity_population: str
    reform_enabled_agree_labels: tuple[str, ...]
    crisis_international_agree_labels: tuple[str, ...]
    state_no_longer_helps_agree_labels: tuple[str, ...]

    @classmethod
    def from_config(cls, derive: dict) -> DeriveSettings:
        return from_sections(cls, derive)

    def check(self, questionnaire: Questionnaire) -> None:
        """Cross-checks the JSON schema cannot express; InputError if any fails."""
        problems = []
        if len(self.size_labels) != len(self.size_breaks):
            problems.append(
                Problem(
                    CONFIG,
                    "needs one label per size break",
                    column="size_labels",
                    value=list(self.size_labels),
                )
            )
        if list(self.size_breaks) != sorted(set(self.size_breaks)):
            problems.append(
                Problem(
                    CONFIG,
                    "breaks must increase",
                    column="size_breaks",
                    value=list(self.size_breaks),
                )
            )
        known = {p.key for p in questionnaire.purposes}
        for option in ("business_purposes", "traditional_purposes", "new_purposes"):
            unknown = sorted(set(getattr(self, option)) - known)
            if unknown:
                problems.append(
                    Problem(
                        CONFIG,
                        f"unknown purpose key(s); known: {sorted(known)}",
                        column=option,
                        value=unknown,
                    )
                )
        degree_labels = set(questionnaire.value_sets["degree"].values())
        unknown = sorted(set(self.likert_focus_labels) - degree_labels)
        if unknown:
            problems.append(
                Problem(
                    CONFIG,
                    f"not a label of Q3; labels: {sorted(degree_labels)}",
                    column="likert_focus_labels",
                    value=unknown,
                )
            )
        value_set_of = {f.name: f.value_set for f in questionnaire.all_fields}
        for _, question, option in AGREEMENT_COLUMNS:
            if value_set_of.get(question) not in questionnaire.value_sets:
                problems.append(
                    Problem(
                        CONFIG,
                        f"the questionnaire has no coded question '{question}'",
                        column=option,
                        value=question,
                    )
                )
                continue
            labels = set(questionnaire.value_sets[value_set_of[question]].values())
            unknown = sorted(set(getattr(self, option)) - labels)
            if unknown or questionnaire.dont_know_label in getattr(self, option):
                problems.append(
                    Problem(
                        CONFIG,
                        f"not an agreeing label of {question}; labels: {sorted(labels)} "
                        f"('{questionnaire.dont_know_label}' follows dont_know_as)",
                        column=option,
                        value=unknown or [questionnaire.dont_know_label],
                    )
                )
        if problems:
            raise InputError(problems, "correct these keys in your config file")


def _flag(condition: pd.Series, known: pd.Series) -> pd.Series:
    """A 0/1 flag, empty where ``known`` is false."""
    return condition.astype("Int64").where(known.astype(bool), pd.NA)


def yes_no(
    labels: pd.Series, *, yes: tuple[str, ...], dont_know: str, dont_know_as: str
) -> pd.Series:
    """Labels to 1/0: ``yes`` labels are 1, "Ved ikke" per config, missing stays missing."""
    answered = labels.notna()
    if dont_know_as == "missing":
        answered &= labels != dont_know
    return _flag(labels.isin(yes), answered)


def size_class(
    population: pd.Series, breaks: tuple[int, ...], labels: tuple[str, ...]
) -> pd.Series:
    """Population in right-open classes: [b0, b1), [b1, b2), ..., [b_last, inf)."""
    bins = list(breaks) + [np.inf]
    return pd.cut(population, bins=bins, labels=list(labels), right=False).astype("string")


def _initiative_counts(initiatives: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    dated = initiatives["start_year"].notna()
    post_crisis = dated & (initiatives["start_year"] >= settings.crisis_cutoff_year)
    counts = pd.DataFrame(
        {
            "municipality_code": initiatives["municipality_code"],
            "n_initiatives": 1,
            "n_initiatives_dated": dated.astype(int),
            "n_post_crisis_initiatives": post_crisis.astype(int),
            "n_traditional_initiatives": initiatives["initiative_type"]
            .isin(settings.traditional_purposes)
            .astype(int),
            "n_new_initiatives": initiatives["initiative_type"]
            .isin(settings.new_purposes)
            .astype(int),
        }
    )
    return counts.groupby("municipality_code").sum()


def derive_municipalities(
    register: pd.DataFrame,
    respondents: pd.DataFrame,
    initiatives: pd.DataFrame,
    questionnaire: Questionnaire,
    settings: DeriveSettings,
    data_origin: str,
) -> pd.DataFrame:
    """All municipalities, one row each, with the design's derived variables."""
    municipalities = register.sort_values("code").reset_index(drop=True)
    survey = respondents.set_index("municipality_code").reindex(municipalities["code"])
    survey.index = municipalities.index
    responded = survey["respondentid"].notna()
    dont_know = questionnaire.dont_know_label

    out = pd.DataFrame(
        {
            "code": municipalities["code"],
            "name": municipalities["name"],
            "region": municipalities["region"],
            "kommunegruppe": municipalities["kommunegruppe"],
            "population_2007": municipalities["population_2007"],
            "population_recent": municipalities["population_recent"],
            "log_population_2007": np.log(municipalities["population_2007"]),
            "size_class": size_class(
                municipalities["population_2007"], settings.size_breaks, settings.size_labels
            ),
            "n_premerger": municipalities["n_premerger"],
            "merged": (municipalities["n_premerger"] > 1).astype(int),
            "peripheral": municipalities["kommunegruppe"]
            .isin(settings.peripheral_groups)
            .astype(int),
            "capital": (municipalities["code"] == settings.capital_code).astype(int),
            "responded": responded.astype(int),
            "respondentid": survey["respondentid"].astype("Int64"),
        }
    )

    international = yes_no(
        survey["takes_part"],
        yes=(questionnaire.yes_label,),
        dont_know=dont_know,
        dont_know_as=settings.dont_know_as,
    )
    out["international"] = international
    asked = international == 1  # purposes and Q3 are only asked when taking part
    purpose_items = survey[[f"purpose_{p.key}" for p in questionnaire.purposes]]
    # Taking part but Q2 left unanswered (a partial response): purposes unknown.
    purposes_known = (~asked | purpose_items.notna().any(axis=1)) & international.notna()

    def purpose_count(keys: tuple[str, ...]) -> pd.Series:
        chosen = survey[[f"purpose_{key}" for key in keys]].fillna(0).sum(axis=1)
        return chosen.astype("Int64").where(asked, 0).where(purposes_known, pd.NA)

    out["n_purposes"] = purpose_count(tuple(p.key for p in questionnaire.purposes))
    out["n_traditional_purposes"] = purpose_count(settings.traditional_purposes)
    out["n_new_purposes"] = purpose_count(settings.new_purposes)
    out["business_focus_purpose"] = _flag(
        asked & (purpose_count(settings.business_purposes) > 0), purposes_known
    )
    likert = yes_no(
        survey["business_focus_degree"],
        yes=settings.likert_focus_labels,
        dont_know=dont_know,
        dont_know_as=settings.dont_know_as,
    )
    out["business_focus_likert"] = likert.where(asked, 0).where(international.notna(), pd.NA)
    out["business_focus"] = out[f"business_focus_{settings.headline_definition}"]
    out["portfolio"] = _portfolio(out["n_traditional_purposes"], out["n_new_purposes"])
    for column, question, option in AGREEMENT_COLUMNS:  # asked of every respondent
        out[column] = yes_no(
            survey[question],
            yes=getattr(settings, option),
            dont_know=dont_know,
            dont_know_as=settings.dont_know_as,
        )

    out["international_fte"] = survey["international_fte"].astype("Float64")
    population = municipalities[settings.intensity_population]
    out["fte_per_10k"] = out["international_fte"] / population * 10_000

    counts = _initiative_counts(initiatives, settings).reindex(municipalities["code"])
    counts.index = municipalities.index
    known = responded & _initiatives_known(survey, counts, international, questionnaire)
    for column in counts.columns:
        out[column] = counts[column].fillna(0).astype("Int64").where(known, pd.NA)
    out["post_crisis_share"] = (
        out["n_post_crisis_initiatives"] / out["n_initiatives_dated"].replace(0, pd.NA)
    ).astype("Float64")
    # Known when an initiative started after the cut-off, or when every initiative
    # is dated: one without a start year may have started after it.
    any_post_crisis = out["n_post_crisis_initiatives"] > 0
    every_dated = out["n_initiatives_dated"] == out["n_initiatives"]
    out["any_post_crisis_initiative"] = _flag(
        any_post_crisis, responded & (any_post_crisis | every_dated).fillna(False)
    )
    out.insert(0, "data_origin", data_origin)
    return out


def _initiatives_known(
    survey: pd.DataFrame,
    counts: pd.DataFrame,
    international: pd.Series,
    questionnaire: Questionnaire,
) -> pd.Series:
    """Whether a respondent's initiative counts are known: Q8 (the initiatives) is
    asked when taking part, so not taking part means none; a response that reported
    one, was completed, or answered a question after Q8 reached it. A partial
    response without any of these may have stopped before Q8: its counts are
    unknown, not 0."""
    q8 = question_number(questionnaire.initiatives[0].type.question)
    later = [f.name for f in questionnaire.fields if (question_number(f.question) or 0) > q8]
    reached = (
        survey["completion"].eq("complete").fillna(False)
        | survey[later].notna().any(axis=1)
        | counts["n_initiatives"].gt(0).fillna(False)
    )
    return reached | international.eq(0).fillna(False).astype(bool)


def _portfolio(n_traditional: pd.Series, n_new: pd.Series) -> pd.Series:
    """none / traditional only / new only / both, from purpose counts."""
    traditional, new = n_traditional > 0, n_new > 0
    labels = np.select(
        [
            traditional.fillna(False) & new.fillna(False),
            traditional.fillna(False),
            new.fillna(False),
        ],
        ["both", "traditional only", "new only"],
        default="none",
    )
    return pd.Series(labels, index=n_traditional.index, dtype="string").where(
        n_traditional.notna(), pd.NA
    )
