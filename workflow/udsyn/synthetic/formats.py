"""The synthetic export in every format SurveyXact writes (a tool beside the pipeline).

Real exports come as CSV in several dialects, as .xlsx and as SPSS .sav, with
long or short variable names, in the API's column order, with zeros in
unreached multiple-choice items and with the labels in the survey's language
(docs/surveyxact-export.md). So that a reader can be tested on every one of
them, this module writes the ONE canonical export that ``udsyn.synthetic.generator``
generates (dataset header and rows of cell texts, headerless labels rows) in
any of them. Every function but the writers is pure; the writers produce the
same bytes on every run (fixed creation times in .xlsx and .sav).

A format value is a base format plus optional modifiers joined by ``+``, e.g.
``intl+short+api+zeros``:

==============  ==============================================================
base format     files
==============  ==============================================================
``csv``         dataset.csv, labels.csv: ';', UTF-8, '\\n', minimal quoting
``csv-bom``     as csv, with a UTF-8 byte-order mark
``eu``          ISO-8859-15, ';', CRLF, text quoted, numbers bare
``intl``        UTF-16 LE with BOM, tab, CRLF, minimal quoting, decimal point
``excel``       as Excel saves it: cp1252, ',', CRLF, minimal quoting
``xlsx``        export.xlsx: sheets Dataset, Labels, Structure
``xlsx-split``  as xlsx with the dataset in Dataset(1), Dataset(2)
``sav``         export.sav (SPSS): short names, value labels inside
==============  ==============================================================

Modifiers: ``short`` (8-character names), ``api`` (the API's column order and
its ``survey``/``organiza`` columns), ``zeros`` (empty multiple-choice items
as 0), ``english`` (labels in English, config ``english_labels``), ``spaces``
(a trailing space on every label text).

Numbers, texts and times are told apart per column from the questionnaire and
the config's layout (never per value): ``number`` (ids, codes, status flags,
counts), ``timestamp``, ``duration`` (difftime) and ``text`` (free text,
names, and the free-text years and FTE, which are open answers).

What a format cannot carry: .xlsx and .sav store difftime as a number (so
"1200,000" reads back as 1200), and .sav pads strings with blanks, so a text's
trailing blanks (a typed " Rudersdal ") read back without them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from io import StringIO
from itertools import islice
from pathlib import Path

from udsyn.ingest.questionnaire import Questionnaire

BASE_FORMATS = ("csv", "csv-bom", "eu", "intl", "excel", "xlsx", "xlsx-split", "sav")
MODIFIERS = ("short", "api", "zeros", "english", "spaces")
NUMBER, TIMESTAMP, DURATION, TEXT = "number", "timestamp", "duration", "text"
LABEL_KINDS = (TEXT, NUMBER, TEXT)  # a labels row: field, code, label text
SPLIT_SHEETS = ("Dataset(1)", "Dataset(2)")
STRUCTURE_HEADER = [
    "questionName",
    "variableName",
    "questionType",
    "subType",
    "questionText",
    "choiceValue",
    "choiceText",
]
STRUCTURE_TYPES = {"single": "SingleChoice", "multi_item": "MultipleChoice"}  # other kinds: "Text"
# Short names: SurveyXact's own columns, cut to 8 characters like every name
# (listed so that the mapping is explicit), and the status families' prefixes.
# Only statoverall -> stato is known from real exports; the prefixes of the
# minor families are a plausible guess (real exports number them stat_1..20,
# statc_*, stat_21..25, statd_*, stats_*; their mapping is not documented).
# The pipeline relies on the overall family only.
SHORT_NAMES = {
    "respondentid": "responde",
    "closetime": "closetim",
    "starttime": "starttim",
    "digitaldistributionstatus": "digitald",
}
STATUS_PREFIXES = {
    "statoverall": "stato",
    "statcompletion": "statc",
    "statcreation": "stat",
    "statdistribution": "statd",
    "statsource": "stats",
    "statcollect": "statl",
}
SHORT_LENGTH = 8  # SPSS's classic variable-name length
COLLISION_STEM = 5  # a colliding name keeps this many characters before "_<n>" (digit_1)
SAV_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SAV_CREATED_AT = slice(92, 109)  # the .sav header's creation date (9 bytes) and time (8 bytes)
BLOCK = 20_000  # text rows encoded at a time
# From this many rows a workbook is written with zip64 (its sheet XML may pass zip's
# 4 GiB limit); smaller ones keep plain zip, so their bytes stay as they were.
ZIP64_ROWS = 100_000


@dataclass(frozen=True)
class TextDialect:
    """How one CSV dialect writes bytes."""

    encoding: str
    delimiter: str
    lineterminator: str
    bom: bytes = b""
    quote_text: bool = False  # every text field quoted, numbers bare (EU)
    decimal_point: bool = False  # difftime "516.928", not "516,928" (INTL)


TEXT_DIALECTS = {
    "csv": TextDialect("utf-8", ";", "\n"),
    "csv-bom": TextDialect("utf-8", ";", "\n", bom=codecs.BOM_UTF8),
    "eu": TextDialect("iso-8859-15", ";", "\r\n", quote_text=True),
    "intl": TextDialect("utf-16-le", "\t", "\r\n", bom=codecs.BOM_UTF16_LE, decimal_point=True),
    "excel": TextDialect("cp1252", ",", "\r\n"),
}


@dataclass(frozen=True)
class ExportFormat:
    """A parsed ``--format`` value."""

    base: str
    modifiers: tuple[str, ...] = ()

    def has(self, modifier: str) -> bool:
        return modifier in self.modifiers


def parse_format(value: str) -> ExportFormat:
    """``"intl+short+api"`` -> ExportFormat("intl", ("short", "api")); an unknown
    part, a second base format or a repeated modifier is a ValueError listing
    the valid values. ``sav`` always has short names (SPSS's own)."""
    base, *modifiers = value.split("+")
    valid = (
        f"valid: one base format ({', '.join(BASE_FORMATS)}) then any of the modifiers "
        f"({', '.join(MODIFIERS)}) joined by '+', e.g. 'intl+short+api'"
    )
    wrong = [part for part in modifiers if part not in MODIFIERS]
    if base not in BASE_FORMATS or wrong or len(set(modifiers)) != len(modifiers):
        raise ValueError(
            f"format {value!r} makes no sense "
            f"({'; '.join(_format_faults(base, modifiers, wrong))}); {valid}"
        )
    if base == "sav" and "short" not in modifiers:
        modifiers = ["short", *modifiers]
    return ExportFormat(base, tuple(modifiers))


def _format_faults(base: str, modifiers: list[str], wrong: list[str]) -> list[str]:
    faults = [] if base in BASE_FORMATS else [f"{base!r} is not a base format"]
    faults += [
        f"{part!r} is a base format, only one is allowed"
        if part in BASE_FORMATS
        else f"{part!r} is not a modifier"
        for part in wrong
    ]
    repeated = sorted({m for m in modifiers if modifiers.count(m) > 1})
    return faults + ([f"repeated: {', '.join(repeated)}"] if repeated else [])


# ------------------------------------------------------------------ the export as a value


class MappedRows:
    """``function`` applied to every row of ``rows``, lazily and as often as it is
    iterated (a large export is never held in memory by a CSV format)."""

    def __init__(
        self, rows: Iterable[Sequence[str]], function: Callable[[Sequence[str]], list[str]]
    ):
        self.rows, self.function = rows, function

    def __iter__(self) -> Iterator[list[str]]:
        return (self.function(row) for row in self.rows)


@dataclass(frozen=True)
class Export:
    """The export being written: dataset header, the kind of each column, the
    rows (cell texts), the labels rows ``[field, code, text]``, the
    respondent id column's name (it names a row in messages, leads each
    Dataset(i) sheet) and each column's long name (the questionnaire's, for
    the Structure sheet)."""

    header: list[str]
    kinds: list[str]
    rows: Iterable[Sequence[str]]
    labels: list[list[str]]
    id_column: str
    long_header: list[str]


def column_kinds(header: Sequence[str], cfg: dict, questionnaire: Questionnaire) -> list[str]:
    """The kind of each column, from the questionnaire and the config's layout:
    ids, codes, status flags and counts are numbers; the timing columns are
    timestamps; difftime is a duration; the rest (free text, names, free-text
    years and FTE, which are open answers) is text."""
    layout, formats = cfg["export_layout"], cfg["formats"]
    numbers = {
        questionnaire.id_column,
        *layout["coded_admin_columns"],
        *formats["count_columns"],
        *questionnaire.status_columns,
        *(f.field for f in questionnaire.coded_fields),
        *formats["api_columns"],
    }
    kind_of = {
        **dict.fromkeys(numbers, NUMBER),
        **dict.fromkeys(questionnaire.timing_columns, TIMESTAMP),
        formats["duration_column"]: DURATION,
    }
    return [kind_of.get(column, TEXT) for column in header]


def canonical_export(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    labels: Sequence[Sequence[str]],
    cfg: dict,
    questionnaire: Questionnaire,
) -> Export:
    """The generator's export as an Export value."""
    return Export(
        list(header),
        column_kinds(header, cfg, questionnaire),
        rows,
        [list(row) for row in labels],
        questionnaire.id_column,
        list(header),
    )


# ------------------------------------------------------------------ modifiers (pure)


def short_names(header: Sequence[str]) -> dict[str, str]:
    """SurveyXact's short (8-character, SPSS-style) name of every column: the
    status families by their prefix (``statoverall_4`` -> ``stato_4``), every
    other name cut to 8 characters, and a name already taken getting a numeric
    suffix after its first 5 characters (``digit_1``, ``digit_2``, ...)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name in header:
        family, _, position = name.rpartition("_")
        if family in STATUS_PREFIXES and position.isdigit():
            short = f"{STATUS_PREFIXES[family]}_{position}"
        else:
            short = SHORT_NAMES.get(name, name[:SHORT_LENGTH])
        number = 0
        while short in taken:
            number += 1
            suffix = f"_{number}"
            short = name[: min(COLLISION_STEM, SHORT_LENGTH - len(suffix))] + suffix
        mapping[name] = short
        taken.add(short)
    return mapping


def with_short_names(export: Export) -> Export:
    """Dataset and labels with the short variable names."""
    short = short_names(export.header)
    return replace(
        export,
        header=[short[c] for c in export.header],
        id_column=short[export.id_column],
        labels=[[short[field], code, text] for field, code, text in export.labels],
    )


def multi_item_columns(questionnaire: Questionnaire) -> list[str]:
    """The 0/1 columns of the multiple-choice questions (not their ``_tekst`` fields)."""
    return [f.field for f in questionnaire.all_fields if f.kind == "multi_item"]


def with_zeros(export: Export, columns: Sequence[str]) -> Export:
    """Every EMPTY cell of ``columns`` (the multiple-choice items) as "0", as
    real exports write rows that never started and questions never reached."""
    positions = [export.header.index(c) for c in columns]

    def fill(row: Sequence[str]) -> list[str]:
        row = list(row)
        for i in positions:
            if row[i] == "":
                row[i] = "0"
        return row

    return replace(export, rows=MappedRows(export.rows, fill))


def api_order(header: Sequence[str], cfg: dict, questionnaire: Questionnaire) -> list[str]:
    """The column order of SurveyXact's REST API: survey, respondent id,
    organisation, created, modified, closetime, starttime (close before start),
    difftime, the other admin columns, e-mail, the coded admin columns
    (digitaldistributionstatus), background variables and questions in
    questionnaire order, the status families last. ``header`` must hold every
    column the config and questionnaire name."""
    survey, organisation = cfg["formats"]["api_columns"]
    timing = [
        c
        for c in questionnaire.timing_columns
        if c not in (questionnaire.start_column, questionnaire.close_column)
    ]
    first = [
        survey,
        questionnaire.id_column,
        organisation,
        *timing,
        questionnaire.close_column,
        questionnaire.start_column,
        cfg["formats"]["duration_column"],
    ]
    coded_admin = list(cfg["export_layout"]["coded_admin_columns"])
    email = [
        c for c in questionnaire.personal_data_columns if c not in questionnaire.background_columns
    ]
    questions = [f.field for f in questionnaire.export_fields]
    later = {
        *first,
        *email,
        *coded_admin,
        *questionnaire.background_columns,
        *questions,
        *questionnaire.status_columns,
    }
    admin = [c for c in header if c not in later]
    return [
        *first,
        *admin,
        *email,
        *coded_admin,
        *questionnaire.background_columns,
        *questions,
        *questionnaire.status_columns,
    ]


def in_api_order(export: Export, cfg: dict, questionnaire: Questionnaire) -> Export:
    """Columns in the API's order, with its constant ``survey`` and ``organiza``
    columns (ids from the config); labels rows follow the new column order."""
    order = api_order(export.header, cfg, questionnaire)
    constants = dict(
        zip(
            cfg["formats"]["api_columns"],
            (str(cfg["formats"]["api_survey_id"]), str(cfg["formats"]["api_organisation_id"])),
        )
    )
    position = {c: i for i, c in enumerate(export.header)}
    missing = [c for c in order if c not in position and c not in constants]
    if missing:
        raise ValueError(f"the API order names columns the export lacks: {missing}")
    kinds = [export.kinds[position[c]] if c in position else NUMBER for c in order]
    source = [position.get(c) for c in order]
    fixed = [constants.get(c, "") for c in order]

    def reorder(row: Sequence[str]) -> list[str]:
        return [row[i] if i is not None else value for i, value in zip(source, fixed)]

    rank = {c: i for i, c in enumerate(order)}
    labels = sorted(export.labels, key=lambda row: rank[row[0]])  # stable: codes keep their order
    return replace(
        export,
        header=order,
        kinds=kinds,
        rows=MappedRows(export.rows, reorder),
        labels=labels,
        long_header=order,
    )


def english_labels(
    labels: Sequence[Sequence[str]], translation: dict[str, str]
) -> list[list[str]]:
    """Label texts in English (an English-language questionnaire's export);
    a text the translation table lacks is a ValueError naming it."""
    missing = sorted({text for _, _, text in labels if text not in translation})
    if missing:
        raise ValueError(f"config english_labels has no translation of {missing}")
    return [[field, code, translation[text]] for field, code, text in labels]


def labels_with_trailing_spaces(labels: Sequence[Sequence[str]]) -> list[list[str]]:
    """Every label text with a trailing space ("Ja "), as real exports carry them."""
    return [[field, code, f"{text} "] for field, code, text in labels]


def apply_modifiers(
    export: Export, export_format: ExportFormat, cfg: dict, questionnaire: Questionnaire
) -> Export:
    """The modifiers in a fixed order: zeros and the API order on long names,
    then short names, then the label texts."""
    if export_format.has("zeros"):
        export = with_zeros(export, multi_item_columns(questionnaire))
    if export_format.has("api"):
        export = in_api_order(export, cfg, questionnaire)
    if export_format.has("short"):
        export = with_short_names(export)
    if export_format.has("english"):
        export = replace(export, labels=english_labels(export.labels, cfg["english_labels"]))
    if export_format.has("spaces"):
        export = replace(export, labels=labels_with_trailing_spaces(export.labels))
    return export


# ------------------------------------------------------------------ cells


def where(row_number: int, row: Sequence[str], export: Export, column: str) -> str:
    """ "row 3 (respondentid 100003), column 'q13'" for messages; row 0 is the header."""
    if row_number == 0:
        return f"the header, column {column!r}"
    rid = row[export.header.index(export.id_column)] if export.id_column in export.header else ""
    return f"row {row_number}{f' ({export.id_column} {rid})' if rid else ''}, column {column!r}"


def number_value(text: str) -> int | float:
    """A number cell's text as a number ("100001" -> 100001, "516,928" -> 516.928)."""
    text = text.replace(",", ".")
    return int(text) if text.lstrip("-").isdigit() else float(text)


def typed_cell(
    text: str, kind: str, timestamp_format: str
) -> int | float | dt.datetime | str | None:
    """The value a typed format (xlsx, sav) stores: None for an empty cell."""
    if text == "":
        return None
    if kind in (NUMBER, DURATION):
        return number_value(text)
    if kind == TIMESTAMP:
        return dt.datetime.strptime(text, timestamp_format)
    return text


def typed_rows(export: Export, timestamp_format: str, file: str) -> list[list]:
    """Every row as typed values; a cell that is not of its column's kind is a
    ValueError naming the file, row and column."""
    out = []
    for number, row in enumerate(export.rows, start=1):
        try:
            out.append(
                [typed_cell(text, kind, timestamp_format) for text, kind in zip(row, export.kinds)]
            )
        except ValueError:
            bad = next(
                c
                for c, (text, kind) in enumerate(zip(row, export.kinds))
                if not _converts(text, kind, timestamp_format)
            )
            raise ValueError(
                f"{file}: {where(number, row, export, export.header[bad])}: "
                f"{row[bad]!r} is not a {export.kinds[bad]}"
            ) from None
    return out


def _converts(text: str, kind: str, timestamp_format: str) -> bool:
    try:
        typed_cell(text, kind, timestamp_format)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ text formats


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it on success, removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def format_records(
    records: Iterable[Sequence[str]], kinds: Sequence[str], dialect: TextDialect, header: bool
) -> str:
    """Records as text in ``dialect``. EU quotes every text field (empty as ""),
    the header's names too, and leaves numbers bare; the others quote minimally."""
    records = list(records)
    if dialect.decimal_point and not header:
        durations = [i for i, kind in enumerate(kinds) if kind == DURATION]
        records = [
            [c.replace(",", ".") if i in durations else c for i, c in enumerate(r)]
            for r in records
        ]
    if not dialect.quote_text:
        buffer = StringIO()
        csv.writer(
            buffer,
            delimiter=dialect.delimiter,
            lineterminator=dialect.lineterminator,
            quoting=csv.QUOTE_MINIMAL,
        ).writerows(records)
        return buffer.getvalue()
    bare = [not header and kind in (NUMBER, DURATION) for kind in kinds]
    return "".join(
        dialect.delimiter.join(
            cell if plain else '"' + cell.replace('"', '""') + '"'
            for cell, plain in zip(record, bare)
        )
        + dialect.lineterminator
        for record in records
    )


def write_text_table(
    path: Path,
    header: Sequence[str] | None,
    kinds: Sequence[str],
    rows: Iterable[Sequence[str]],
    dialect: TextDialect,
    describe: Callable[[int, Sequence[str], int], str],
) -> None:
    """One table in ``dialect`` (no header row when ``header`` is None), written
    block by block and atomically. A character the encoding lacks is a
    ValueError naming the file and ``describe(row number, row, column)``:
    never substituted."""

    def encoded(records: list[tuple[int, Sequence[str]]], is_header: bool) -> bytes:
        text = format_records([record for _, record in records], kinds, dialect, is_header)
        try:
            return text.encode(dialect.encoding)
        except UnicodeEncodeError:
            for number, record in records:
                for column, cell in enumerate(record):
                    try:
                        cell.encode(dialect.encoding)
                    except UnicodeEncodeError as error:
                        raise ValueError(
                            f"{path.name}: {describe(number, record, column)}: "
                            f"{cell[error.start : error.end]!r} "
                            f"in {cell!r} cannot be written in {dialect.encoding}"
                        ) from None
            raise

    numbered = enumerate(rows, start=1)
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        handle.write(dialect.bom)
        if header is not None:
            handle.write(encoded([(0, header)], True))
        while block := list(islice(numbered, BLOCK)):
            handle.write(encoded(block, False))


def write_text_export(out: Path, export: Export, dialect: TextDialect) -> list[Path]:
    """dataset.csv (with its header row) and labels.csv (no header row, as
    SurveyXact writes it) in ``dialect``."""
    dataset, labels = out / "dataset.csv", out / "labels.csv"
    write_text_table(
        dataset,
        export.header,
        export.kinds,
        export.rows,
        dialect,
        lambda number, row, column: where(number, row, export, export.header[column]),
    )
    write_text_table(
        labels,
        None,
        LABEL_KINDS,
        export.labels,
        dialect,
        lambda number, row, column: f"labels row {number} (field {row[0]!r}), column {column + 1}",
    )
    return [dataset, labels]


# ------------------------------------------------------------------ xlsx


def structure_rows(export: Export, questionnaire: Questionnaire) -> list[list]:
    """A minimal Structure sheet: one row per multiple-choice item (its position
    and its option's text, as SurveyXact writes it), one row per choice of each
    other coded question field (its code and label), one row for every other
    question field. Question texts are the questionnaire's English descriptions."""
    names = dict(zip(export.long_header, export.header))
    choices: dict[str, list] = {}
    for field, code, text in export.labels:
        choices.setdefault(field, []).append((number_value(code), text))
    rows = []
    for f in questionnaire.export_fields:
        name = names.get(f.field, f.field)
        common = [f.question, name, STRUCTURE_TYPES.get(f.kind, "Text"), f.kind, f.english]
        if f.kind == "multi_item" and f.option_text:
            # as SurveyXact writes a multiple-choice item: its option, which the
            # column's labels (Ikke valgt/Valgt) do not say
            rows.append([*common, int(f.field.rsplit("_", 1)[1]), f.option_text])
            continue
        rows += [[*common, code, text] for code, text in choices.get(name, [])] or [
            [*common, None, None]
        ]
    return [STRUCTURE_HEADER, *rows]


def dataset_sheets(export: Export, split: bool) -> dict[str, list[int]]:
    """Column positions of each dataset sheet: all in ``Dataset``, or about half
    each in Dataset(1) and Dataset(2), both starting with the respondent id."""
    if not split:
        return {"Dataset": list(range(len(export.header)))}
    id_position = export.header.index(export.id_column)
    others = [i for i in range(len(export.header)) if i != id_position]
    half = (len(others) + 1) // 2
    return {
        SPLIT_SHEETS[0]: [id_position, *others[:half]],
        SPLIT_SHEETS[1]: [id_position, *others[half:]],
    }


def workbook_sheets(
    export: Export, questionnaire: Questionnaire, cfg: dict, split: bool, file: str
) -> dict[str, list[list]]:
    """Every sheet's rows as typed values (None for an empty cell)."""
    rows = typed_rows(export, cfg["formats"]["timestamp_format"], file)
    sheets = {
        name: [[export.header[i] for i in columns], *([row[i] for i in columns] for row in rows)]
        for name, columns in dataset_sheets(export, split).items()
    }
    sheets["Labels"] = [[field, number_value(code), text] for field, code, text in export.labels]
    sheets["Structure"] = structure_rows(export, questionnaire)
    return sheets


def write_workbook(path: Path, sheets: dict[str, list[list]], created: dt.datetime) -> None:
    """An .xlsx of ``sheets`` with typed cells: numbers, datetimes (shown in
    SurveyXact's timestamp form), strings (never read as formulas or URLs).
    The fixed creation time makes the bytes the same on every run."""
    import xlsxwriter

    with atomic_path(path) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        workbook.set_properties({"created": created})
        if sum(len(rows) for rows in sheets.values()) > ZIP64_ROWS:
            workbook.use_zip64()  # a large export's sheet passes zip's 4 GiB limit
        timestamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for name, rows in sheets.items():
            sheet = workbook.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, dt.datetime):
                        sheet.write_datetime(r, c, value, timestamp)
                    elif isinstance(value, (int, float)):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, value)
        workbook.close()


