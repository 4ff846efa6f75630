"""The survey export as the pipeline reads it: whatever format SurveyXact
wrote, under the questionnaire's names, with labels checked.

``load_export`` is the one way the rules read the export (validate, clean and
the multiverse's clean variants), so that each reads it the same way:

1. read the dataset and the labels in whatever format they are (delimited
   text in any of SurveyXact's dialects, .xlsx, Excel-XML, SPSS .sav),
   detected from the bytes (``udsyn.ingest.export_formats``);
2. match the export's column names, long or short, to the questionnaire's
   (``udsyn.ingest.variable_names``);
3. check the labels table's shape and every label the analysis relies on
   (``udsyn.ingest.validation``, ``udsyn.ingest.export_labels``).

What was detected, matched and checked is returned for the record
(``results/validated/``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from udsyn.core.errors import input_error
from udsyn.ingest.export_files import AUTO, one_file_format, sibling_labels
from udsyn.ingest.export_formats import Detected, ReadOptions, read_dataset, read_labels
from udsyn.ingest.export_labels import check_labels
from udsyn.ingest.questionnaire import Questionnaire
from udsyn.ingest.validation import validate_labels
from udsyn.ingest.variable_names import column_table, rename_export, resolve_columns


@dataclass(frozen=True)
class SurveyExport:
    dataset: pd.DataFrame  # every cell text, columns under the questionnaire's names
    labels: pd.DataFrame  # field_name, field_value, field_text: trimmed and mapped
    reading: tuple[Detected, Detected]  # how the dataset and the labels were read
    columns: pd.DataFrame  # which export column holds each variable, by which rule
    label_checks: pd.DataFrame  # every label and how it compared


def read_options(survey: dict) -> ReadOptions:
    """The reading settings of config ``survey`` (each ``auto`` unless forced)."""
    return ReadOptions(
        encoding=survey["encoding"],
        delimiter=survey["delimiter"],
        quoting=survey["quoting"],
        labels_header=survey["labels_header"],
        timestamp_format=survey["timestamp_format"],
    )


def load_export(
    survey: dict,
    questionnaire: Questionnaire,
    dataset_file: str,
    labels_file: str,
    labels_validated: bool = False,
) -> SurveyExport:
    """Read, name and check the export (see the module docstring).

    ``labels_file`` is the file the workflow resolved (``export_files.labels_file``):
    the dataset itself for a one-file export. Raises InputError for anything
    not understood. ``labels_validated``: the validate rule has already checked
    this labels table's shape (the rules after it), so that check is not repeated;
    its labels are still compared with the questionnaire.
    """
    options = read_options(survey)
    if labels_file == dataset_file and one_file_format(dataset_file) is None:
        sibling = sibling_labels(dataset_file)
        looked = f" (looked for {sibling})" if sibling else ""
        raise input_error(
            dataset_file,
            f"no labels table: survey.labels is '{AUTO}' and the dataset is a "
            f"delimited text export, whose labels are a file of their own{looked}",
            "set survey.labels to the labels file SurveyXact exported with this dataset",
        )
    dataset, dataset_read = read_dataset(dataset_file, options)
    labels, labels_read = read_labels(labels_file, options)
    return name_and_check(
        dataset, labels, (dataset_read, labels_read), questionnaire, labels_validated
    )


def shown_name(detected: Detected) -> str:
    """The file (and sheet) as messages name it."""
    if detected.format in ("xlsx", "excel-xml") and detected.sheet:
        return f"{detected.file} [sheet {detected.sheet}]"
    return detected.file


def name_and_check(
    dataset: pd.DataFrame,
    labels: pd.DataFrame,
    reading: tuple[Detected, Detected],
    questionnaire: Questionnaire,
    labels_validated: bool = False,
) -> SurveyExport:
    """Steps 2 and 3 of ``load_export`` on tables already read."""
    dataset_read, labels_read = reading
    matches = resolve_columns(
        list(dataset.columns),
        questionnaire.expected_columns,
        questionnaire.optional_columns,
        shown_name(dataset_read),
    )
    dataset, labels = rename_export(dataset, labels, matches)
    if not labels_validated:  # validate_labels only checks: it returns the same table
        labels = validate_labels(labels, shown_name(labels_read), questionnaire)
    labels, label_checks = check_labels(
        labels, questionnaire, shown_name(labels_read), list(dataset.columns)
    )
    return SurveyExport(
        dataset=dataset,
        labels=labels,
        reading=reading,
        columns=column_table(matches),
        label_checks=label_checks,
    )


def in_memory(
    dataset: pd.DataFrame,
    labels: pd.DataFrame,
    questionnaire: Questionnaire,
    dataset_file: str = "dataset.csv",
    labels_file: str = "labels.csv",
) -> SurveyExport:
    """An export from tables built in memory (tests, tools): named and checked."""

    def read(role: str, file: str, header: str) -> Detected:
        return Detected(
            role=role,
            file=file,
            format="delimited text",
            sheet="",
            encoding="utf-8",
            delimiter=";",
            quoting="minimal",
            header=header,
            how="built in memory",
        )

    return name_and_check(
        dataset,
        labels,
        (read("dataset", dataset_file, "present"), read("labels", labels_file, "absent")),
        questionnaire,
    )
