"""Write the hostile-input corpus: one folder per case under tests/data/hostile/.

Each case is a tiny SurveyXact export (``dataset.csv``, ``labels.csv``) derived
from one valid four-row export written in the real dialect (``;``, UTF-8
without BOM, ``\\n``, minimal quoting; the column order and labels of
``config/questionnaire.yaml`` and ``config/synthetic.yaml``), with one thing
made wrong or odd, and ``expected.yaml``: what the pipeline must do with it.

    outcome: error   the validate/clean functions raise an InputError whose
                     message contains every string in ``message`` (file, row,
                     column, value, hint) and nothing else is written
    outcome: ok      the export is cleaned; ``kept``/``excluded`` list the rows,
                     ``changes`` rows that changes.csv must hold, ``values`` cells
                     of the clean tables, ``written`` cells as the CSV writer
                     writes them

``config`` holds the config overrides the case runs with (e.g. an encoding).
``files`` (optional) names the case's input files when they are not
``dataset.csv``/``labels.csv``: ``{dataset: export.xlsx, labels: export.xlsx}``
(a workbook or .sav holds both tables). Those cases are written with the
synthetic generator's format writers (``udsyn.synthetic.formats``), as
SurveyXact writes .xlsx, .sav and INTL exports, with one thing made wrong.
``tests/unit/test_hostile.py`` runs every case. Regenerate (deterministic, from the
repository root) and commit the output:

    .venv/bin/python tests/data/hostile/make_corpus.py
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import yaml

from udsyn.core import files
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.synthetic import formats
from udsyn.synthetic.generator import export_columns, labels_rows

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

QUESTIONNAIRE = build_questionnaire(files.read_yaml(ROOT / "config" / "questionnaire.yaml"))
SYNTHETIC = files.read_yaml(ROOT / "config" / "synthetic.yaml")
HEADER = export_columns(SYNTHETIC, QUESTIONNAIRE)
LABELS_HEADER = ["field_name", "field_value", "field_text"]
LABELS = labels_rows(SYNTHETIC, QUESTIONNAIRE)
ROLES = SYNTHETIC["roles"]
FAMILIES = {
    "statcompletion": 3,
    "statcreation": 7,
    "statdistribution": 5,
    "statsource": 6,
    "statcollect": 4,
    "statoverall": 5,
}


def respondent(number: int, kommune: str, role: str, navn: str, **answers: str) -> dict:
    """One dataset row: every column, empty unless given."""
    status = ROLES[role]
    started = role in ("complete", "partial")
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "respondentid": str(100000 + number),
            "created": f"2014-03-03 07:00:0{number}",
            "modified": f"2014-03-1{number} 10:20:00" if started else "",
            "starttime": f"2014-03-1{number} 10:00:00" if started else "",
            "closetime": f"2014-03-1{number} 10:20:00" if role == "complete" else "",
            "difftime": "1200,000" if role == "complete" else "",
            "responsecollectsessions": "1" if started else "0",
            "numberofreturnedmail": str(status["numberofreturnedmail"]),
            "distributionschedule": status["distributionschedule"],
            "email": f"{navn.split()[0].lower()}.fiktiv@{kommune.lower()}.kommune.invalid",
            "digitaldistributionstatus": str(status["digitaldistributionstatus"]),
            "kommune": kommune,
            "navn": navn,
            "stilling": "International koordinator",
            "gruppe": status["gruppe"],
        }
    )
    for family, size in FAMILIES.items():
        for i in range(1, size + 1):
            row[f"{family}_{i}"] = "1" if status[family] == i else "0"
    if started:  # multi-choice items not chosen are 0; Q2 is asked only when Q1 = Ja
        blocks = ("q2", "q12") if answers.get("q1") == "1" else ("q12",)
        row.update(
            {
                column: "0"
                for column in HEADER
                if column.split("_")[0] in blocks and column.split("_")[-1].isdigit()
            }
        )
    row.update(answers)
    return row


def base_rows() -> list[dict]:
    """The valid export: three answers (two take part, one does not) and one
    municipality that never started."""
    return [
        respondent(
            1,
            "Aarhus",
            "complete",
            "Anne Eksempel",
            q1="1",
            q2_1="1",
            q2_3="1",
            q3="1",
            q4="2",
            q5="1",
            q5_aar="2010",
            q6="1,5",
            q7="1",
            q8_1_type="3",
            q8_1_start="2009",
            q8_1_active="1",
            q8_2_type="1",
            q8_2_start="før 2007",
            q8_2_active="2",
            q9="2",
            q10="3",
            q11="2",
            q12_1="1",
            q13="Et godt initiativ",
        ),
        respondent(
            2,
            "Odense",
            "complete",
            "Bo Fiktiv",
            q1="1",
            q2_4="1",
            q3="2",
            q4="1",
            q5="2",
            q6="2",
            q7="2",
            q8_1_type="4",
            q8_1_start="ca. 2012",
            q8_1_active="1",
            q9="1",
            q10="2",
            q11="1",
            q12_2="1",
        ),
        respondent(3, "Vejle", "complete", "Carl Opdigtet", q1="2", q9="3", q10="9", q11="3"),
        respondent(4, "Herning", "not_started", "Dorte Testesen"),
    ]


def text_table(
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str = ";",
    terminators: tuple[str, ...] = ("\n",),
) -> str:
    """Rows in the export dialect (minimal quoting); record i ends with terminators[i % n]."""
    out = []
    for number, record in enumerate([header, *rows]):
        buffer = StringIO()
        # "\r\n" as the writer's terminator makes it quote a value holding \r or \n
        csv.writer(
            buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        ).writerow(record)
        out.append(buffer.getvalue()[:-2] + terminators[number % len(terminators)])
    return "".join(out)


class Case:
    """A case under construction: the base export, edited, then written."""

    def __init__(self) -> None:
        self.header = list(HEADER)
        self.rows = base_rows()
        self.labels = [list(row) for row in LABELS]
        self.delimiter = ";"
        self.encoding = "utf-8"
        self.terminators: tuple[str, ...] = ("\n",)
        self.dataset_bytes: bytes | None = None
        self.labels_bytes: bytes | None = None
        self.files: dict[str, bytes] | None = None  # instead of dataset.csv/labels.csv

    def set(self, row: int, **cells: str) -> Case:
        self.rows[row - 1].update(cells)
        return self

    def dataset(self) -> bytes:
        if self.dataset_bytes is not None:
            return self.dataset_bytes
        rows = [[row.get(column, "") for column in self.header] for row in self.rows]
        return text_table(
            self.header, rows, delimiter=self.delimiter, terminators=self.terminators
        ).encode(self.encoding)

    def labels_file(self) -> bytes:
        if self.labels_bytes is not None:
            return self.labels_bytes
        text = text_table(LABELS_HEADER, self.labels, delimiter=self.delimiter)
        return text.encode(self.encoding)


def export_of(c: Case) -> formats.Export:
    """The case's tables as the format writers take them."""
    rows = [[row.get(column, "") for column in c.header] for row in c.rows]
    return formats.canonical_export(c.header, rows, c.labels, SYNTHETIC, QUESTIONNAIRE)


