"""udsyn.ingest.export_formats: every format SurveyXact writes reads to the same table,
what was detected is reported, and every file that could be misread is refused
with an InputError naming file, sheet, row, column and value.

Fixtures are written in tmp_path with the csv module, codecs, xlsxwriter and
pyreadstat, the way each export looks (docs/surveyxact-export.md).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io as stdio
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.ingest import export_formats as ef
from udsyn.ingest.export_formats import ReadOptions, export_format, read_dataset, read_labels

AUTO = ReadOptions()
HEADER = ["respondentid", "q1", "comment", "closetime"]
ROWS = [
    ["1", "1", 'æøå; "quoted"\nsecond line', "2021-09-02 18:49:08"],
    ["2", "", "Ja", ""],
    ["30", "2", "", "2021-01-01 00:00:00"],
]
LABELS = [["q1", "1", "Ja"], ["q1", "2", "Nej "], ["q1", "6", "Både og"]]
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def expected_dataset() -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series([row[i] for row in ROWS], dtype="str") for i, name in enumerate(HEADER)}
    )


def expected_labels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: pd.Series([row[i] for row in LABELS], dtype="str")
            for i, name in enumerate(ef.LABEL_COLUMNS)
        }
    )


# ------------------------------------------------------------------ writers


def minimal_text(rows, delimiter=",", newline="\n") -> str:
    out = stdio.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def eu_text(rows) -> str:
    """SurveyXact EU: ';', CRLF, every text quoted, numbers and empty cells bare."""

    def field(value: str) -> str:
        if value == "" or PLAIN_NUMBER.fullmatch(value):
            return value
        return '"' + value.replace('"', '""') + '"'

    return "".join(";".join(field(v) for v in row) + "\r\n" for row in rows)


DIALECTS = {
    # name: (bytes from rows, expected encoding, delimiter, quoting)
    "utf-8": (lambda rows: minimal_text(rows).encode("utf-8"), "utf-8", ",", "minimal"),
    "utf-8 BOM": (
        lambda rows: codecs.BOM_UTF8 + minimal_text(rows, ";").encode("utf-8"),
        "utf-8-sig",
        ";",
        "minimal",
    ),
    "EU": (
        lambda rows: eu_text(rows).encode("iso-8859-15"),
        "iso-8859-15",
        ";",
        "all text quoted",
    ),
    "INTL": (
        lambda rows: codecs.BOM_UTF16_LE + minimal_text(rows, "\t", "\r\n").encode("utf-16-le"),
        "utf-16-le",
        "tab",
        "minimal",
    ),
    "Excel cp1252": (
        lambda rows: minimal_text(rows, ",", "\r\n").encode("cp1252"),
        "iso-8859-15",
        ",",
        "minimal",
    ),
}


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def assert_clean_message(error: InputError, *parts: str) -> str:
    """The message names every part, and no library's class or traceback."""
    message = str(error)
    for part in parts:
        assert part in message, (part, message)
    for leak in (
        "Traceback",
        "CalamineError",
        "ReadstatError",
        "ParseError",
        "UnicodeDecodeError",
        "ArrowInvalid",
        "BadZipFile",
        "Exception",
    ):
        assert leak not in message, (leak, message)
    assert "What to do:" in message
    return message


# ------------------------------------------------------------------ text dialects


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_text_dialect_reads_the_same_table(dialect, tmp_path):
    make, encoding, delimiter, quoting = DIALECTS[dialect]
    path = write(tmp_path / "dataset.csv", make([HEADER] + ROWS))
    frame, detected = read_dataset(path, AUTO)
    pd.testing.assert_frame_equal(frame, expected_dataset())
    assert isinstance(frame.index, pd.RangeIndex)
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert (detected.role, detected.file, detected.format, detected.sheet) == (
        "dataset",
        str(path),
        "delimited text",
        "",
    )
    assert (detected.encoding, detected.delimiter, detected.quoting, detected.header) == (
        encoding,
        delimiter,
        quoting,
        "present",
    )
    assert "encoding" in detected.how and "detected" in detected.how


def test_how_says_why_for_each_property(tmp_path):
    make = DIALECTS["INTL"][0]
    _, detected = read_dataset(write(tmp_path / "d.csv", make([HEADER] + ROWS)), AUTO)
    assert "byte-order mark FF FE" in detected.how
    assert "delimiter tab detected" in detected.how
    make = DIALECTS["Excel cp1252"][0]
    _, detected = read_dataset(write(tmp_path / "e.csv", make([HEADER] + ROWS)), AUTO)
    assert "the same text as cp1252 for this file" in detected.how


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_labels_with_and_without_header_read_the_same(dialect, tmp_path):
    make, encoding, delimiter, _ = DIALECTS[dialect]
    bare = write(tmp_path / "bare.csv", make(LABELS))
    headed = write(tmp_path / "headed.csv", make([["variable", "code", "label"]] + LABELS))
    without, detected_without = read_labels(bare, AUTO)
    with_header, detected_with = read_labels(headed, AUTO)
    pd.testing.assert_frame_equal(without, expected_labels())
    pd.testing.assert_frame_equal(with_header, expected_labels())
    assert detected_without.header == "absent" and detected_with.header == "present"
    assert detected_without.role == "labels"
    for detected in (detected_with, detected_without):
        assert (detected.encoding, detected.delimiter) == (encoding, delimiter)


def test_labels_keep_trailing_spaces(tmp_path):
    frame, _ = read_labels(write(tmp_path / "l.csv", eu_text(LABELS).encode("iso-8859-15")), AUTO)
    assert frame["field_text"].tolist() == ["Ja", "Nej ", "Både og"]


def test_cp1252_bytes_0x80_to_0x9f_mean_cp1252(tmp_path):
    rows = [["id", "text"], ["1", "€ – “citat”"]]
    path = write(tmp_path / "d.csv", minimal_text(rows).encode("cp1252"))
    frame, detected = read_dataset(path, AUTO)
    assert frame["text"].tolist() == ["€ – “citat”"]
    assert detected.encoding == "cp1252" and "0x80-0x9F" in detected.how


