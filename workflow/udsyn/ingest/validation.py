"""Input validation with pandera: the export against its labels and expected
columns, the register against its schema.

Every failure becomes one ``InputError`` that lists each bad cell (file, data
row, column, value) with a hint, instead of pandera's own report.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from udsyn.core.errors import InputError, Problem
from udsyn.ingest.questionnaire import Questionnaire

if TYPE_CHECKING:
    import pandera.pandas as pa

# Facts of the Danish municipal map since 2007 (design: the register).
REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")
MUNICIPALITY_GROUPS = (
    "Hovedstadskommuner",
    "Storbykommuner",
    "Provinsbykommuner",
    "Oplandskommuner",
    "Landkommuner",
)
N_MUNICIPALITIES = 98
# The register's columns as validate_register types them (the schema's types).
REGISTER_TYPES = {
    "code": "int64",
    "name": "str",
    "region": "str",
    "area_km2": "float64",
    "population_2007": "int64",
    "population_recent": "int64",
    "n_premerger": "int64",
    "kommunegruppe": "str",
    "admin_centre": "str",
    "lat": "float64",
    "lon": "float64",
}


def _pandera():
    """pandera, imported when a schema is checked: the rules that only type an
    already validated register (typed_register) do without its import."""
    import pandera.pandas as pa

    return pa


@functools.cache
def _text():
    """pandera's text type (pandas' ``str``), passed as one verdict when every value
    passes. pandera 0.35 otherwise returns one flag per value and, even when every
    value passes, builds and prints an empty failure table for the column: about
    3 ms a column, most of validating a 98-row export. When a value fails, its flags
    go to pandera as before, so the bad cells are listed as they always were."""
    from pandera.engines import pandas_engine

    class Text(pandas_engine.STRING):
        def check(self, pandera_dtype, data_container=None):
            result = super().check(pandera_dtype, data_container)
            if isinstance(result, bool) or not np.asarray(result).all():
                return result
            return True

    return Text()


# Codes are small whole numbers; respondent ids fit in 64 bits.
# ASCII digits only: \d would also take other scripts' digits (١٠٠, １００); \Z, not $,
# which would let a trailing line break through.
_WHOLE_NUMBER = r"^-?[0-9]{1,9}\Z"
_RESPONDENT_ID = r"^[0-9]{1,18}\Z"

# What pandera's check names mean to a researcher.
_CHECK_MESSAGES = {
    "column_in_dataframe": "required column is missing",
    "field_uniqueness": "value occurs more than once but must be unique",
    "multiple_fields_uniqueness": "this field_name and field_value occur together more than "
    "once, but each code must be unique (one label per code)",
    "not_nullable": "value is missing but required",
    "coerce_dtype": "value has the wrong type",
    "dtype": "column has the wrong type",
}


def _describe_check(check: str) -> str:
    """pandera's check name, e.g. 'in_range(1, 20)', in words."""
    name, _, arguments = check.partition("(")
    arguments = arguments[:-1]
    if name in _CHECK_MESSAGES:
        return _CHECK_MESSAGES[name]
    if name == "isin":
        return f"value is not one of the allowed values {arguments}"
    if name == "in_range":
        return f"value must lie in the range [{arguments}]"
    if name in ("greater_than", "greater_than_or_equal_to", "less_than", "str_matches"):
        return f"value must be {name.replace('_', ' ')} {arguments}"
    return check