def written_in(c: Case, format_value: str, edit=None) -> dict[str, bytes]:
    """The case's export written in ``format_value`` (udsyn.synthetic.formats),
    each file's bytes passed through ``edit(name, bytes)`` when given."""
    export = export_of(c)
    with tempfile.TemporaryDirectory() as folder:
        paths = formats.write_export(
            Path(folder),
            format_value,
            export.header,
            export.rows,
            export.labels,
            QUESTIONNAIRE,
            SYNTHETIC,
        )
        files = {path.name: path.read_bytes() for path in paths}
    return {name: edit(name, data) if edit else data for name, data in files.items()}


def file_bytes(write, name: str) -> bytes:
    """Bytes of the file ``write(path)`` writes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write(path)
        return path.read_bytes()


CREATED = dt.datetime.strptime(
    SYNTHETIC["formats"]["file_created"], SYNTHETIC["formats"]["timestamp_format"]
)


def workbook(c: Case, split: bool, edit) -> dict[str, bytes]:
    """export.xlsx of the case, its sheets (typed rows) passed through ``edit``."""
    sheets = formats.workbook_sheets(export_of(c), QUESTIONNAIRE, SYNTHETIC, split, "export.xlsx")
    edit(sheets)
    return {
        "export.xlsx": file_bytes(
            lambda path: formats.write_workbook(path, sheets, CREATED), "export.xlsx"
        )
    }


def unchanged_baseline() -> dict:
    return {"kept": [100001, 100002, 100003], "excluded": {100004: "no_response"}}


def error(*message: str, stage: str, config: dict | None = None) -> dict:
    return {
        "outcome": "error",
        "stage": stage,
        "message": list(message),
        **({"config": config} if config else {}),
    }


# ---------------------------------------------------------------------- cases
# Each function edits a Case and returns (description, expectations).

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


@case
def baseline(c: Case):
    return "The valid four-row export every other case is derived from.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "changes": [
            {"respondentid": 100001, "column": "q6", "rule": "decimal_comma"},
            {"respondentid": 100001, "column": "q8_2_start", "rule": "year_before"},
        ],
    }


@case
def delimiter_comma(c: Case):
    c.delimiter = ","
    c.labels_bytes = Case().labels_file()
    return (
        "Dataset delimited by ',', labels by ';': each file's delimiter is detected "
        "(survey.delimiter: auto)."
    ), {"outcome": "ok", **unchanged_baseline()}


@case
def delimiter_comma_forced_wrong(c: Case):
    c.delimiter = ","
    c.labels_bytes = Case().labels_file()
    return "Dataset delimited by ',' while config forces ';'.", error(
        "dataset.csv",
        "single column",
        "delimited by ','",
        "not ';'",
        "survey.delimiter",
        stage="read",
        config={"survey": {"delimiter": ";"}},
    )


@case
def delimiter_comma_configured(c: Case):
    c.delimiter = ","
    return "Both files delimited by ',' and config says so (survey.delimiter: ',').", {
        "outcome": "ok",
        "config": {"survey": {"delimiter": ","}},
        **unchanged_baseline(),
    }


@case
def encoding_cp1252_configured(c: Case):
    c.encoding = "cp1252"
    c.set(3, kommune="Køge", navn="Søren Prøvesen")
    c.set(1, q13="Første skridt mod ét fælles kontor")
    return "A cp1252 (Windows) export, and config says so (survey.encoding: cp1252).", {
        "outcome": "ok",
        "config": {"survey": {"encoding": "cp1252"}},
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100003,
                "column": "municipality_name",
                "equals": "Køge",
            },
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": "Første skridt mod ét fælles kontor",
            },
        ],
    }


@case
def encoding_cp1252_unconfigured(c: Case):
    c.encoding = "cp1252"
    c.set(3, kommune="Køge")
    return (
        "A cp1252 export with config left at auto: detected (bytes 0x80-0x9F would say "
        "cp1252; none here, so ISO-8859-15, which reads these bytes the same)."
    ), {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100003,
                "column": "municipality_name",
                "equals": "Køge",
            }
        ],
    }


@case
def encoding_mixed_utf8_cp1252(c: Case):
    c.set(3, kommune="Køge")
    c.set(2, q13="Godt samarbejde med STRAY")
    c.dataset_bytes = c.dataset().replace(b"STRAY", "caféen".encode("cp1252"))
    return (
        "A UTF-8 export with one answer saved in cp1252 (a hand edit, a pasted cell): "
        "two encodings in one file, which neither reads right; an error naming the cell."
    ), error(
        "dataset.csv",
        "row 2",
        "column 'q13'",
        "byte 0xE9 is not UTF-8",
        "'ø'",
        "mixes two encodings",
        stage="read",
    )


@case
def encoding_forced_wrong(c: Case):
    c.encoding = "cp1252"
    c.set(3, kommune="Køge")
    return (
        "A cp1252 export read as UTF-8 because config forces it: the first byte that "
        "does not decode is named ('ø' of 'før 2007' in row 1)."
    ), error(
        "dataset.csv",
        "row 1",
        "column 'q8_2_start'",
        "cannot be decoded as utf-8",
        "b'\\xf8r 2",
        "decodes as cp1252",
        "survey.encoding",
        stage="read",
        config={"survey": {"encoding": "utf-8"}},
    )


@case
def encoding_utf16_configured(c: Case):
    c.encoding = "utf-16"
    c.set(2, q13="Tæt samarbejde med Malmö")
    return "A UTF-16 export (with its byte-order mark), and config says so.", {
        "outcome": "ok",
        "config": {"survey": {"encoding": "utf-16"}},
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "Tæt samarbejde med Malmö",
            }
        ],
    }


@case
def encoding_utf16_unconfigured(c: Case):
    c.encoding = "utf-16"
    c.set(2, q13="Tæt samarbejde med Malmö")
    return "A UTF-16 export (with its byte-order mark) and config at auto: detected.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "Tæt samarbejde med Malmö",
            }
        ],
    }


@case
def utf8_bom(c: Case):
    c.dataset_bytes = b"\xef\xbb\xbf" + c.dataset()
    c.labels_bytes = b"\xef\xbb\xbf" + c.labels_file()
    return "UTF-8 with a byte-order mark (as Excel writes it): accepted.", {
        "outcome": "ok",
        **unchanged_baseline(),
    }


@case
def column_missing(c: Case):
    c.header.remove("q4")
    return "The dataset lacks a column the codebook expects (q4).", error(
        "dataset.csv",
        "column 'q4'",
        "required column for field 'q4' is missing",
        "survey.questionnaire",
        stage="validate",
    )


@case
def column_renamed(c: Case):
    c.header[c.header.index("q4")] = "Q4"
    for row in c.rows:
        row["Q4"] = row.pop("q4")
    return "A column renamed (q4 -> Q4): missing, with the look-alike named.", error(
        "dataset.csv",
        "column 'q4'",
        "required column for field 'q4' is missing",
        "closest columns in the export: 'Q4'",
        stage="validate",
    )


@case
def column_extra(c: Case):
    c.header.insert(20, "intern_note")
    c.set(1, intern_note='=HYPERLINK("http://example.invalid")')
    return "An extra column the codebook does not know: accepted, never read.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "absent_columns": ["intern_note"],
    }


@case
def columns_reordered(c: Case):
    c.header.reverse()
    return "Every column in reverse order: columns are read by name.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "international_fte",
                "equals": 1.5,
            }
        ],
    }


@case
def labels_missing_code(c: Case):
    c.labels = [row for row in c.labels if row[:2] != ["q3", "2"]]
    return "The labels table lacks a code of the questionnaire (q3 = 2).", error(
        "labels.csv",
        "field 'q3' has no label for code 2",
        "expects 'I nogen grad'",
        "label_map",
        stage="validate",
    )


@case
def labels_duplicate_code(c: Case):
    position = c.labels.index(["q3", "1", "I høj grad"])
    c.labels.insert(position + 1, ["q3", "1", "Meget"])
    return "The labels table gives one code two labels (q3 = 1).", error(
        "labels.csv",
        "column 'field_name'",
        "'q3'",
        "unique",
        "one row per field and code",
        stage="validate",
    )


@case
def labels_field_missing(c: Case):
    c.labels = [row for row in c.labels if row[0] != "q3"]
    return "The labels table has no labels at all for a coded field (q3).", error(
        "labels.csv",
        "field 'q3' has no label for code 1",
        "field 'q3' has no label for code 9",
        stage="validate",
    )


@case
def labels_empty(c: Case):
    c.labels_bytes = b""
    return "An empty labels file.", error("labels.csv", "is empty", stage="read")


@case
def code_out_of_range(c: Case):
    c.set(1, q3="7")
    return "A code outside the question's scale (q3 = 7).", error(
        "dataset.csv",
        "row 1",
        "column 'q3'",
        "'7'",
        "not one of the questionnaire's codes",
        stage="validate",
    )


@case
def code_as_text(c: Case):
    c.set(2, q1="Ja")
    return "A label typed where the code belongs (q1 = 'Ja').", error(
        "dataset.csv",
        "row 2",
        "column 'q1'",
        "'Ja'",
        "not one of the questionnaire's codes",
        stage="validate",
    )


@case
def status_not_binary(c: Case):
    c.set(3, statoverall_4="2")
    return "A status flag that is not 0/1.", error(
        "dataset.csv",
        "row 3",
        "column 'statoverall_4'",
        "'2'",
        "must be 0, 1 or empty",
        stage="validate",
    )


@case
def timestamp_format(c: Case):
    c.set(2, starttime="12-03-2014 10:00")
    return "A timestamp in another format than survey.timestamp_format.", error(
        "dataset.csv",
        "row 2",
        "column 'starttime'",
        "'12-03-2014 10:00'",
        "not a timestamp",
        stage="validate",
    )


@case
def timestamps_with_mixed_utc_offsets(c: Case):
    timing = ("created", "modified", "starttime", "closetime")
    for row in c.rows:  # winter time (+01:00), and one respondent in summer time (+02:00)
        for column in timing:
            if row[column]:
                row[column] = row[column].replace(" ", "T") + "+01:00"
    c.set(2, starttime="2014-03-31T10:00:00+02:00", closetime="2014-03-31T10:20:00+02:00")
    c.set(2, modified="2014-03-31T10:20:00+02:00")
    return (
        "ISO 8601 timestamps with UTC offsets that change with summer time, and a format "
        "with %z: read as instants (pandas refuses mixed offsets in one column)."
    ), {
        "outcome": "ok",
        "config": {"survey": {"timestamp_format": "%Y-%m-%dT%H:%M:%S%z"}},
        **unchanged_baseline(),
    }


@case
def respondentid_duplicate(c: Case):
    c.set(2, respondentid="100001")
    return "Two rows with the same respondentid.", error(
        "dataset.csv",
        "row 1",
        "row 2",
        "column 'respondentid'",
        "'100001'",
        "unique",
        stage="validate",
    )


@case
def respondentid_leading_zero(c: Case):
    c.set(2, respondentid="0100001")
    return "Two respondentids that are the same number ('100001', '0100001').", error(
        "dataset.csv",
        "row 2",
        "column 'respondentid'",
        "'0100001'",
        "leading zeros",
        stage="validate",
    )


@case
def respondentid_not_a_number(c: Case):
    c.set(3, respondentid="R-17")
    return "A respondentid that is not a whole number.", error(
        "dataset.csv", "row 3", "column 'respondentid'", "'R-17'", "whole number", stage="validate"
    )


@case
def empty_file(c: Case):
    c.dataset_bytes = b""
    return "An empty dataset file (0 bytes).", error(
        "dataset.csv", "the dataset file is empty", stage="read"
    )


@case
def header_only(c: Case):
    c.rows = []
    return "A dataset with its header and no rows: an error (nothing to analyse).", error(
        "dataset.csv", "header but no data rows", "export the dataset again", stage="validate"
    )


@case
def no_response_left(c: Case):
    for row in c.rows[:3]:
        row["gruppe"] = "TEST"
    return (
        "Every row is excluded (three test rows, one never started): an error, not an "
        "empty analysis.",
        error(
            "dataset.csv",
            "no row is kept as a response",
            "all 4 were excluded",
            "no_response 1",
            "test_response 3",
            "cleaning.test_marker",
            stage="clean",
        ),
    )


@case
def header_duplicate_column(c: Case):
    c.header.insert(30, "q4")
    return "The header names a column twice.", error(
        "dataset.csv", "names a column twice", "'q4'", stage="read"
    )


@case
def row_too_many_fields(c: Case):
    rows = [[row.get(column, "") for column in c.header] for row in c.rows]
    rows[1] = rows[1] + ["surplus"]
    c.dataset_bytes = text_table(c.header, rows).encode()
    return "A row with one field more than the header.", error(
        "dataset.csv",
        "row 2",
        f"has {len(c.header) + 1} fields where the header has {len(c.header)}",
        "delimiter",
        stage="read",
    )


@case
def quote_unclosed(c: Case):
    text = c.dataset().decode()
    lines = text.split("\n")
    lines[2] = lines[2].replace(";Bo Fiktiv;", ';"Bo Fiktiv;')
    c.dataset_bytes = "\n".join(lines).encode()
    return "A quoted value that is never closed (it would swallow the rest of the file).", error(
        "dataset.csv", "row 2", "column 'navn'", "never closed", "close the quote", stage="read"
    )


@case
def quote_then_text(c: Case):
    c.set(2, q13="QUOTED")
    c.dataset_bytes = c.dataset().replace(b"QUOTED", b'"Projekt Nord" er godt')
    return (
        "A free-text answer that starts quoted and goes on after the closing quote (a hand "
        "edit; SurveyXact quotes the whole value): an error, not read with its quotes dropped."
    ), error(
        "dataset.csv",
        "row 2",
        "column 'q13'",
        "goes on after its closing quote",
        "'\"Projekt Nord\" er godt'",
        stage="read",
    )


@case
def nul_byte(c: Case):
    c.set(2, q13="Kontakt\x00os")
    return "A NUL byte inside a free-text answer: an error, not stripped.", error(
        "dataset.csv",
        "row 2",
        "column 'q13'",
        "NUL byte",
        "'Kontakt\\x00os'",
        "UTF-16",
        stage="read",
    )


@case
def line_endings_mixed(c: Case):
    c.terminators = ("\r\n", "\n", "\r")
    c.set(1, q13="Første linje\r\nanden linje")
    return "Records ending in \\r\\n, \\n and \\r in one file, a \\r\\n inside a quoted answer.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": "Første linje\r\nanden linje",
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "international_fte",
                "equals": 2.0,
            },
        ],
    }


@case
def free_text_1mb(c: Case):
    c.set(1, q13="Lang tekst. " * ((1 << 20) // 12) + "Slut")
    length = len(c.rows[0]["q13"])
    return "A free-text answer of about 1 MB: cut to cleaning.max_text_chars, logged.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "changes": [
            {
                "respondentid": 100001,
                "column": "q13",
                "rule": "text_truncated",
                "raw_value": f"[not repeated: {length} characters]",
            }
        ],
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "startswith": "Lang tekst. Lang tekst.",
                "endswith": f"[… {length - 10_000} more characters removed]",
            }
        ],
    }


@case
def municipality_unknown(c: Case):
    c.set(2, kommune="Atlantis")
    return "A municipality name that is in neither the register nor the alias table.", error(
        "dataset.csv",
        "row 2",
        "column 'kommune'",
        "'Atlantis'",
        "closest register names",
        "alias table",
        stage="clean",
    )


@case
def municipality_missing(c: Case):
    c.set(1, kommune="")
    return "An answering row without a municipality name.", error(
        "dataset.csv", "row 1", "column 'kommune'", "municipality name is missing", stage="clean"
    )


@case
def municipality_predecessor(c: Case):
    c.set(1, kommune="Ramsø")
    c.set(2, kommune="Ærøskøbing Kommune")
    c.set(3, kommune="Nykoebing Falster")
    return (
        "Pre-2007 municipality names (Ramsø, Ærøskøbing, Nykøbing Falster): matched to "
        "their successor by data/raw/register/predecessors.csv, logged."
    ), {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "municipality_code",
                "equals": 265,
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "municipality_code",
                "equals": 492,
            },
            {
                "table": "respondents",
                "respondentid": 100003,
                "column": "municipality_code",
                "equals": 376,
            },
        ],
        "changes": [
            {
                "respondentid": 100001,
                "column": "kommune",
                "rule": "name_predecessor",
                "raw_value": "Ramsø",
                "clean_value": "265 Roskilde",
            },
            {
                "respondentid": 100002,
                "column": "kommune",
                "rule": "name_predecessor",
                "clean_value": "492 Ærø",
            },
            {
                "respondentid": 100003,
                "column": "kommune",
                "rule": "name_predecessor",
                "clean_value": "376 Guldborgsund",
            },
        ],
    }


@case
def municipality_predecessor_split(c: Case):
    c.set(2, kommune="Slangerup")
    return "A pre-2007 municipality split between two successors: an error naming both.", error(
        "dataset.csv",
        "row 2",
        "column 'kommune'",
        "'Slangerup'",
        "split between",
        "Frederikssund (250, most of it)",
        "Hillerød (219, a part)",
        "alias line",
        stage="clean",
    )


@case
def years_out_of_range(c: Case):
    c.set(1, q5_aar="2031", q8_1_start="1850")
    c.set(2, q8_1_start="3000")
    return "Start years in the future and before 1900: missing, logged.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "strategy_year",
                "missing": True,
            },
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "strategy_year_rule",
                "equals": "year_out_of_range",
            },
        ],
        "changes": [
            {
                "respondentid": 100001,
                "column": "q5_aar",
                "rule": "year_out_of_range",
                "raw_value": "2031",
            },
            {
                "respondentid": 100001,
                "column": "q8_1_start",
                "rule": "year_out_of_range",
                "raw_value": "1850",
            },
            {
                "respondentid": 100002,
                "column": "q8_1_start",
                "rule": "year_out_of_range",
                "raw_value": "3000",
            },
        ],
    }


@case
def staff_negative(c: Case):
    c.set(1, q6="-3")
    return "A negative number of staff (FTE): missing, logged.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "international_fte",
                "missing": True,
            }
        ],
        "changes": [
            {
                "respondentid": 100001,
                "column": "q6",
                "rule": "number_out_of_range",
                "raw_value": "-3",
            }
        ],
    }


@case
def staff_thousands_separator(c: Case):
    c.set(1, q6="1.000")
    c.set(2, q6="2,500")
    c.set(3, q6="0,125")
    return (
        "Staff (FTE) written with a separator and three digits ('1.000', '2,500'): a "
        "thousand in Danish, one in English; missing and logged, not read as either. "
        "'0,125' is a decimal."
    ), {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "international_fte",
                "missing": True,
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "international_fte",
                "missing": True,
            },
            {
                "table": "respondents",
                "respondentid": 100003,
                "column": "international_fte",
                "equals": 0.125,
            },
        ],
        "changes": [
            {
                "respondentid": 100001,
                "column": "q6",
                "rule": "number_ambiguous_separator",
                "raw_value": "1.000",
            },
            {
                "respondentid": 100002,
                "column": "q6",
                "rule": "number_ambiguous_separator",
                "raw_value": "2,500",
            },
        ],
    }


@case
def multiple_choice_option_appended(c: Case):
    c.header.insert(c.header.index("q2_9") + 1, "q2_10")
    c.set(1, q2_10="1")
    return (
        "A tenth Q2 option (q2_10) the questionnaire does not list: read without it, a "
        "respondent who chose only that option would count as having chosen none."
    ), error(
        "dataset.csv",
        "column 'q2_10'",
        "column q2_10 is option 10 of multiple-choice question q2, which the questionnaire "
        "lists 9 options for",
        "add it, in the survey's order",
        stage="validate",
    )


@case
def respondentid_in_other_digits(c: Case):
    c.set(3, respondentid="١٠٠٠٠٣")
    return (
        "A respondentid in Arabic-Indic digits (which Python's int() would read as 100003): "
        "only ASCII digits are a whole number here."
    ), error("dataset.csv", "row 3", "column 'respondentid'", "whole number", stage="validate")


@case
def staff_absurd(c: Case):
    c.set(1, q6="1000000")
    c.set(2, q6="1e9")
    return "Absurd staff numbers (a million; '1e9'): missing, logged.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "changes": [
            {"respondentid": 100001, "column": "q6", "rule": "number_out_of_range"},
            {"respondentid": 100002, "column": "q6", "rule": "number_unparseable"},
        ],
    }


@case
def formula_in_free_text(c: Case):
    c.set(1, q13='=HYPERLINK("http://example.invalid","klik")', q2_9_tekst="@SUM(A1:A9)")
    c.set(2, q13="+cmd|' /C calc'!A0", q12_6_tekst="-2+3")
    c.set(3, q13="-5")
    return (
        "Spreadsheet formulas (=, +, -, @ first) in free text: kept, written with a leading "
        "apostrophe, logged; a plain number ('-5') stays as it is."
    ), {
        "outcome": "ok",
        **unchanged_baseline(),
        "changes": [
            {
                "respondentid": 100001,
                "column": "q13",
                "rule": "formula_neutralised",
                "clean_value": '\'=HYPERLINK("http://example.invalid","klik")',
            },
            {"respondentid": 100001, "column": "q2_9_tekst", "rule": "formula_neutralised"},
            {"respondentid": 100002, "column": "q13", "rule": "formula_neutralised"},
            {"respondentid": 100002, "column": "q12_6_tekst", "rule": "formula_neutralised"},
        ],
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": '=HYPERLINK("http://example.invalid","klik")',
            }
        ],
        "written": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": '\'=HYPERLINK("http://example.invalid","klik")',
            },
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "purpose_other_text",
                "equals": "'@SUM(A1:A9)",
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "'+cmd|' /C calc'!A0",
            },
            {"table": "respondents", "respondentid": 100003, "column": "comment", "equals": "-5"},
            {
                "table": "changes",
                "respondentid": 100001,
                "column": "raw_value",
                "where": {"column": "q13"},
                "equals": '\'=HYPERLINK("http://example.invalid","klik")',
            },
        ],
    }


@case
def formula_tab_and_cr(c: Case):
    c.set(1, q13="\t=1+1")
    c.set(2, q13="\r=1+1")
    c.set(3, q13="første\randen")
    return (
        "Free text starting with a tab or a carriage return: neutralised like a formula; a "
        "lone carriage return inside text is written as a line feed (one record per row)."
    ), {
        "outcome": "ok",
        **unchanged_baseline(),
        "changes": [
            {"respondentid": 100001, "column": "q13", "rule": "formula_neutralised"},
            {
                "respondentid": 100002,
                "column": "q13",
                "rule": "formula_neutralised+line_break_normalised",
            },
            {
                "respondentid": 100003,
                "column": "q13",
                "rule": "line_break_normalised",
                "clean_value": "første\nanden",
            },
        ],
        "written": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": "'\t=1+1",
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "'\n=1+1",
            },
        ],
    }


@case
def formula_in_labels(c: Case):
    position = c.labels.index(["q1", "2", "Nej"])
    c.labels[position] = ["q1", "2", "=cmd|' /C calc'!A0"]
    return (
        "A label text that is a spreadsheet formula: not the questionnaire's label, so "
        "the build stops naming it (a label never reaches the results unchecked)."
    ), error(
        "labels.csv",
        "column 'field_text'",
        "field 'q1', code 2",
        "expects 'Nej'",
        "=cmd|' /C calc'!A0",
        stage="validate",
    )


@case
def markup_in_free_text(c: Case):
    c.set(1, q13="<script>alert(1)</script>")
    c.set(2, q13='<img src=x onerror="alert(1)"> &amp; <b>vigtigt</b>')
    return "HTML and script in free text: kept as text (the report escapes it), not a change.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": "<script>alert(1)</script>",
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": '<img src=x onerror="alert(1)"> &amp; <b>vigtigt</b>',
            },
        ],
        "no_changes_in": ["q13"],
    }


@case
def personal_data_in_free_text(c: Case):
    c.set(1, q13="Skriv til jens.hansen@aarhus.invalid eller ring +45 12 34 56 78")
    c.set(2, q13="Mit CPR er 010203-1234, mobil 87654321")
    return "E-mail, phone and CPR-like numbers in free text: replaced, raw value withheld.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100001,
                "column": "comment",
                "equals": "Skriv til [e-mail removed] eller ring [phone removed]",
            },
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "Mit CPR er [CPR removed], mobil [phone removed]",
            },
        ],
        "changes": [
            {
                "respondentid": 100001,
                "column": "q13",
                "rule": "scrub_email+scrub_phone",
                "raw_value": "[withheld: contained personal data]",
            },
            {
                "respondentid": 100002,
                "column": "q13",
                "rule": "scrub_cpr+scrub_phone",
                "raw_value": "[withheld: contained personal data]",
            },
        ],
        "nowhere": ["jens.hansen", "12 34 56", "010203", "87654321"],
    }


@case
def respondent_name_in_free_text(c: Case):
    c.set(2, navn="Karen Prøvesen", q13="Spørg Karen Prøvesen eller KAREN direkte")
    return "The respondent's own name in free text: replaced, raw value withheld.", {
        "outcome": "ok",
        **unchanged_baseline(),
        "values": [
            {
                "table": "respondents",
                "respondentid": 100002,
                "column": "comment",
                "equals": "Spørg [name removed] eller [name removed] direkte",
            }
        ],
        "changes": [{"respondentid": 100002, "column": "q13", "rule": "scrub_name"}],
        "nowhere": ["Prøvesen", "Karen"],
    }


@case
def xlsx_no_labels_sheet(c: Case):
    c.files = workbook(c, False, lambda sheets: sheets.pop("Labels"))
    return "An Excel export (.xlsx) with a Dataset sheet but no Labels sheet.", {
        **error("export.xlsx", "Labels", stage="read"),
        "files": {"dataset": "export.xlsx", "labels": "export.xlsx"},
    }


@case
def xlsx_structure_options_reordered(c: Case):
    def swap_third_and_fourth_purpose(sheets):
        rows = {row[1]: row for row in sheets["Structure"] if row[1] in ("q2_3", "q2_4")}
        rows["q2_3"][6], rows["q2_4"][6] = rows["q2_4"][6], rows["q2_3"][6]

    c.files = workbook(c, False, swap_third_and_fourth_purpose)
    return (
        "An .xlsx export whose Structure sheet lists Q2's third and fourth options the other "
        "way round from the questionnaire: read by position, every answer to them would be "
        "the other option's; an error naming both columns and texts."
    ), {
        **error(
            "export.xlsx [sheet Structure]",
            "column 'choiceText'",
            "variable q2_3 is the option 'Tiltrækning af arbejdskraft' in the export, but "
            "the questionnaire reads it as 'Erhvervsfremme'",
            "variable q2_4",
            "in the survey's order",
            stage="validate",
        ),
        "files": {"dataset": "export.xlsx", "labels": "export.xlsx"},
    }


@case
def xlsx_split_respondent_missing(c: Case):
    def drop_second_respondent(sheets):
        sheets["Dataset(2)"] = [row for row in sheets["Dataset(2)"] if row[0] != 100002]

    c.files = workbook(c, True, drop_second_respondent)
    return (
        "A wide .xlsx export split over Dataset(1) and Dataset(2) where respondent 100002's row "
        "is missing from Dataset(2): the parts cannot be joined row for row."
    ), {
        **error("export.xlsx", "Dataset(2)", "100002", stage="read"),
        "files": {"dataset": "export.xlsx", "labels": "export.xlsx"},
    }


@case
def sav_variable_without_labels(c: Case):
    export = formats.with_short_names(export_of(c))
    frame, value_labels = formats.sav_frame_and_labels(export, SYNTHETIC, "export.sav")
    del value_labels["q1"]
    c.files = {
        "export.sav": file_bytes(
            lambda path: formats.write_sav(path, frame, value_labels, CREATED), "export.sav"
        )
    }
    return "An SPSS export (.sav, short names) where the coded variable q1 has no value labels.", {
        **error(
            "export.sav", "field 'q1' has no label for code 1", "expects 'Ja'", stage="validate"
        ),
        "files": {"dataset": "export.sav", "labels": "export.sav"},
    }


@case
def utf16_without_bom(c: Case):
    c.files = written_in(c, "intl", lambda name, data: data[2:] if name == "dataset.csv" else data)
    return (
        "SurveyXact's INTL dialect (UTF-16 LE, tab, CRLF) with the dataset written without its "
        "byte-order mark (labels.csv keeps it)."
    ), {
        **error("dataset.csv", "UTF-16", "byte-order mark", stage="read"),
        "files": {"dataset": "dataset.csv", "labels": "labels.csv"},
    }


@case
def labels_unknown_field(c: Case):
    c.labels.append(["q99", "1", "Ja"])
    c.files = written_in(c, "csv")
    return (
        "A labels table (no header row, as SurveyXact writes it) with a row for a field (q99) "
        "that is not a column of the dataset."
    ), {
        **error("labels.csv", "q99", stage="validate"),
        "files": {"dataset": "dataset.csv", "labels": "labels.csv"},
    }


# ---------------------------------------------------------------------- writing


def main() -> None:
    for folder in HERE.iterdir():
        if folder.is_dir() and (folder / "expected.yaml").exists():
            shutil.rmtree(folder)
    for name, build in CASES.items():
        built = Case()
        description, expected = build(built)
        folder = HERE / name
        folder.mkdir()
        files = built.files or {"dataset.csv": built.dataset(), "labels.csv": built.labels_file()}
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        document = {"description": description, **expected}
        (folder / "expected.yaml").write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
    print(f"wrote {len(CASES)} cases under {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