def test_ambiguous_bytes_in_the_eu_dialect_are_iso_8859_15(tmp_path):
    rows = [["id", "text"], ["1", "pris 5 €"]]
    frame, detected = read_dataset(
        write(tmp_path / "d.csv", eu_text(rows).encode("iso-8859-15")), AUTO
    )
    assert frame["text"].tolist() == ["pris 5 €"]
    assert detected.encoding == "iso-8859-15" and "EU dialect" in detected.how


def test_quoting_none_reads_a_quote_as_a_character(tmp_path):
    path = write(tmp_path / "d.csv", b'id;text\n1;"half\n2;x"y\n')
    frame, detected = read_dataset(path, ReadOptions(quoting="none"))
    assert frame["text"].tolist() == ['"half', 'x"y']
    assert detected.quoting == "none" and "quoting configured none" in detected.how


def test_quoting_detected_none_without_quotes(tmp_path):
    _, detected = read_dataset(write(tmp_path / "d.csv", b"id;text\n1;a\n"), AUTO)
    assert detected.quoting == "none"


# ------------------------------------------------------------------ configured options


def test_configured_encoding_overrides_detection(tmp_path):
    # ',' and an ambiguous byte: refused when detected, read when configured
    path = write(tmp_path / "d.csv", "id,text\n1,5 €\n".encode("iso-8859-15"))
    with pytest.raises(InputError):
        read_dataset(path, AUTO)
    frame, detected = read_dataset(path, ReadOptions(encoding="cp1252"))
    assert frame["text"].tolist() == ["5 ¤"]
    assert detected.encoding == "cp1252" and "configured cp1252" in detected.how
    frame, _ = read_dataset(path, ReadOptions(encoding="iso-8859-15"))
    assert frame["text"].tolist() == ["5 €"]


def test_configured_utf16_le_without_bom_is_read(tmp_path):
    path = write(tmp_path / "d.csv", "id\ttext\r\n1\tæ\r\n".encode("utf-16-le"))
    frame, detected = read_dataset(path, ReadOptions(encoding="utf-16-le"))
    assert frame["text"].tolist() == ["æ"] and detected.encoding == "utf-16-le"


def test_unknown_configured_encoding_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", b"id;a\n1;2\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, ReadOptions(encoding="klingon-8"))
    assert_clean_message(error.value, str(path), "klingon-8", "iso-8859-15")


def test_labels_sheet_with_a_header_row(tmp_path):
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {"Dataset": [HEADER], "Labels": [["Variable", "Code", "Label"]] + typed(LABELS)},
    )
    frame, detected = read_labels(path, AUTO)
    pd.testing.assert_frame_equal(frame, expected_labels())
    assert detected.header == "present" and "detected from row 1" in detected.how


def test_headerless_read_text_table_numbers_rows_from_the_first_record(tmp_path):
    from udsyn.core import files

    path = write(tmp_path / "l.csv", b"q1;1;Ja\nq1;2\n")
    with pytest.raises(InputError) as error:
        files.read_text_table(path, delimiter=";", header=False, names=ef.LABEL_COLUMNS)
    assert_clean_message(error.value, str(path), "row 2", "has 2 fields where the table has 3")


def test_configured_utf16_needs_a_bom(tmp_path):
    path = write(tmp_path / "d.csv", "id\ttext\r\n1\tæ\r\n".encode("utf-16-le"))
    with pytest.raises(InputError) as error:
        read_dataset(path, ReadOptions(encoding="utf-16"))
    assert_clean_message(error.value, str(path), "byte-order mark", "utf-16-le")


def test_configured_encoding_that_does_not_decode_names_row_and_column(tmp_path):
    path = write(tmp_path / "d.csv", "id;text\n1;ok\n2;bl€\n".encode("cp1252"))
    with pytest.raises(InputError) as error:
        read_dataset(path, ReadOptions(encoding="utf-8"))
    assert_clean_message(error.value, str(path), "row 2", "column 'text'", "cp1252")


def test_configured_delimiter_overrides_detection(tmp_path):
    path = write(tmp_path / "d.csv", b"a;b,c\n1;2,3\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "survey.delimiter")
    frame, detected = read_dataset(path, ReadOptions(delimiter=","))
    assert list(frame.columns) == ["a;b", "c"] and detected.delimiter == ","
    assert "delimiter , configured" in detected.how


def test_configured_labels_header(tmp_path):
    path = write(tmp_path / "l.csv", b"v;c;t\nq1;1;Ja\n")
    with pytest.raises(InputError) as error:
        read_labels(path, AUTO)
    assert_clean_message(error.value, str(path), "row 1", "survey.labels_header", "'v'")
    frame, detected = read_labels(path, ReadOptions(labels_header="present"))
    assert frame.values.tolist() == [["q1", "1", "Ja"]] and detected.header == "present"
    frame, _ = read_labels(path, ReadOptions(labels_header="absent"))
    assert frame.values.tolist() == [["v", "c", "t"], ["q1", "1", "Ja"]]


# ------------------------------------------------------------------ text refusals


@pytest.mark.parametrize("order,guess", [("utf-16-le", "LE"), ("utf-16-be", "BE")])
def test_utf16_without_bom_is_refused(order, guess, tmp_path):
    path = write(tmp_path / "d.csv", "id\ttext\r\n1\tæ\r\n".encode(order))
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(
        error.value,
        str(path),
        "UTF-16 without a byte-order mark",
        f"UTF-16 {guess}",
        f"survey.encoding: {order}",
    )


def test_ambiguous_byte_outside_the_eu_dialect_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", "id,text\n1,ok\n2,5 €\n".encode("iso-8859-15"))
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(
        error.value,
        str(path),
        "row 2",
        "column 'text'",
        "0xA4",
        "'€' in ISO-8859-15",
        "'¤' in cp1252",
        "survey.encoding",
    )


def test_byte_undefined_in_cp1252_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", b"id;text\n1;\x80 ok\n2;a\x81b\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "row 2", "column 'text'", "0x81")


