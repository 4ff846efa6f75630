"""The export's labels, checked against the questionnaire, not trusted blindly.

The cleaning step turns each single-choice code into the export's label text,
and the derived variables compare those texts with the questionnaire's
("Ja", "Ved ikke", the Likert levels, the purposes). An export whose labels
are worded otherwise (a trailing space, as real exports have, or an
English-language questionnaire: "Yes") would silently count every answer as
"not yes". So every label the analysis reads is checked here:

- label texts are compared after trimming surrounding whitespace (real
  exports carry trailing spaces: ``"Ja "``); a trimmed label is recorded;
- the questionnaire's ``label_map`` (export label -> questionnaire label)
  is applied next, so an export in another language runs through config;
- then every code of every single-choice field's value set must carry the
  questionnaire's label in the export; otherwise the build stops naming
  field, code, label found and label expected.

Codes the export labels but the questionnaire does not know are recorded;
a data cell that uses one stops the build in validation. Multiple-choice
items and status flags are read as 0/1 codes, never through their labels.
"""

from __future__ import annotations

import pandas as pd

from udsyn.core.errors import InputError, Problem
from udsyn.ingest.questionnaire import Questionnaire

LABEL_STATUSES = {
    "as_expected": "the export's label is the questionnaire's",
    "trimmed": "equal after removing surrounding spaces from the export's label",
    "mapped": "equal after the questionnaire's label_map",
    "trimmed_and_mapped": "equal after removing spaces and applying the label_map",
    "not_in_questionnaire": "a code the export labels but the questionnaire's value set does "
    "not have (an error only if a response uses it)",
    "not_read_as_label": "a multiple-choice item, status flag or column the analysis reads as a "
    "code or not at all: its label is not used (except the test marker's column, config "
    "cleaning.test_marker, whose codes the cleaning step also compares by their label)",
}

_HINT = (
    "the analysis compares answers with the questionnaire's labels, so the export's must "
    "match: if the export words them otherwise (another language, other spelling), add a "
    "label_map to your copy of the questionnaire (config survey.questionnaire), e.g. "
    'label_map: {"Yes": "Ja", "No": "Nej", "Don\'t know": "Ved ikke"}; if its '
    "codes differ, change the value set's codes in your copy (README, 'Using a real "
    "export')"
)


def check_labels(
    labels: pd.DataFrame, questionnaire: Questionnaire, file: str, dataset_columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labels with texts trimmed and mapped, a report row per label).

    ``labels`` has columns field_name, field_value, field_text under the
    questionnaire's field names; ``dataset_columns`` are the dataset's columns
    under the same names. Raises InputError for a label row naming a field the
    dataset does not have (the labels of another export) and for every label
    the analysis relies on that is missing or differs.
    """
    rows = pd.RangeIndex(1, len(labels) + 1)  # 1-based rows of the labels table
    foreign = ~labels["field_name"].isin(set(dataset_columns))
    if foreign.any():
        raise InputError(
            [
                Problem(
                    file,
                    "the labels name a field that is not a column of the dataset",
                    row=int(row),
                    column="field_name",
                    value=name,
                )
                for row, name in zip(rows[foreign.to_numpy()], labels.loc[foreign, "field_name"])
            ],
            "the dataset and the labels table must come from the same SurveyXact export: "
            "export both again together (survey.dataset, survey.labels)",
        )
    found = labels["field_text"].astype(str)
    trimmed = found.str.strip()
    mapped = trimmed.map(lambda text: questionnaire.label_map.get(text, text))
    key = list(zip(labels["field_name"], labels["field_value"]))
    # the three texts of each label row as plain lists: read cell by cell below
    found_at, trimmed_at, mapped_at = found.tolist(), trimmed.tolist(), mapped.tolist()
    position = {pair: i for i, pair in enumerate(key)}

    checked = {f.field: f for f in questionnaire.all_fields if f.kind == "single"}
    report, problems = [], []
    for field_name, field in checked.items():
        expected = {
            str(code): text for code, text in questionnaire.value_sets[field.value_set].items()
        }
        for code, label in expected.items():
            at = position.get((field_name, code))
            if at is None:
                problems.append(
                    Problem(
                        file,
                        f"field '{field_name}' has no label for code {code}; the "
                        f"questionnaire expects {label!r} (value set '{field.value_set}')",
                        column="field_value",
                        value=code,
                    )
                )
                continue
            if mapped_at[at] != label:
                problems.append(
                    Problem(
                        file,
                        f"field '{field_name}', code {code}: the export's label is "
                        f"{found_at[at]!r}, the questionnaire expects {label!r} (value set "
                        f"'{field.value_set}')",
                        row=int(rows[at]),
                        column="field_text",
                        value=found_at[at],
                    )
                )
                continue
            was_trimmed = trimmed_at[at] != found_at[at]
            was_mapped = mapped_at[at] != trimmed_at[at]
            status = (
                "trimmed_and_mapped"
                if was_trimmed and was_mapped
                else "trimmed"
                if was_trimmed
                else "mapped"
                if was_mapped
                else "as_expected"
            )
            report.append((field_name, code, found_at[at], label, status))
    for at, (field_name, code) in enumerate(key):
        if field_name in checked:
            if code not in {
                str(c) for c in questionnaire.value_sets[checked[field_name].value_set]
            }:
                report.append((field_name, code, found_at[at], "", "not_in_questionnaire"))
        else:
            report.append((field_name, code, found_at[at], "", "not_read_as_label"))
    if problems:
        raise InputError(problems, _HINT)
    table = pd.DataFrame(
        report, columns=["field", "code", "export_label", "expected_label", "status"]
    )
    order = {name: i for i, name in enumerate(dataset_columns)}
    table = table.assign(_field=table["field"].map(order), _code=pd.to_numeric(table["code"]))
    table = table.sort_values(["_field", "_code"], kind="stable").drop(columns=["_field", "_code"])
    return labels.assign(field_text=mapped.to_numpy()), table.reset_index(drop=True)