def register_schema() -> pa.DataFrameSchema:
    """The municipality register: one row per post-2007 municipality."""
    pa = _pandera()
    return pa.DataFrameSchema(
        {
            "code": pa.Column(int, pa.Check.in_range(101, 999), unique=True),
            "name": pa.Column(_text(), pa.Check.str_length(min_value=1), unique=True),
            "region": pa.Column(_text(), pa.Check.isin(REGIONS)),
            "area_km2": pa.Column(float, pa.Check.gt(0)),
            "population_2007": pa.Column(int, pa.Check.gt(0)),
            "population_recent": pa.Column(int, pa.Check.gt(0)),
            "n_premerger": pa.Column(int, pa.Check.in_range(1, 20)),
            "kommunegruppe": pa.Column(_text(), pa.Check.isin(MUNICIPALITY_GROUPS)),
            "admin_centre": pa.Column(_text(), nullable=True),
            "lat": pa.Column(float, pa.Check.in_range(54.5, 57.8), nullable=True),
            "lon": pa.Column(float, pa.Check.in_range(8.0, 15.2), nullable=True),
        },
        checks=pa.Check(
            lambda frame: len(frame) == N_MUNICIPALITIES,
            error=f"the register must have {N_MUNICIPALITIES} rows",
        ),
        strict=True,
        coerce=True,
    )


def labels_schema() -> pa.DataFrameSchema:
    """SurveyXact's labels table."""
    pa = _pandera()
    return pa.DataFrameSchema(
        {
            "field_name": pa.Column(_text(), pa.Check.str_length(min_value=1)),
            "field_value": pa.Column(_text(), pa.Check.str_matches(_WHOLE_NUMBER)),
            "field_text": pa.Column(_text()),
        },
        unique=["field_name", "field_value"],
        strict=True,
    )


def parse_timestamps(values: pd.Series, timestamp_format: str) -> pd.Series:
    """The values as ``timestamp_format`` reads them; empty or unreadable: NaT.

    A format with a UTC offset (``%z``) gives instants in UTC: an export's times
    may carry different offsets (winter and summer time in one survey), which
    pandas refuses to hold in one column, and only the instant says which of two
    submissions came last. The words "now" and "today", which pandas reads as the
    clock's time whatever the format, are not timestamps of the survey: NaT."""
    parsed = pd.to_datetime(
        values, format=timestamp_format, errors="coerce", utc="%z" in timestamp_format
    )
    return parsed.mask(values.isin(["now", "today"]).to_numpy(dtype=bool))


def _timestamp_check(timestamp_format: str) -> pa.Check:
    pa = _pandera()

    def parses(values: pd.Series) -> pd.Series:
        return (values == "") | parse_timestamps(values, timestamp_format).notna()

    return pa.Check(parses, error=f"not a timestamp in the configured format {timestamp_format}")


def dataset_schema(
    questionnaire: Questionnaire, columns: list[str], timestamp_format: str
) -> pa.DataFrameSchema:
    """The dataset table: expected columns present, ids unique, every code one the
    questionnaire knows (its labels are checked in ``udsyn.ingest.export_labels``),
    multiple-choice items and status flags 0 or 1.

    Extra columns are allowed (a real export carries more); the cleaning step
    never reads them, so they cannot leak. Optional columns (minor status
    families) are checked only when the export has them.
    """
    pa = _pandera()
    present = set(columns)
    schema = {
        questionnaire.id_column: pa.Column(
            _text(),
            [
                pa.Check.str_matches(
                    _RESPONDENT_ID, error="must be a whole number (at most 18 digits)"
                ),
                pa.Check(
                    _unique_as_number,
                    error="value occurs more than once but must be unique "
                    "(as a number: leading zeros do not count)",
                ),
            ],
        )
    }
    for name in questionnaire.expected_columns:
        if name in present or name not in questionnaire.optional_columns:
            schema.setdefault(name, pa.Column(_text()))
    for field in questionnaire.coded_fields:
        if field.kind == "multi_item":
            schema[field.field] = pa.Column(
                _text(),
                pa.Check.isin(["", "0", "1"], error="multiple-choice item must be 0, 1 or empty"),
            )
            continue
        codes = [str(code) for code in questionnaire.value_sets[field.value_set]]
        schema[field.field] = pa.Column(
            _text(),
            pa.Check.isin(
                [""] + codes,
                error=f"code is not one of the questionnaire's codes for this field "
                f"{codes} (value set '{field.value_set}')",
            ),
        )
    for name in questionnaire.timing_columns:
        schema[name] = pa.Column(_text(), _timestamp_check(timestamp_format))
    for name in questionnaire.status_columns:
        if name in present or name not in questionnaire.optional_columns:
            schema[name] = pa.Column(
                _text(), pa.Check.isin(["", "0", "1"], error="must be 0, 1 or empty")
            )
    return pa.DataFrameSchema(schema, strict=False)