def test_no_delimiter_fits(tmp_path):
    path = write(tmp_path / "d.csv", b"justonecolumn\nvalue\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "no delimiter", "tab", "survey.delimiter")


def test_ragged_rows_are_refused(tmp_path):
    # a ragged record makes ';' invalid; configured, the reader names the row
    path = write(tmp_path / "d.csv", b"id;text\n1;a\n2;b;c\n")
    with pytest.raises(InputError):
        read_dataset(path, AUTO)
    with pytest.raises(InputError) as error:
        read_dataset(path, ReadOptions(delimiter=";"))
    assert_clean_message(error.value, str(path), "row 2")


def test_empty_file_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le"))
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "empty")


def test_stray_nul_byte_is_named_by_row_and_column_not_called_utf16(tmp_path):
    path = write(tmp_path / "d.csv", b"id;text\n1;ok\n2;a\x00b\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    message = assert_clean_message(error.value, str(path), "row 2", "column 'text'", "NUL")
    assert "byte-order mark" not in message


def test_duplicate_header_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", b"id;q1;q1\n1;2;3\n")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "twice", "q1")


def test_labels_need_three_columns(tmp_path):
    path = write(tmp_path / "l.csv", b"q1;1;Ja;extra\nq1;2;Nej;extra\n")
    with pytest.raises(InputError) as error:
        read_labels(path, AUTO)
    assert_clean_message(error.value, str(path))
    with pytest.raises(InputError) as error:
        read_labels(path, ReadOptions(delimiter=";"))
    assert_clean_message(error.value, str(path), "3 columns", "row 1")


# ------------------------------------------------------------------ format by magic


def test_format_from_magic_not_extension(tmp_path):
    xlsx = write_xlsx(tmp_path / "renamed.csv", {"Dataset": [HEADER]})
    assert export_format(xlsx) == "xlsx"
    assert export_format(write(tmp_path / "x.xlsx", b"id;a\n1;2\n")) == "delimited text"
    assert export_format(write(tmp_path / "s.csv", b"$FL2rest")) == "sav"
    assert export_format(write(tmp_path / "s3.csv", b"$FL3rest")) == "sav"


@pytest.mark.parametrize(
    "data,what",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"%PDF-1.7\n", "PDF"),
        (b"<?xml version='1.0'?><html/>", "not an Excel-XML"),
    ],
)
def test_other_files_are_refused_saying_what_they_are(data, what, tmp_path):
    path = write(tmp_path / "export.csv", data)
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), what)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "Word document")


def test_damaged_workbook_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all <")
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "Excel workbook")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as error:
        read_dataset(tmp_path / "nowhere.csv", AUTO)
    assert_clean_message(error.value, "nowhere.csv", "does not exist")


# ------------------------------------------------------------------ xlsx


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = book.add_format({"num_format": "hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, stamp)
                elif isinstance(value, dt.time):
                    sheet.write_datetime(r, c, value, clock)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def typed(rows: list[list[str]]) -> list[list[object]]:
    """The table's cells as a workbook holds them: numbers, timestamps, text."""

    def cell(value: str) -> object:
        if re.fullmatch(r"\d+", value):
            return int(value)
        if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
            return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        return value

    return [[cell(v) for v in row] for row in rows]


def csv_read(tmp_path: Path) -> pd.DataFrame:
    return read_dataset(
        write(tmp_path / "ref.csv", eu_text([HEADER] + ROWS).encode("iso-8859-15")), AUTO
    )[0]


def test_xlsx_single_sheet_reads_as_the_csv(tmp_path):
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {
            "Labels": typed(LABELS),
            "Dataset": [HEADER] + typed(ROWS),
            "Structure": [["questionName", "variableName"]],
        },
    )
    frame, detected = read_dataset(path, AUTO)
    pd.testing.assert_frame_equal(frame, csv_read(tmp_path))
    assert (
        detected.format,
        detected.sheet,
        detected.encoding,
        detected.delimiter,
        detected.header,
    ) == ("xlsx", "Dataset", "", "", "present")
    assert "Structure ignored" in detected.how
    labels, detected = read_labels(path, AUTO)
    pd.testing.assert_frame_equal(labels, expected_labels())
    assert (detected.sheet, detected.header) == ("Labels", "absent")


def test_xlsx_split_sheets_are_joined_on_the_respondent_id(tmp_path):
    ids = [[row[0]] for row in [HEADER] + ROWS]
    part1 = [i + row[1:2] for i, row in zip(ids, [HEADER] + ROWS)]
    part2 = [i + row[2:] for i, row in zip(ids, [HEADER] + ROWS)]
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {"Dataset(2)": typed(part2), "Dataset(1)": typed(part1), "Labels": typed(LABELS)},
    )
    frame, detected = read_dataset(path, AUTO)
    pd.testing.assert_frame_equal(frame, csv_read(tmp_path))
    assert detected.sheet == "Dataset(1)+Dataset(2)"


def test_xlsx_split_parts_with_different_ids_are_refused(tmp_path):
    part1 = [["responde", "q1"], [1, 1], [2, 2]]
    part2 = [["responde", "q2"], [1, 1], [3, 2]]
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset(1)": part1, "Dataset(2)": part2})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(
        error.value, f"{path} [sheet Dataset(1)]", "row 2", "'2'", "missing from sheet Dataset(2)"
    )


def test_xlsx_split_parts_sharing_a_column_are_refused(tmp_path):
    part1 = [["responde", "q1"], [1, 1]]
    part2 = [["responde", "q1"], [1, 1]]
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset(1)": part1, "Dataset(2)": part2})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "[sheet Dataset(2)]", "column 'q1'")


def test_xlsx_numbers_render_as_a_csv_writes_them(tmp_path):
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {"Dataset": [["id", "n"], [1, 27.22], [2, 3.0], [3, -0.1], [4, 1e-7], [5, None]]},
    )
    frame, _ = read_dataset(path, AUTO)
    assert frame["n"].tolist() == ["27.22", "3", "-0.1", "1e-07", ""]
    assert frame["id"].tolist() == ["1", "2", "3", "4", "5"]


