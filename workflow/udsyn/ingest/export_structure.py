"""The export's structure: which option each multiple-choice column is.

SurveyXact names a multiple-choice item by its position in the option list
(``q2_3``: the third option), and its labels say only ``Ikke valgt``/``Valgt``;
nothing in the dataset or the labels says which option ``q2_3`` is. The
export's structure does: a workbook's ``Structure`` sheet, or, beside a CSV
export, the file whose name has "structure" where the dataset's has "dataset"
(``export_files.structure_file``). Its columns are ``questionName;
variableName; questionType; subType; questionText; choiceValue; choiceText``,
one row per item of a multiple-choice question (``variableName`` the item's
column, ``choiceText`` the option), and rows with a choice text may carry one
extra, empty, trailing field.

``check_structure`` compares each multiple-choice item the questionnaire gives
an option ``text`` with the structure's ``choiceText`` of that item's column
(through the questionnaire's ``label_map``, as the labels are):
a survey that lists its options in another order (or words them otherwise)
stops the build, naming the column and both texts, instead of being read with
its options shifted. Without a structure nothing can be compared, and
``results/validated/checks.csv`` has no structure row (docs/real-exports.md).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from udsyn.core.errors import InputError, Problem, input_error
from udsyn.ingest import export_formats
from udsyn.ingest.export_files import one_file_format
from udsyn.ingest.questionnaire import Questionnaire

REQUIRED = ("variableName", "choiceText")
HINT = (
    "the survey lists its multiple-choice options in another order than the "
    "questionnaire, or words them otherwise: in your copy of the questionnaire, put the "
    "items (purposes, barriers) in the survey's order, or map the survey's wording to "
    "each item's text in its label_map, as for the labels (docs/real-exports.md)"
)


@dataclass(frozen=True)
class Structure:
    path: str  # the file
    format: str  # "delimited text", "xlsx" or "excel-xml"
    sheet: str  # a workbook's sheet ("" for a CSV file)
    encoding: str  # a CSV file's ("" for a workbook)
    delimiter: str  # a CSV file's, as checks.csv shows it ("" for a workbook)
    quoting: str  # a CSV file's: all text quoted, minimal or none ("" for a workbook)
    columns: int  # the header's width
    how: str  # how it was read
    rows: pd.DataFrame  # row (1 = first after the header), variableName, choiceText

    @property
    def file(self) -> str:
        """As messages name it (a workbook's sheet included)."""
        return f"{self.path} [sheet {self.sheet}]" if self.sheet else self.path


def _normal(text: str) -> str:
    """Texts compared as a reader sees them: Unicode NFC, white space collapsed, case folded."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def _table(records: list[list[str]], where: str) -> pd.DataFrame:
    if not records:
        raise input_error(where, "the structure is empty", export_formats._EXPORT_AGAIN)
    header = [name.strip() for name in records[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise input_error(
            where,
            "the structure has no column " + ", ".join(repr(name) for name in missing),
            "export the survey again; a structure names each variable (variableName) "
            "and its option (choiceText) in its header row",
            row=1,
            value=", ".join(header),
        )
    at = {name: header.index(name) for name in REQUIRED}
    body = []
    records = [record for record in records[1:] if any(cell.strip() for cell in record)]
    for number, record in enumerate(records, start=1):  # blank lines are not records
        # one extra empty trailing field is SurveyXact's; more is not understood
        if len(record) == len(header) + 1 and record[-1] == "":
            record = record[:-1]
        if len(record) != len(header):
            raise input_error(
                where,
                f"a structure row has {len(record)} fields where the header has {len(header)}",
                export_formats._EXPORT_AGAIN,
                row=number,
            )
        body.append([number, record[at["variableName"]], record[at["choiceText"]]])
    return pd.DataFrame(body, columns=["row", *REQUIRED])


def _text_structure(
    path: str, options: export_formats.ReadOptions, dataset_encoding: str | None
) -> Structure:
    with open(path, "rb") as handle:
        raw = handle.read()
    if export_formats._blank(raw):
        raise input_error(path, "the structure is empty", export_formats._EXPORT_AGAIN)
    if dataset_encoding and _decodes(raw, dataset_encoding):
        # the same export: the dataset's encoding, however it was found (a question
        # text alone may not say whether 8-bit bytes are ISO-8859-15 or cp1252)
        encoding, how = dataset_encoding, [f"encoding {dataset_encoding}, the dataset's"]
    elif options.encoding == "auto":
        encoding, evidence = export_formats._detect_encoding(raw, path, lambda text, whole: False)
        how = [f"encoding {encoding} detected ({evidence})"]
    else:
        encoding, evidence = export_formats._configured_encoding(raw, path, options.encoding)
        how = [f"encoding {evidence}"]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise input_error(
            path,
            f"the structure file does not decode as {encoding} (byte {error.start})",
            "set survey.encoding to the export's encoding, or export again",
        ) from None
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if options.delimiter == "auto":
        delimiter = max(export_formats.DELIMITERS, key=first.count)
        how.append(f"delimiter {export_formats._show(delimiter)} from its header row")
    else:
        delimiter = options.delimiter
        how.append(f"delimiter {export_formats._show(delimiter)} configured")
    quote = options.quoting != "none"
    observed = export_formats._detect_quoting(text, delimiter) if quote else "none"
    records = list(
        csv.reader(
            io.StringIO(text, newline=""),
            delimiter=delimiter,
            quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        )
    )
    table = _table(records, path)
    return Structure(
        path,
        "delimited text",
        "",
        encoding,
        export_formats._show(delimiter),
        observed,
        len(records[0]),
        "; ".join(how) + ".",
        table,
    )


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def read_structure(
    path: str, options: export_formats.ReadOptions, dataset_encoding: str | None = None
) -> Structure | None:
    """The structure in ``path`` (a workbook's Structure sheet, or a CSV structure
    file, read in ``dataset_encoding``, the CSV dataset's, where that decodes it);
    None for a workbook without a Structure sheet."""
    fmt = one_file_format(path)
    if fmt is None:
        return _text_structure(path, options, dataset_encoding)
    names, rows = export_formats._workbook(path, fmt)
    if "Structure" not in names:
        return None
    where = f"{path} [sheet Structure]"
    cells = export_formats._as_text_rows(
        export_formats._trim(list(rows("Structure"))), where, None, options.timestamp_format
    )
    how = f"format {fmt} detected from the file's first bytes; sheet Structure."
    table = _table(cells, where)
    return Structure(path, fmt, "Structure", "", "", "", len(cells[0]), how, table)


def structure_of(
    paths: list[str], options: export_formats.ReadOptions, export, questionnaire: Questionnaire
) -> tuple[Structure, str] | None:
    """What rule validate records of the export's structure: read from ``paths``
    (``export_files.structure_files``; a CSV file in the dataset's encoding) and
    checked against the loaded export (``udsyn.ingest.export.SurveyExport``): the
    structure and what was compared; None where the export has none."""
    encoding = export.reading[0].encoding or None
    for path in paths:
        found = read_structure(path, options, encoding)
        if found is not None:
            return found, check_structure(found, export.columns, questionnaire)
    return None


def check_structure(
    structure: Structure, columns: pd.DataFrame, questionnaire: Questionnaire
) -> str:
    """Every multiple-choice item with an option text in the questionnaire against
    the structure's choiceText of its export column (``columns``: the validated
    match of variable to export column). Returns what was compared; raises an
    InputError naming each item whose option differs, or is not in the structure."""
    export_column = dict(zip(columns["variable"], columns["export_column"]))
    by_variable: dict[str, tuple[int, str]] = {}
    for row in structure.rows.itertuples(index=False):
        by_variable.setdefault(row.variableName, (int(row.row), row.choiceText))
    problems, compared = [], []
    for field in questionnaire.fields:
        if field.kind != "multi_item" or not field.option_text:
            continue
        column = export_column.get(field.field) or field.field
        found = by_variable.get(column)
        if found is None:
            problems.append(
                Problem(
                    structure.file,
                    f"the structure has no row for variable {column} (the questionnaire's "
                    f"option {field.option_text!r})",
                    column="variableName",
                    value=column,
                )
            )
            continue
        row, text = found
        # an export worded otherwise (English) is mapped as its labels are
        mapped = questionnaire.label_map.get(text.strip(), text)
        if _normal(mapped) != _normal(field.option_text):
            problems.append(
                Problem(
                    structure.file,
                    f"variable {column} is the option {text.strip()!r} in the export, but "
                    f"the questionnaire reads it as {field.option_text!r}",
                    row=row,
                    column="choiceText",
                    value=text,
                )
            )
            continue
        compared.append(column)
    if problems:
        raise InputError(problems, HINT)
    return (
        f"the option of every multiple-choice column as the questionnaire's "
        f"({len(compared)} columns)"
    )