def _inconsistent_rows(
    dataset: pd.DataFrame, questionnaire: Questionnaire, file: str
) -> list[Problem]:
    """Rows whose cells each pass but do not fit together: the overall status family
    (the one holding the completed and declined flags, one-hot: new, distributed,
    started, completed, declined) without exactly one 1, and a multiple-choice
    question with some items empty and others 0 or 1 (SurveyXact writes 0 or 1 in
    every item, 0 also where the question was never reached). Read as they are, a
    row with two flags would be excluded as declined, one with none kept as partial,
    and an emptied item would drop its option from the analysis."""
    problems = []
    family = questionnaire.completed_column.rpartition("_")[0]
    flags = [c for c in questionnaire.status_columns if c.rpartition("_")[0] == family]
    if flags and all(c in dataset.columns for c in flags):
        ones = (dataset[flags] == "1").sum(axis=1).to_numpy()
        for at in np.flatnonzero(ones != 1):
            values = ",".join(dataset[flags].iloc[at])
            problems.append(
                Problem(
                    file,
                    f"the overall status flags {flags[0]}..{flags[-1]} hold {ones[at]} "
                    "1s: a respondent has exactly one overall status",
                    row=int(at) + 1,
                    column=f"{flags[0]}..{flags[-1]}",
                    value=values,
                )
            )
    for question, items in questionnaire.multi_questions.items():
        columns = [item.field for item in items if item.field in dataset.columns]
        empty = (dataset[columns] == "").to_numpy()
        mixed = empty.any(axis=1) & ~empty.all(axis=1)
        for at in np.flatnonzero(mixed):
            blank = [c for c, is_empty in zip(columns, empty[at]) if is_empty]
            problems.append(
                Problem(
                    file,
                    f"multiple-choice question {question}: item(s) {', '.join(blank)} empty "
                    "while its other items hold 0 or 1",
                    row=int(at) + 1,
                    column=blank[0],
                    value="",
                )
            )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _unknown_options(columns: list[str], questionnaire: Questionnaire, file: str) -> list[Problem]:
    """Columns named as an item of a multiple-choice question (``q2_10``: SurveyXact
    names items ``<question>_<position>``) at a position the questionnaire does not
    list: an option the survey has and the questionnaire lacks."""
    known: dict[str, set[str]] = {}
    for field in questionnaire.fields:
        if field.kind == "multi_item":
            known.setdefault(field.question, set()).add(field.field)
    problems = []
    for column in columns:
        question, _, position = column.rpartition("_")
        if question in known and position.isascii() and position.isdigit():
            if column not in known[question]:
                problems.append(
                    Problem(
                        file,
                        f"column {column} is option {int(position)} of multiple-choice "
                        f"question {question}, which the questionnaire lists "
                        f"{len(known[question])} options for",
                        column=column,
                    )
                )
    return problems


def _unique_as_number(ids: pd.Series) -> pd.Series:
    """True where an id is not the same whole number as another id ("007" = "7")."""
    numbers = pd.to_numeric(
        ids.where(ids.str.fullmatch(_RESPONDENT_ID.strip("^$"))), errors="coerce"
    )
    return ~(numbers.duplicated(keep=False) & numbers.notna())


def _renamed_hint(
    problems: list[Problem], columns: list[str], expected: tuple[str, ...]
) -> list[Problem]:
    """A missing column's message names unexpected header columns that look like it
    (a renamed column), so the researcher sees both at once."""
    extra = [name for name in columns if name not in expected]
    explained = []
    for problem in problems:
        if problem.message == _CHECK_MESSAGES["column_in_dataframe"] and problem.column and extra:
            folded = {name.strip().casefold(): name for name in extra}
            alike = (
                [folded[problem.column.casefold()]]
                if problem.column.casefold() in folded
                else difflib.get_close_matches(problem.column, extra, n=2, cutoff=0.6)
            )
            if alike:
                shown = ", ".join(repr(name) for name in alike)
                problem = replace(
                    problem,
                    message=f"{problem.message}; the header has {shown}, "
                    "which is not expected: the same column renamed?",
                )
        explained.append(problem)
    return explained