def test_xlsx_trailing_empty_rows_and_columns_are_not_data(tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "a"], [1, "x"]]})
    import xlsxwriter  # a formatted but empty cell far away: calamine reports the area

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Dataset")
    sheet.write_row(0, 0, ["id", "a"])
    sheet.write_row(1, 0, [1, "x"])
    sheet.write_blank(9, 5, None, book.add_format({"bold": True}))
    book.close()
    frame, _ = read_dataset(path, AUTO)
    assert frame.values.tolist() == [["1", "x"]] and list(frame.columns) == ["id", "a"]


@pytest.mark.parametrize("value,what", [(True, "true/false"), (dt.time(10, 5), "time of day")])
def test_xlsx_unexpected_cells_are_refused(value, what, tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "a"], [1, "x"], [2, value]]})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, f"{path} [sheet Dataset]", "row 2", "column 'a'", what)


def rewritten(workbook: Path, member: str, edit, out: Path) -> Path:
    """A copy of ``workbook`` (a zip) with one member's bytes passed through ``edit``."""
    import zipfile

    with zipfile.ZipFile(workbook) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = edit(members[member])
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def test_xlsx_formulas_and_error_values_are_refused_cell_by_cell(tmp_path):
    """calamine gives a formula's saved result (0 or empty in a file a program wrote
    and Excel never recalculated) and an error value (#N/A) as an empty cell: both
    would be read as answers. Each is named: sheet, row, column, cell and value."""
    import xlsxwriter

    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Dataset")
    for c, name in enumerate(["id", "q1", "q6"]):
        sheet.write_string(0, c, name)
    sheet.write_number(1, 0, 1)
    sheet.write_number(1, 1, 1)
    sheet.write_string(1, 2, "0,5")
    sheet.write_number(2, 0, 2)
    sheet.write_formula(2, 1, "=NA()", None, "#N/A")  # an error value
    sheet.write_formula(2, 2, "=5/2")  # saved result 0: never recalculated
    book.add_worksheet("Labels").write_row(0, 0, ["q1", 1, "Ja"])
    book.close()
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    message = assert_clean_message(
        error.value,
        f"{path} [sheet Dataset]",
        "row 2, column 'q1'",
        "cell B3 holds a formula",
        "'=NA()'",
        "row 2, column 'q6'",
        "cell C3 holds a formula",
        "'=5/2'",
        "Paste Special > Values",
    )
    assert message.count("holds a formula") == 2
    labels, _ = read_labels(path, AUTO)  # the Labels sheet has neither: read
    assert labels.values.tolist() == [["q1", "1", "Ja"]]


def test_xlsx_error_values_without_a_formula_and_prefixed_xml_are_found(tmp_path):
    """An error value stored as such (t="e"), in a sheet written with a namespace
    prefix (x:c, x:v), as some programs write it; a clean sheet is read as before."""
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "q1"], [1, 1], [2, 2]]})

    def error_value(sheet: bytes) -> bytes:
        assert b'<c r="B3"><v>2</v></c>' in sheet
        sheet = sheet.replace(  # XML allows spaces around '='
            b'<c r="B3"><v>2</v></c>', b'<x:c r = "B3" t = "e"><x:v>#DIV/0!</x:v></x:c>'
        )
        return sheet.replace(
            b"<worksheet ",
            b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
        )

    broken = rewritten(path, "xl/worksheets/sheet1.xml", error_value, tmp_path / "broken.xlsx")
    with pytest.raises(InputError) as error:
        read_dataset(broken, AUTO)
    assert_clean_message(
        error.value, "row 2, column 'q1'", "cell B3 holds an Excel error value", "'#DIV/0!'"
    )
    assert read_dataset(path, AUTO)[0].values.tolist() == [["1", "1"], ["2", "2"]]


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        # a newer error value makes python-calamine itself fail: still named, its
        # column by number
        (
            b'<c r="B3" t="e"><v>#SPILL!</v></c>',
            ("row 2, column 'column 2'", "cell B3", "'#SPILL!'"),
        ),
        # a number Excel never stores
        (b'<c r="B3"><v>NaN</v></c>', ("row 2", "column 'q1'", "not finite")),
    ],
)
def test_a_cell_no_excel_export_holds_is_named(cell, parts, tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "q1"], [1, 1], [2, 2]]})
    broken = rewritten(
        path,
        "xl/worksheets/sheet1.xml",
        lambda sheet: sheet.replace(b'<c r="B3"><v>2</v></c>', cell),
        tmp_path / "broken.xlsx",
    )
    with pytest.raises(InputError) as error:
        read_dataset(broken, AUTO)
    assert_clean_message(error.value, *parts)


def test_a_workbook_declaring_entities_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "q1"], [1, 1]]})

    def entities(book: bytes) -> bytes:
        declaration = book[: book.index(b"?>") + 2]
        return book.replace(
            declaration, declaration + b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>', 1
        )

    hostile = rewritten(path, "xl/workbook.xml", entities, tmp_path / "hostile.xlsx")
    with pytest.raises(InputError) as error:
        read_dataset(hostile, AUTO)
    assert_clean_message(error.value, str(hostile), "declares a DOCTYPE or entities")


def excel_xml(path: Path, row_two: str) -> Path:
    """An Excel-XML export with a header (id, q1, q2) and one data row's cells."""
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="Dataset"><Table>'
        '<Row><Cell><Data ss:Type="String">id</Data></Cell>'
        '<Cell><Data ss:Type="String">q1</Data></Cell>'
        '<Cell><Data ss:Type="String">q2</Data></Cell></Row>'
        f"<Row>{row_two}</Row>"
        "</Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        # its Data is the saved result, which may be stale
        (
            '<Cell ss:Formula="=R[-1]C+1"><Data ss:Type="Number">1</Data></Cell>',
            ("cell B2 holds a formula", "'=R[-1]C+1'"),
        ),
        # the next cell without ss:Index comes after the merged span: read into the
        # next column, the row's answers would shift (the cells under a merge are empty)
        (
            '<Cell ss:MergeAcross="1"><Data ss:Type="Number">0</Data></Cell>',
            ("cell B2 is merged", "unmerge them"),
        ),
    ],
)
def test_a_cell_no_excel_xml_export_holds_is_refused(cell, parts, tmp_path):
    path = excel_xml(
        tmp_path / "export.xml", '<Cell><Data ss:Type="Number">1</Data></Cell>' + cell
    )
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "[sheet Dataset], row 1", *parts)