# ------------------------------------------------------------------ sav


def sav_frame_and_labels(export: Export, cfg: dict, file: str):
    """The .sav's data frame (numbers as float, timestamps as datetimes, text as
    str) and value labels ``{variable: {code: text}}`` from the labels rows."""
    import pandas as pd

    rows = typed_rows(export, cfg["formats"]["timestamp_format"], file)
    columns = {}
    for i, (name, kind) in enumerate(zip(export.header, export.kinds)):
        values = [row[i] for row in rows]
        if kind == TEXT:
            columns[name] = pd.Series(["" if v is None else v for v in values], dtype=object)
        elif kind == TIMESTAMP:
            columns[name] = pd.Series(pd.to_datetime(values))
        else:
            columns[name] = pd.Series(
                [float("nan") if v is None else float(v) for v in values], dtype=float
            )
    value_labels: dict[str, dict] = {}
    for field, code, text in export.labels:
        value_labels.setdefault(field, {})[number_value(code)] = text
    return pd.DataFrame(columns), value_labels


def sav_created(created: dt.datetime) -> bytes:
    """The .sav header's creation date and time ("01 May 14" "00:00:00")."""
    return (
        f"{created.day:02d} {SAV_MONTHS[created.month - 1]} {created:%y}{created:%H:%M:%S}".encode(
            "ascii"
        )
    )