def _problems_from(
    errors: pa.errors.SchemaErrors, file: str, frame: pd.DataFrame, id_column: str | None
) -> list[Problem]:
    """Turn pandera's failure cases into Problems, one per bad cell."""
    problems = []
    cases = errors.failure_cases
    coerce_failed = set(
        cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"]
    )
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if case.column in coerce_failed and not check.startswith("coerce_dtype"):
            continue  # the wrong-type cells are already listed one by one
        message = _describe_check(check)
        index = case.index
        if pd.isna(index):
            column = case.failure_case if check == "column_in_dataframe" else case.column
            column = None if pd.isna(column) else str(column)
            problems.append(Problem(file, message, column=column))
            continue
        row = int(index) + 1
        if id_column and id_column in frame.columns and case.column != id_column:
            message += f"; respondentid {frame[id_column].iloc[int(index)]}"
        column = None if pd.isna(case.column) else str(case.column)
        problems.append(Problem(file, message, row=row, column=column, value=case.failure_case))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or "", str(p.value)))


def _validate(
    schema: pa.DataFrameSchema,
    frame: pd.DataFrame,
    file: str,
    hint: str,
    id_column: str | None = None,
) -> pd.DataFrame:
    pa = _pandera()
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise InputError(_problems_from(errors, file, frame, id_column), hint) from None