@pytest.mark.parametrize(
    ("data", "value"),
    [('<Data ss:Type="Error">#N/A</Data>', "#N/A"), ('<Data ss:Type="Number">abc</Data>', "abc")],
)
def test_an_excel_xml_cell_its_type_cannot_hold_is_named_by_data_row_and_column(
    data, value, tmp_path
):
    """As every other refused cell: the data row (the header is not counted) and the
    column's name."""
    path = excel_xml(
        tmp_path / "export.xml",
        f'<Cell><Data ss:Type="Number">1</Data></Cell><Cell>{data}</Cell>',
    )
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(
        error.value, "[sheet Dataset], row 1, column 'q1'", "cannot be read", repr(value)
    )


def test_an_excel_xml_row_reads_cell_by_cell(tmp_path):
    path = excel_xml(
        tmp_path / "plain.xml",
        '<Cell><Data ss:Type="Number">1</Data></Cell>'
        '<Cell><Data ss:Type="Number">0</Data></Cell>'
        '<Cell ss:Index="3"><Data ss:Type="Number">1</Data></Cell>',
    )
    assert read_dataset(path, AUTO)[0].values.tolist() == [["1", "0", "1"]]


@pytest.mark.parametrize(
    "sheets, reader, named",
    [
        (["Dataset", "Dataset (2)", "Labels"], read_dataset, "sheet Dataset (2)"),
        (["Dataset", "dataset rettet", "Labels"], read_dataset, "sheet dataset rettet"),
        (["Dataset", "Labels", "Labels (2)"], read_labels, "sheet Labels (2)"),
    ],
)
def test_a_sheet_named_like_the_one_read_is_refused_as_ambiguous(sheets, reader, named, tmp_path):
    """A copy of the Dataset sheet that Excel named "Dataset (2)" (a colleague's
    corrected copy?): which sheet holds the export is not clear, so neither is read."""
    rows = {"Labels": [["q1", 1, "Ja"]]}
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {name: rows.get(name, [["id", "q1"], [1, 1]]) for name in sheets},
    )
    with pytest.raises(InputError) as error:
        reader(path, AUTO)
    assert_clean_message(error.value, str(path), named, "which one holds the export")


def test_every_sheet_not_read_is_named_in_how_it_was_read(tmp_path):
    path = write_xlsx(
        tmp_path / "export.xlsx",
        {"Dataset": [["id", "q1"], [1, 1]], "Labels": [["q1", 1, "Ja"]], "Noter": [["x"]]},
    )
    frame, detected = read_dataset(path, AUTO)
    assert frame.values.tolist() == [["1", "1"]]
    assert "sheets Noter ignored" in detected.how


def test_xlsx_merged_cells_are_refused(tmp_path):
    import xlsxwriter

    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Dataset")
    sheet.write_row(0, 0, ["id", "q1", "q2"])
    sheet.write_row(1, 0, [1, 0, 1])
    sheet.merge_range("B3:C3", 1)
    sheet.write_number(2, 0, 2)
    book.close()
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, f"{path} [sheet Dataset]", "cells B3:C3 are merged")


def test_excel_xml_time_of_day_alone_is_refused_as_in_xlsx(tmp_path):
    """Excel-XML writes a time of day without a date on Excel's day 0, 1899-12-31:
    refused as the same cell of an .xlsx is, not read as a timestamp in 1899."""
    path = excel_xml(
        tmp_path / "export.xml",
        '<Cell><Data ss:Type="Number">1</Data></Cell>'
        '<Cell><Data ss:Type="DateTime">1899-12-31T14:48:12.000</Data></Cell>'
        '<Cell><Data ss:Type="DateTime">2014-11-03T09:15:00.000</Data></Cell>',
    )
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "row 1", "column 'q1'", "a time of day without a date")


def sheet_table_as_a_whole(rows: list[list[object]], where: str) -> pd.DataFrame:
    """What a sheet reads to when it is held whole: trimmed, the header and the body
    turned into text (the rule ``_sheet_table`` keeps while reading row by row)."""
    rows = ef._trim(rows)
    if not rows:
        raise ef.input_error(where, "the sheet is empty", "")
    header = ef._as_text_rows(rows[:1], where, None, AUTO.timestamp_format)[0]
    for index, name in enumerate(header):
        if name == "":
            raise ef.input_error(where, f"column {index + 1} has no name in the header row", "")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ef.input_error(
            where, "the header names a column twice", "", value=", ".join(duplicated)
        )
    body = ef._as_text_rows(rows[1:], where, header, AUTO.timestamp_format)
    return ef._frame(body, header)


def outcome(read, *args) -> pd.DataFrame | list[str]:
    """The table, or the sorted parts (file, row, column, value, message) of the error."""
    try:
        return read(*args)
    except InputError as error:
        return sorted(
            (p.file, str(p.row), str(p.column), str(p.value), p.message) for p in error.problems
        )


CELLS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["a", "b", " ", "Ærø"]),
    st.integers(-3, 3),
    st.sampled_from([0.5, 2.0, float("nan")]),
    st.just(True),
    st.just(dt.time(10, 5)),
    st.just(dt.datetime(2021, 9, 2, 18, 49, 8)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELLS, max_size=5), max_size=7),
    chunk_rows=st.integers(1, 4),
)
def test_a_sheet_read_row_by_row_reads_as_the_whole_sheet(rows, chunk_rows):
    """Whatever the rows (ragged, empty rows and columns at the end, cells no export
    holds) and wherever the chunks end, reading row by row gives the same table, or
    the same errors, as trimming and converting the whole sheet at once."""
    where = "export.xlsx [sheet Dataset]"
    streamed = outcome(ef._sheet_table, iter(rows), where, AUTO, chunk_rows)
    whole = outcome(sheet_table_as_a_whole, [list(row) for row in rows], where)
    if isinstance(whole, pd.DataFrame):
        assert isinstance(streamed, pd.DataFrame), streamed
        pd.testing.assert_frame_equal(streamed, whole)
    else:
        assert streamed == whole