def write_sav(path: Path, frame, value_labels: dict, created: dt.datetime) -> None:
    """An SPSS .sav, its header's creation time set to ``created`` (pyreadstat
    writes the clock time there) so that the bytes are the same on every run."""
    import pyreadstat

    with atomic_path(path) as temporary:
        pyreadstat.write_sav(frame, str(temporary), variable_value_labels=value_labels)
        data = bytearray(temporary.read_bytes())
        data[SAV_CREATED_AT] = sav_created(created)
        temporary.write_bytes(bytes(data))


# ------------------------------------------------------------------ entry point


def write_export(
    out: Path,
    format_value: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    labels: Sequence[Sequence[str]],
    questionnaire: Questionnaire,
    cfg: dict,
) -> list[Path]:
    """Write the canonical export (as ``udsyn.synthetic.generator.generate_export`` gives
    it) to folder ``out`` in ``format_value``; returns the files written."""
    export_format = parse_format(format_value)
    export = apply_modifiers(
        canonical_export(header, rows, labels, cfg, questionnaire),
        export_format,
        cfg,
        questionnaire,
    )
    out = Path(out)
    created = dt.datetime.strptime(
        cfg["formats"]["file_created"], cfg["formats"]["timestamp_format"]
    )
    if export_format.base in TEXT_DIALECTS:
        return write_text_export(out, export, TEXT_DIALECTS[export_format.base])
    if export_format.base == "sav":
        path = out / "export.sav"
        write_sav(path, *sav_frame_and_labels(export, cfg, path.name), created)
        return [path]
    path = out / "export.xlsx"
    write_workbook(
        path,
        workbook_sheets(export, questionnaire, cfg, export_format.base == "xlsx-split", path.name),
        created,
    )
    return [path]