def validate_register(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Typed register; raises InputError for any bad cell."""
    typed = raw.replace("", pd.NA)
    return _validate(
        register_schema(),
        typed,
        file,
        "the register is a committed raw file: restore it from git "
        "(git checkout -- data/raw/register) or fix the named cells",
    )


def typed_register(raw: pd.DataFrame) -> pd.DataFrame:
    """The register typed exactly as validate_register returns it, without
    checking it again: for the rules that run after the validate rule has
    checked this very file (they depend on its output), where a second check
    would only repeat the work and pandera's import."""
    return raw.replace("", pd.NA).astype(REGISTER_TYPES)


def validate_labels(raw: pd.DataFrame, file: str, questionnaire: Questionnaire) -> pd.DataFrame:
    """Check the labels table's shape: a whole-number code and one label per
    field and code. (Which labels the analysis needs: ``udsyn.ingest.export_labels``.)"""
    return _validate(
        labels_schema(),
        raw,
        file,
        "the labels table must hold, on each row, a field name, a code (a whole "
        "number) and its label, one row per field and code",
    )


def validate_dataset(
    raw: pd.DataFrame, file: str, questionnaire: Questionnaire, timestamp_format: str
) -> pd.DataFrame:
    """Check the dataset against its labels and the questionnaire's columns.

    A dataset with a header but no rows is an error: there is nothing to analyse.
    """
    hint = (
        "fix the named cells in the export, or your copy of the questionnaire where the "
        "export's codes differ from it: every code must be one the questionnaire knows, "
        "respondentid must be a unique whole number, timestamps must follow "
        "survey.timestamp_format and status flags be 0 or 1; a missing column means the "
        "export or survey.questionnaire is not the expected one (SurveyXact field names, "
        "case included)"
    )
    try:
        validated = _validate(
            dataset_schema(questionnaire, list(raw.columns), timestamp_format),
            raw,
            file,
            hint,
            id_column=questionnaire.id_column,
        )
    except InputError as error:
        raise InputError(
            _renamed_hint(error.problems, list(raw.columns), questionnaire.expected_columns),
            error.hint,
        ) from None
    unknown = _unknown_options(list(raw.columns), questionnaire, file)
    if unknown:
        raise InputError(
            unknown,
            "the survey has a multiple-choice option the questionnaire does not list: add "
            "it, in the survey's order, to the question's items (purposes, barriers) in "
            "your copy of the questionnaire (docs/real-exports.md); read without it, a "
            "respondent who chose only that option would count as having chosen none",
        )
    inconsistent = _inconsistent_rows(validated, questionnaire, file)
    if inconsistent:
        raise InputError(
            inconsistent,
            "a SurveyXact export gives each respondent exactly one overall status and a 0 "
            "or 1 in every item of a multiple-choice question they were shown: a row "
            "that does not was edited by hand or shifted (in Excel?); restore the named "
            "rows from the export, or export the survey again",
        )
    if validated.empty:
        raise InputError(
            [Problem(file, "the survey dataset has a header but no data rows")],
            "export the dataset again with its responses; an export without rows "
            "has nothing to analyse",
        )
    return validated


READING_COLUMNS = ("format", "sheet", "encoding", "delimiter", "quoting", "header", "how_read")


def validate_inputs(
    export,
    register_raw: pd.DataFrame,
    register_file: str,
    questionnaire: Questionnaire,
    timestamp_format: str,
    structure=None,
) -> pd.DataFrame:
    """Validate the loaded export (``udsyn.ingest.export.SurveyExport``) and the register;
    return a table of what was read, how, and what passed. ``structure``: the
    export's structure and what was compared in it
    (``udsyn.ingest.export_structure``), when it has one: a row of its own."""
    register = validate_register(register_raw, register_file)
    dataset_read, labels_read = export.reading
    dataset = validate_dataset(export.dataset, dataset_read.file, questionnaire, timestamp_format)
    extra = sorted(set(dataset.columns) - set(questionnaire.expected_columns))
    renamed = int(
        (export.columns["rule"].isin(["surveyxact_short_name", "first_8_characters"])).sum()
    )
    statuses = export.label_checks["status"].value_counts()
    adjusted = sum(int(statuses.get(s, 0)) for s in ("trimmed", "mapped", "trimmed_and_mapped"))
    checks = {
        "dataset": f"expected columns present ({renamed} under a short name); respondentid "
        f"unique; every code one the questionnaire knows; timestamps as "
        f"{timestamp_format}; one overall status per row; each multiple-choice question's "
        f"items all 0 or 1 or all empty; {len(extra)} extra column(s) not read",
        "labels": f"field and code unique; every label the analysis relies on as the "
        f"questionnaire's ({adjusted} after trimming or label_map)",
        "register": f"{N_MUNICIPALITIES} municipalities; codes and names unique; regions, "
        "groups and ranges valid",
    }
    register_read = dict(
        format="delimited text",
        sheet="",
        encoding="utf-8",
        delimiter=",",
        quoting="minimal",
        header="present",
        how_read="udsyn's own register format (configured, not detected)",
    )

    def reading(detected) -> dict:
        return dict(
            format=detected.format,
            sheet=detected.sheet,
            encoding=detected.encoding,
            delimiter=detected.delimiter,
            quoting=detected.quoting,
            header=detected.header,
            how_read=detected.how,
        )

    rows = [
        dict(
            role="dataset",
            file=dataset_read.file,
            rows=len(dataset),
            columns=dataset.shape[1],
            checks_passed=checks["dataset"],
            **reading(dataset_read),
        ),
        dict(
            role="labels",
            file=labels_read.file,
            rows=len(export.labels),
            columns=export.labels.shape[1],
            checks_passed=checks["labels"],
            **reading(labels_read),
        ),
        dict(
            role="register",
            file=register_file,
            rows=len(register),
            columns=register.shape[1],
            checks_passed=checks["register"],
            **register_read,
        ),
    ]
    if structure is not None:
        found, compared = structure
        rows.insert(
            2,
            dict(
                role="structure",
                file=found.path,
                rows=len(found.rows),
                columns=found.columns,
                checks_passed=compared,
                format=found.format,
                sheet=found.sheet,
                encoding=found.encoding,
                delimiter=found.delimiter,
                quoting=found.quoting,
                header="present",
                how_read=found.how,
            ),
        )
    return pd.DataFrame(
        rows, columns=["role", "file", "rows", "columns", "checks_passed", *READING_COLUMNS]
    )