def test_every_unexpected_cell_is_named_across_chunks(tmp_path):
    rows = [["id", "a"]] + [[n, True if n % 3 == 0 else "x"] for n in range(1, 10)]
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": rows})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)  # one chunk here; chunks of 2 rows below
    assert [(p.row, p.column) for p in error.value.problems] == [(3, "a"), (6, "a"), (9, "a")]
    with pytest.raises(InputError) as small_chunks:
        ef._sheet_table(rows, "x [sheet Dataset]", AUTO, chunk_rows=2)
    assert [(p.row, p.column) for p in small_chunks.value.problems] == [
        (3, "a"),
        (6, "a"),
        (9, "a"),
    ]


def test_a_sheet_starting_below_or_right_of_a1_keeps_its_cells_where_they_are(tmp_path):
    import xlsxwriter  # the reader skips no leading empty row or column

    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Dataset")
    sheet.write_row(1, 1, ["id", "a"])
    sheet.write_row(2, 1, [1, "x"])
    book.close()
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "[sheet Dataset]", "column 1 has no name")


def test_xlsx_without_dataset_or_labels_sheet(tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Sheet1": [["a", "b"]], "Labels": LABELS})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "no Dataset sheet", "Sheet1, Labels")
    path = write_xlsx(tmp_path / "d.xlsx", {"Dataset": [["a", "b"]]})
    with pytest.raises(InputError) as error:
        read_labels(path, AUTO)
    assert_clean_message(error.value, str(path), "no Labels sheet", "Dataset")


def test_xlsx_duplicate_header_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", {"Dataset": [["id", "a", "a"], [1, 2, 3]]})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "[sheet Dataset]", "twice")


# ------------------------------------------------------------------ Excel-XML


def spreadsheet_xml(sheets: dict[str, list[list[str]]], doctype: str = "") -> bytes:
    def cell(value: str) -> str:
        if value == "":
            return "<Cell/>"
        if re.fullmatch(r"\d+", value):
            return f'<Cell><Data ss:Type="Number">{value}</Data></Cell>'
        if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
            return f'<Cell><Data ss:Type="DateTime">{value.replace(" ", "T")}.000</Data></Cell>'
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "&#10;")
        return f'<Cell><Data ss:Type="String">{escaped}</Data></Cell>'

    body = "".join(
        f'<Worksheet ss:Name="{name}"><Table>'
        + "".join("<Row>" + "".join(cell(v) for v in row) + "</Row>" for row in rows)
        + "</Table></Worksheet>"
        for name, rows in sheets.items()
    )
    return (
        '<?xml version="1.0"?>'
        + doctype
        + '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">' + body + "</Workbook>"
    ).encode("utf-8")


def test_excel_xml_reads_as_the_csv(tmp_path):
    path = write(
        tmp_path / "export.xml", spreadsheet_xml({"Labels": LABELS, "Dataset": [HEADER] + ROWS})
    )
    assert export_format(path) == "excel-xml"
    frame, detected = read_dataset(path, AUTO)
    pd.testing.assert_frame_equal(frame, csv_read(tmp_path))
    assert (detected.format, detected.sheet) == ("excel-xml", "Dataset")
    labels, _ = read_labels(path, AUTO)
    pd.testing.assert_frame_equal(labels, expected_labels())


def test_excel_xml_with_a_doctype_is_refused(tmp_path):
    path = write(
        tmp_path / "export.xml",
        spreadsheet_xml({"Dataset": [HEADER]}, '<!DOCTYPE x [<!ENTITY a "aaaa">]>'),
    )
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), "DOCTYPE")


def test_two_encodings_in_one_file_are_refused_where_the_byte_is(tmp_path):
    """A UTF-8 byte-order mark and a cp1252 byte; and a header-less labels file
    whose second row has the stray byte (row 2, not the first row as a header)."""
    dataset = tmp_path / "dataset.csv"
    text = "respondentid;kommune\n1;Køge\n2;STRAY\n"
    dataset.write_bytes(
        b"\xef\xbb\xbf" + text.encode().replace(b"STRAY", "Tønder".encode("cp1252"))
    )
    with pytest.raises(InputError) as error:
        read_dataset(dataset, AUTO)
    assert_clean_message(
        error.value, "row 2, column 'kommune'", "byte 0xF8 is not UTF-8", "byte-order mark"
    )
    labels = tmp_path / "labels.csv"
    labels.write_bytes(
        "q1;1;Ja\nq1;2;STRAY\nq3;1;I høj grad\n".encode().replace(
            b"STRAY", "Nej æ".encode("cp1252")
        )
    )
    with pytest.raises(InputError) as error:
        read_labels(labels, AUTO)
    assert_clean_message(error.value, "labels.csv, row 2", "mixes two encodings")


def test_8_bit_letters_that_happen_to_form_utf8_do_not_make_a_mixed_file(tmp_path):
    """'Ø«' in cp1252 is the bytes of a UTF-8 character (U+062B): the rest of the
    file's letters are not UTF-8, so it is an 8-bit file, read as such."""
    dataset = tmp_path / "dataset.csv"
    text = "respondentid;q13\n1;»PROJEKT Ø« i Køge\n2;Tønder og Ærø\n"
    dataset.write_bytes(text.encode("cp1252"))
    frame, detected = read_dataset(dataset, AUTO)
    assert frame["q13"].tolist() == ["»PROJEKT Ø« i Køge", "Tønder og Ærø"]
    assert detected.encoding in ("cp1252", "iso-8859-15")


# ------------------------------------------------------------------ sav


def write_sav(path: Path, frame: pd.DataFrame, labels: dict) -> Path:
    import pyreadstat

    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    return path


def sav_frame() -> pd.DataFrame:
    def number(value: str) -> float:
        return float(value) if value else float("nan")

    return pd.DataFrame(
        {
            "respondentid": [number(r[0]) for r in ROWS],
            "q1": [number(r[1]) for r in ROWS],
            "comment": [r[2] for r in ROWS],
            "closetime": [pd.Timestamp(r[3]) if r[3] else pd.NaT for r in ROWS],
        }
    )


