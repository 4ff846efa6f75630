"""Export column names: SurveyXact's long and short (8-character) names,
matched to the names the questionnaire (config) uses.

SurveyXact exports its variables under their long names (an export option) or,
by default, under SPSS-style short names: each name cut to its first 8
characters, a collision getting a numeric suffix (``digit_1``), and the tool's
own columns under fixed short forms (``responde``, ``closetim``, ``stato_4``;
docs/surveyxact-export.md). A researcher's export therefore may not use the
names in ``config/questionnaire.yaml``, and must still be read without config.

The rules, tried in this order for each column the pipeline reads:

1. ``exact``: the export has a column of that name.
2. ``surveyxact_short_name``: SurveyXact's own short form of one of its own
   columns (``SURVEYXACT_SHORT_NAMES``, ``STATUS_FAMILY_SHORT_NAMES``).
3. ``first_8_characters``: a name longer than 8 characters whose first 8
   characters are a column of the export, when that is unambiguous: no other
   column the pipeline reads has the same first 8 characters, and the export
   has no collision-suffixed variant of them (``q8_1_s_1``) that could be it.

Anything else stops the build, naming the field and the candidates: a column
is never matched by a guess. Each match is recorded (``results/validated/
columns.csv``) so a reviewer sees which export column fed which variable.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from udsyn.core.errors import InputError, Problem

# SurveyXact's fixed short forms of its own long column names (facts of the
# tool, docs/surveyxact-export.md). Names of 8 characters or fewer (created,
# modified, difftime, email, survey) are the same in both.
SURVEYXACT_SHORT_NAMES = {
    "respondentid": "responde",
    "closetime": "closetim",
    "starttime": "starttim",
    "digitaldistributionstatus": "digitald",
}
# Status families whose short prefix is known: statoverall_<i> -> stato_<i>.
# (The short names of the minor families are not documented; the pipeline
# reads only the overall status, so they are optional: see ``resolve_columns``.)
STATUS_FAMILY_SHORT_NAMES = {"statoverall": "stato"}
SHORT_NAME_LENGTH = 8

MATCH_RULES = {
    "exact": "the export has a column of this name",
    "surveyxact_short_name": "SurveyXact's own short (8-character) name for one of its columns "
    "(e.g. responde, closetim, stato_4)",
    "first_8_characters": "the export's short name: the first 8 characters of the name, "
    "unambiguous among the columns udsyn reads",
    "absent_optional": "an optional column (a minor status family) the export does not have",
}


@dataclass(frozen=True)
class ColumnMatch:
    """The export column that holds a variable the pipeline reads, and why."""

    variable: str  # the questionnaire's name
    export_column: str  # "" when an optional column is absent
    rule: str


def _surveyxact_short(name: str) -> str | None:
    if name in SURVEYXACT_SHORT_NAMES:
        return SURVEYXACT_SHORT_NAMES[name]
    family, _, position = name.rpartition("_")
    if family in STATUS_FAMILY_SHORT_NAMES and position.isdigit():
        return f"{STATUS_FAMILY_SHORT_NAMES[family]}_{position}"
    return None


def _suffixed_variants(prefix: str, header: list[str], claimed: set[str]) -> list[str]:
    """Unclaimed header columns that could be ``prefix`` with an SPSS collision
    suffix (the prefix cut shorter, then ``_<n>``, within 8 characters).
    Columns already matched to another field by name are not candidates."""
    variants = []
    for column in header:
        stem, _, number = column.rpartition("_")
        if (
            number.isdigit()
            and stem
            and column != prefix
            and column not in claimed
            and prefix.startswith(stem)
            and len(column) <= SHORT_NAME_LENGTH
            and len(stem) < len(prefix) - 1
        ):
            variants.append(column)
    return variants


def resolve_columns(
    header: list[str], wanted: tuple[str, ...], optional: frozenset[str], file: str
) -> list[ColumnMatch]:
    """The export column of every ``wanted`` name (see the module docstring).

    ``optional`` names may be absent. Raises one InputError listing every
    required name that is missing or ambiguous, with the candidates.
    """
    columns = set(header)
    claimed = {name for name in wanted if name in columns}  # exact matches win
    by_prefix: dict[str, list[str]] = {}
    for name in wanted:
        if len(name) > SHORT_NAME_LENGTH:
            by_prefix.setdefault(name[:SHORT_NAME_LENGTH], []).append(name)
    matches, problems = [], []
    for name in wanted:
        if name in columns:
            matches.append(ColumnMatch(name, name, "exact"))
            continue
        short = _surveyxact_short(name)
        if short is not None and short in columns and short not in claimed:
            claimed.add(short)
            matches.append(ColumnMatch(name, short, "surveyxact_short_name"))
            continue
        prefix = name[:SHORT_NAME_LENGTH]
        if len(name) > SHORT_NAME_LENGTH and prefix in columns and prefix not in claimed:
            rivals = [other for other in by_prefix[prefix] if other != name]
            variants = _suffixed_variants(prefix, header, claimed)
            if rivals or variants:
                candidates = [prefix, *variants]
                problems.append(
                    Problem(
                        file,
                        f"column for field '{name}' is ambiguous: its short name would be "
                        f"'{prefix}', which "
                        + (
                            f"is also the short name of {', '.join(repr(r) for r in rivals)}"
                            if rivals
                            else "SurveyXact also writes with a collision suffix"
                        )
                        + f"; candidates in the export: {', '.join(repr(c) for c in candidates)}",
                        column=name,
                    )
                )
                continue
            claimed.add(prefix)
            matches.append(ColumnMatch(name, prefix, "first_8_characters"))
            continue
        if name in optional:
            matches.append(ColumnMatch(name, "", "absent_optional"))
            continue
        unclaimed = [column for column in header if column not in claimed]
        tried = [
            form for form in (short, prefix if len(name) > SHORT_NAME_LENGTH else None) if form
        ]
        close = difflib.get_close_matches(name, unclaimed, n=3, cutoff=0.6)
        # the same name, or a short form of it, in other case (Q8_1_TYP for q8_1_type)
        close += [
            column
            for column in unclaimed
            if column.casefold() in {form.casefold() for form in (name, *tried)}
            and column not in close
        ]
        message = f"required column for field '{name}' is missing"
        if tried:
            message += f" (looked for '{name}' and {', '.join(repr(t) for t in tried)})"
        message += (
            f"; closest columns in the export: {', '.join(repr(c) for c in close)}"
            if close
            else "; no column of the export is close to it"
        )
        problems.append(Problem(file, message, column=name))
    if problems:
        raise InputError(
            problems,
            "the export must have every column the questionnaire names, "
            "under its long name, SurveyXact's short name or its first 8 "
            "characters; if your export names a field otherwise, write that name "
            "in your copy of the questionnaire (config survey.questionnaire; "
            "README, 'Using a real export')",
        )
    return matches


def column_table(matches: list[ColumnMatch]) -> pd.DataFrame:
    """The matches as a tidy table, in the questionnaire's order."""
    return pd.DataFrame(
        {
            "variable": [m.variable for m in matches],
            "export_column": [m.export_column for m in matches],
            "rule": [m.rule for m in matches],
            "description": [MATCH_RULES[m.rule] for m in matches],
        }
    )


def renaming(matches: list[ColumnMatch]) -> dict[str, str]:
    """export column -> questionnaire name, for the columns matched under another name."""
    return {
        m.export_column: m.variable
        for m in matches
        if m.export_column and m.export_column != m.variable
    }


def rename_export(
    dataset: pd.DataFrame, labels: pd.DataFrame, matches: list[ColumnMatch]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dataset and labels under the questionnaire's names (an exact match always
    wins, so a renamed column never meets a column of its new name)."""
    mapping = renaming(matches)
    if not mapping:
        return dataset, labels
    return (
        dataset.rename(columns=mapping),
        labels.assign(field_name=labels["field_name"].replace(mapping)),
    )


_STATUS_COLUMN = re.compile(r"^stat[a-z]*_\d+$")


def status_like(column: str) -> bool:
    """A SurveyXact status indicator column (long or short family name)."""
    return _STATUS_COLUMN.match(column) is not None
