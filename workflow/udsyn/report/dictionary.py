"""The data dictionary: every column of every intermediate file, documented.

Question columns of the respondents table are documented from the codebook;
all other columns from workflow/data_dictionary.yaml. The dictionary and the
files must agree column for column, or the build stops: documentation that
drifts from the data is worse than none.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pandas as pd

from udsyn.ingest.questionnaire import Questionnaire

RESPONDENTS = "results/clean/respondents.csv"

_KIND_TYPES = {
    "single": "text (label)",
    "multi_item": "integer 0/1",
    "text": "text (free text; personal data scrubbed)",
    "year": "integer",
    "number": "number",
}


def codebook_entries(questionnaire: Questionnaire) -> dict[str, dict]:
    """Dictionary entries for the respondents table's question columns."""
    entries = {}
    for field in questionnaire.fields:
        definition = field.english
        if field.kind == "single":
            definition += f" (label; '{questionnaire.dont_know_label}' kept distinct from missing)"
        elif field.kind == "multi_item":
            definition += " (1 = chosen, 0 = not chosen, empty = not asked)"
        entries[field.name] = {
            "type": _KIND_TYPES[field.kind],
            "definition": definition,
            "source": field.field,
        }
        if field.kind in ("year", "number"):
            entries[f"{field.name}_rule"] = {
                "type": "text",
                "source": field.field,
                "definition": f"parse rule applied to {field.field} (see README, parsing "
                "rules); empty when not answered",
            }
    return entries


def _documented_as(file: str, files: dict) -> str:
    """The dictionary entry that documents ``file``: its own, else the first
    pattern entry ("results/multiverse/batches/batch_*.csv") that matches it,
    following ``same_as`` (a file with the columns of another)."""
    key = (
        file
        if file in files
        else next(
            (pattern for pattern in files if "*" in pattern and fnmatchcase(file, pattern)), file
        )
    )
    entry = files.get(key) or {}
    return entry["same_as"] if "same_as" in entry else key


def column_entries(file: str, spec: dict, questionnaire: Questionnaire) -> tuple[dict, dict]:
    """The entries documenting ``file``: its own (every one of which the file must
    have), and those merged with the shared ones (which a file may have)."""
    documented = _documented_as(file, spec["files"])
    own = dict(spec["files"].get(documented, {}))
    if documented == RESPONDENTS:
        own.update(codebook_entries(questionnaire))
    return own, {**spec["shared"], **own}


def documented_columns(file: str, spec: dict, questionnaire: Questionnaire) -> list[str]:
    """The columns the dictionary gives ``file``, in its order: for a table made after
    the dictionary (the dictionary itself, the provenance tables), which it documents
    without reading; the data package checks them against the file."""
    return list(column_entries(file, spec, questionnaire)[0])


def build_dictionary(
    spec: dict, questionnaire: Questionnaire, config: dict, headers: dict[str, list[str]]
) -> pd.DataFrame:
    """Rows (file, column, type, definition, source_columns) in each file's column order.

    Raises ValueError naming every undocumented or documented-but-absent column.
    """
    rows, mismatches = [], []
    for file, columns in headers.items():
        own, entries = column_entries(file, spec, questionnaire)
        undocumented = [c for c in columns if c not in entries]
        absent = [c for c in own if c not in columns]
        if undocumented or absent:
            mismatches.append(f"{file}: undocumented {undocumented}, absent {absent}")
        for column in columns:
            entry = entries.get(column, {})
            rows.append(
                {
                    "file": file,
                    "column": column,
                    "type": entry.get("type", ""),
                    "definition": str(entry.get("definition", "")).format(**config),
                    "source_columns": str(entry.get("source", "")).format(**config),
                }
            )
    if mismatches:
        raise ValueError("data dictionary out of date with the data:\n" + "\n".join(mismatches))
    return pd.DataFrame(rows)