def test_sav_reads_as_the_csv_with_embedded_labels(tmp_path):
    path = write_sav(
        tmp_path / "export.sav", sav_frame(), {"q1": {1.0: "Ja", 2.0: "Nej", 6.0: "Både og"}}
    )
    frame, detected = read_dataset(path, AUTO)
    pd.testing.assert_frame_equal(frame, csv_read(tmp_path))
    assert (detected.format, detected.sheet, detected.encoding) == ("sav", "", "")
    labels, detected = read_labels(path, AUTO)
    assert labels.values.tolist() == [
        ["q1", "1", "Ja"],
        ["q1", "2", "Nej"],
        ["q1", "6", "Både og"],
    ]
    assert list(labels.columns) == ef.LABEL_COLUMNS
    assert (detected.sheet, detected.role) == ("value labels", "labels")


def test_sav_numbers_and_timestamp_format(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0],
            "x": [27.22, 2.0**53 - 1],
            "t": [pd.Timestamp("2021-09-02 18:49:08"), pd.NaT],
        }
    )
    path = write_sav(tmp_path / "export.sav", frame, {})
    read, _ = read_dataset(path, ReadOptions(timestamp_format="%d.%m.%Y %H:%M"))
    assert read.values.tolist() == [
        ["1", "27.22", "02.09.2021 18:49"],
        ["2", "9007199254740991", ""],
    ]
    labels, _ = read_labels(path, AUTO)
    assert labels.empty and list(labels.columns) == ef.LABEL_COLUMNS


def test_a_sav_number_too_large_to_hold_its_digits_is_refused(tmp_path):
    """SPSS keeps every number as a binary double: from 2**53 on, not every whole
    number (a 17-digit id) is held exactly, so its digits would be a guess."""
    frame = pd.DataFrame({"id": [1.0, 1e20]})
    path = write_sav(tmp_path / "export.sav", frame, {})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "row 2", "column 'id'", "cannot hold every digit")


@pytest.mark.parametrize("spss_format", ["DATE11", "ADATE10", "DATETIME20"])
def test_a_sav_timestamp_shown_as_a_date_keeps_its_time_of_day(spss_format, tmp_path):
    """Giving a timestamp variable a date format in SPSS (Variable View, Type "Date")
    changes how SPSS shows it, not the seconds it stores: read whole, not as
    midnight. A time format alone is refused, as in a workbook."""
    import pyreadstat

    frame = pd.DataFrame({"id": [1.0, 2.0], "t": [pd.Timestamp("2014-02-27 14:09:36"), pd.NaT]})
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), variable_format={"t": spss_format})
    read, _ = read_dataset(path, AUTO)
    assert read.values.tolist() == [["1", "2014-02-27 14:09:36"], ["2", ""]]
    pyreadstat.write_sav(frame, str(path), variable_format={"t": "TIME8"})
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, "row 1", "column 't'", "a time of day without a date")


def test_sav_user_missing_values_are_read_as_their_codes(tmp_path):
    """A code declared missing in SPSS (say 9 "Ved ikke" or a range 90-99, set by
    hand before the file reached udsyn) is still that code: read as it is and
    named in how the file was read, never as an empty cell."""
    import pyreadstat

    frame = pd.DataFrame({"respondentid": [1.0, 2.0, 3.0], "q1": [1.0, 9.0, 95.0]})
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"q1": {1.0: "Ja", 9.0: "Ved ikke"}},
        missing_ranges={"q1": [9, {"lo": 90, "hi": 99}]},
    )
    read, detected = read_dataset(path, AUTO)
    assert read["q1"].tolist() == ["1", "9", "95"]
    assert "declares user-missing, read as their codes: q1 90-99, 9." in detected.how
    plain = write_sav(tmp_path / "plain.sav", frame, {})
    assert "user-missing" not in read_dataset(plain, AUTO)[1].how


def test_damaged_sav_is_refused(tmp_path):
    path = write_sav(tmp_path / "export.sav", sav_frame(), {})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(InputError) as error:
        read_dataset(path, AUTO)
    assert_clean_message(error.value, str(path), ".sav")


# ------------------------------------------------------------------ cells


@pytest.mark.parametrize(
    "value,text",
    [
        (123.0, "123"),
        (123456789012345678, "123456789012345678"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (float("nan"), ""),
        (None, ""),
        ("", ""),
        (" x ", " x "),
        (dt.datetime(2021, 9, 2, 18, 49, 8), "2021-09-02 18:49:08"),
        (dt.date(2021, 9, 2), "2021-09-02 00:00:00"),
    ],
)
def test_cell_text(value, text):
    assert ef.cell_text(value, "%Y-%m-%d %H:%M:%S") == text


@pytest.mark.parametrize(
    "value",
    [
        True,
        dt.time(1, 2),
        dt.timedelta(1),
        float("inf"),
        object(),
        # a 17-digit id in a number cell, read as the nearest binary number: its
        # last digit is lost (10000000000700007 reads as ...008)
        float(10000000000700007),
        float(-(2**53)),
        ef.UnreadableCell("Error", "#N/A"),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999000),  # rounded, past the last second
    ],
)
def test_cell_text_refuses_what_it_would_guess(value):
    with pytest.raises(ef._Unexpected):
        ef.cell_text(value, "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (float(2**53 - 1), "9007199254740991"),  # the largest every whole number up to
        (2**60, "1152921504606846976"),  # an int holds its digits (a .sav never gives one)
    ],
)
def test_whole_numbers_are_written_while_a_number_holds_every_digit(value, text):
    assert ef.cell_text(value, "%Y-%m-%d %H:%M:%S") == text


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        # a day count written with fewer digits, read to the millisecond
        (dt.datetime(2014, 2, 27, 14, 0, 59, 999000), "%Y-%m-%d %H:%M:%S", "2014-02-27 14:01:00"),
        (dt.datetime(2014, 2, 27, 14, 1, 0, 2000), "%Y-%m-%d %H:%M:%S", "2014-02-27 14:01:00"),
        (dt.datetime(2014, 2, 27, 14, 1, 0, 600000), "%Y-%m-%d %H:%M:%S", "2014-02-27 14:01:01"),
        (dt.datetime(2014, 12, 31, 23, 59, 59, 500000), "%Y-%m-%d %H:%M", "2015-01-01 00:00"),
        # a format that holds fractions of a second keeps them
        (dt.datetime(2014, 2, 27, 14, 1, 0, 600000), "%H:%M:%S.%f", "14:01:00.600000"),
    ],
)
def test_a_timestamp_is_rounded_to_the_second_as_excel_shows_it(value, fmt, text):
    assert ef.cell_text(value, fmt) == text


# ------------------------------------------------------------------ property

# Characters every 8-bit dialect encodes as one byte that cannot continue a UTF-8
# sequence (so the 8-bit text is never also valid UTF-8), plus the structural ones.
TEXT = st.text(alphabet='ab Z09æøåÆØÅé;,|\t"\n-.', max_size=8)
NAMES = st.lists(
    st.text(alphabet="abcxyz_", min_size=1, max_size=6), min_size=2, max_size=4, unique=True
)


@st.composite
def tables(draw):
    names = draw(NAMES)
    rows = draw(
        st.lists(st.lists(TEXT, min_size=len(names), max_size=len(names)), min_size=1, max_size=5)
    )
    return names, rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), dialect=st.sampled_from(sorted(DIALECTS)))
def test_random_tables_read_back_identical_in_every_dialect(table, dialect):
    names, rows = table
    make = DIALECTS[dialect][0]
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "d.csv", make([names] + rows))
        frame, detected = read_dataset(path, AUTO)
    assert list(frame.columns) == names
    assert frame.values.tolist() == rows, (dialect, detected)


# ------------------------------------------------------------------ quoting, scanned


def quoted_flags_by_character(sample: str, delimiter: str) -> list[list[tuple[str, bool]]]:
    """The reference for ``ef._quoted_flags``: the same records found by looking
    at every character in turn (its rule, written the slow and obvious way)."""
    records, fields, start, quoted, in_quotes, i = [], [], 0, False, False, 0
    n = len(sample)
    while i < n:
        char = sample[i]
        if in_quotes:
            if char == '"':
                if i + 1 < n and sample[i + 1] == '"':
                    i += 1
                else:
                    in_quotes = False
        elif char == '"' and i == start:
            quoted = in_quotes = True
        elif char == delimiter or char in "\r\n":
            fields.append((sample[start:i], quoted))
            if char != delimiter:
                if char == "\r" and i + 1 < n and sample[i + 1] == "\n":
                    i += 1
                if fields != [("", False)]:
                    records.append(fields)
                fields = []
                if len(records) > ef.SAMPLE_RECORDS:
                    break
            start, quoted = i + 1, False
        i += 1
    return records


# Samples built of the pieces quoting is made of, so that quoted fields holding
# doubled quotes, delimiters and line breaks come up often.
PIECES = ['"', '""', ";", ",", "\t", "|", "]", "^", "\\", "\r\n", "\n", "\r", "a", "1", " "]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    sample=st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    delimiter=st.sampled_from([";", ",", "\t", "|", "]", "^", "\\", "ab"]),
)
def test_the_quoting_scan_finds_the_records_a_character_by_character_scan_finds(sample, delimiter):
    assert ef._quoted_flags(sample, delimiter) == quoted_flags_by_character(sample, delimiter)


@pytest.mark.parametrize(
    "sample",
    ['"a"";b";c\n', '"a\nb"\r\n"x"y;z\r', 'x;"y\n', '"";"""";\n\n', 'a"b;"c"\n', "a;b"],
)
def test_the_quoting_scan_on_fields_quoted_across_delimiters_and_lines(sample):
    assert ef._quoted_flags(sample, ";") == quoted_flags_by_character(sample, ";")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(sample=st.lists(st.sampled_from([*PIECES, '"x" y', '"x"y']), max_size=40).map("".join))
def test_a_value_going_on_after_its_quote_is_named_as_a_whole_file_search_names_it(sample):
    """The search for a quoted value that goes on after its closing quote starts at
    the record the strict parse stopped in (a large file is not walked character by
    character from its start): the value, row and column are the ones the search
    from the file's start finds."""
    text = "a;b;c\n" + sample
    offset, end = files._text_after_quote_at(text, ";")
    try:
        files._check_text_after_quote(text, "f.csv", ";", ["a", "b", "c"], "dataset", True)
    except InputError as error:
        problem = error.problems[0]
        assert offset >= 0 and problem.value == text[offset:end]
        record, field = files._locate(text, offset, ";")
        assert (problem.row, problem.column) == (record, ["a", "b", "c", None][min(field, 3)])
    else:
        strict = csv.reader(stdio.StringIO(text, newline=""), delimiter=";", strict=True)
        try:
            list(strict)
        except csv.Error:
            assert offset < 0  # refused for another reason, named by the checks after it


def test_a_value_going_on_after_its_quote_deep_in_a_file_is_named_with_its_row():
    text = "a;b\n" + '1;"x\ny"\n' * 2000 + '2;"Projekt Nord" er godt\n'
    with pytest.raises(InputError) as caught:
        files._check_text_after_quote(text, "f.csv", ";", ["a", "b"], "dataset", True)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2001, "b")
    assert problem.value == '"Projekt Nord" er godt'


@pytest.mark.parametrize("records", [ef.SAMPLE_RECORDS - 1, ef.SAMPLE_RECORDS + 5])
@pytest.mark.parametrize(
    "line",
    ['{i};"x ""{i}""";\r\n', "{i};x;\n"],  # with quotes (scanned) and without (split)
)
def test_the_quoting_scan_stops_after_the_sample_records_as_the_reference_does(records, line):
    sample = "".join(line.format(i=i) for i in range(records))
    assert ef._quoted_flags(sample, ";") == quoted_flags_by_character(sample, ";")
    assert len(ef._quoted_flags(sample, ";")) == min(records, ef.SAMPLE_RECORDS + 1)
