"""Reading every format SurveyXact writes: delimited text (EU, INTL, re-saved
by Excel), .xlsx, Excel-XML (.xml) and SPSS (.sav).

Everything about a file is detected from its bytes (format from its magic
bytes, encoding, delimiter, quoting, whether the labels have a header), unless
configured; a file that could be read two ways is refused with an InputError
saying what to configure, never guessed (see docs/surveyxact-export.md for
the facts these rules come from). What was read and how is returned as a
``Detected`` record, one row of the checks table.

Every cell comes back as text, "" for empty: cells of binary formats are
rendered the way a CSV export writes them (``cell_text``), so the same survey
reads the same whatever format it was exported in. Nothing is written here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import itertools
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import NoReturn

import pandas as pd

from udsyn.core import files
from udsyn.core.errors import InputError, Problem, input_error
from udsyn.ingest.export_files import SAV_MAGIC, SPREADSHEET_NS, ZIP_MAGIC, looks_like_xml

FORMATS = ("delimited text", "xlsx", "excel-xml", "sav")
LABEL_COLUMNS = ["field_name", "field_value", "field_text"]
# Header rows a labels file may carry (the database dump's, and common ones).
KNOWN_LABEL_HEADERS = {
    ("field_name", "field_value", "field_text"),
    ("variable", "code", "label"),
    ("variable", "value", "label"),
    ("name", "value", "label"),
}
# Delimiters SurveyXact (";" EU, tab INTL) and Excel ("," or ";") write, in the
# order they are tried.
DELIMITERS = (";", "\t", ",", "|")
DELIMITER_NAMES = {"\t": "tab"}
ENCODINGS = (
    "auto",
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "cp1252",
    "iso-8859-15",
    "latin-1",
)
SAMPLE_RECORDS = 100
# rows of a workbook sheet turned into text columns at a time (udsyn reads a sheet
# row by row; see _sheet_table)
SHEET_CHUNK_ROWS = 20_000
# The bytes where cp1252 and ISO-8859-15 give different characters (0xA4: '€'
# in ISO-8859-15, '¤' in cp1252, ...). 0x80-0x9F are control characters in
# ISO-8859-15, printable in cp1252, except five that cp1252 leaves undefined.
AMBIGUOUS_8BIT = re.compile(rb"[\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe]")
C1_BYTES = re.compile(rb"[\x80-\x9f]")
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A well-formed UTF-8 sequence of two to four bytes (a character outside ASCII).
# An 8-bit (cp1252, ISO-8859-15) text practically never holds one: its letters are
# single bytes that UTF-8 would need followed by continuation bytes 0x80-0xBF.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# A cell a CSV export writes bare: a number, with a decimal point or comma.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")
DATASET_PART = re.compile(r"Dataset\((\d+)\)")
RESPONDENT_IDS = ("respondentid", "responde")
_EXPORT_AGAIN = (
    "export the survey again from SurveyXact as CSV (EU or INTL format), "
    "Excel (.xlsx) or SPSS (.sav)"
)


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export; "auto" detects the property from the file."""

    # auto | utf-8 | utf-8-sig | utf-16 (BOM required) | utf-16-le | utf-16-be | cp1252 |
    # iso-8859-15 | latin-1
    encoding: str = "auto"
    delimiter: str = "auto"  # auto | one character
    quoting: str = "auto"  # auto | double-quote | none   ('none': a " is an ordinary character)
    labels_header: str = "auto"  # auto | present | absent
    timestamp_format: str = (
        "%Y-%m-%d %H:%M:%S"  # how datetime cells of .xlsx/.sav/.xml become text
    )


@dataclass(frozen=True)
class Detected:
    """What was read and how; becomes a row of results/validated/checks.csv."""

    role: str  # "dataset" | "labels"
    file: str
    format: str  # "delimited text" | "xlsx" | "excel-xml" | "sav"
    sheet: str  # "" | "Dataset" | "Dataset(1)+Dataset(2)" | "Labels" | "value labels"
    encoding: str  # codec used for text ("utf-16-le", "iso-8859-15", ...); "" for binary formats
    delimiter: str  # ";" "," "tab" "|" ; "" for binary formats
    quoting: str  # "all text quoted" | "minimal" | "none" | ""
    header: str  # "present" | "absent"
    how: str  # one short sentence: each property detected (from what) or configured


# --------------------------------------------------------------------------- format


def _head(path: str, size: int = 1 << 16) -> bytes:
    """The first bytes of ``path``; an InputError if it is missing or a folder."""
    p = Path(path)
    if not p.exists():
        raise input_error(
            path,
            "the file does not exist",
            "check the path in config (survey.dataset / survey.labels)",
        )
    if p.is_dir():
        raise input_error(
            path,
            "the path is a folder, not a file",
            "check the path in config (survey.dataset / survey.labels)",
        )
    with open(p, "rb") as handle:
        return handle.read(size)


def _zip_format(path: str) -> str:
    """ "xlsx" for a zip holding a workbook; an InputError saying what else it is."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise input_error(
            path, "starts like a zip archive (an .xlsx is one) but is damaged", _EXPORT_AGAIN
        ) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    what = (
        "an OpenDocument file (.ods/.odt)"
        if "content.xml" in names
        else "a Word document (.docx)"
        if "word/document.xml" in names
        else "a zip archive"
    )
    raise input_error(
        path,
        f"is {what}, not an Excel workbook or a text export",
        "unpack or convert it: " + _EXPORT_AGAIN,
    )


def export_format(path: str | Path) -> str:
    """The file's format from its first bytes (magic), not its name: an export
    renamed .csv is still read as what it is, and a file SurveyXact does not
    write (an old .xls, a pdf, a zip) is refused saying what to export instead."""
    path = str(path)
    head = _head(path)
    if head.startswith(ZIP_MAGIC):
        return _zip_format(path)
    if head.startswith(SAV_MAGIC):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise input_error(
            path,
            "is an old Excel 97-2003 workbook (.xls) or another OLE2 file, "
            "which udsyn does not read",
            "save it as .xlsx or " + _EXPORT_AGAIN,
        )
    if head.startswith(b"%PDF"):
        raise input_error(path, "is a PDF document, not a data export", _EXPORT_AGAIN)
    if looks_like_xml(head):
        if SPREADSHEET_NS.encode() in head:
            return "excel-xml"
        raise input_error(
            path, "is an XML file but not an Excel-XML (SpreadsheetML) workbook", _EXPORT_AGAIN
        )
    return "delimited text"


# --------------------------------------------------------------------------- cells


class _Unexpected(Exception):
    """A cell value that has no CSV rendering (a bool, a time of day, ...)."""


@dataclass(frozen=True)
class UnreadableCell:
    """An Excel-XML cell whose text its type cannot hold (an Error "#N/A", a Number
    "abc"): kept as read, and refused by ``cell_text``, so that the message names
    its data row and column as every other cell's does."""

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


# From 2**53 on, a number held as a binary floating-point value (an .xlsx or
# Excel-XML number cell as read, an SPSS numeric variable) no longer keeps every
# whole number: 10000000000700007 is read as 10000000000700008.
EXACT_WHOLE_NUMBERS = 2**53


def number_text(value: float | int) -> str:
    """A number as a CSV export writes it: "123" for an integral value (ints
    exactly, however long), else the shortest repr that reads back the same. A
    floating-point number too large to hold its digits exactly (a 17-digit id
    stored as a number) raises ``_Unexpected``: its digits would be a guess."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return ""
    if math.isinf(value):
        raise _Unexpected("an infinite number, which no export holds")
    if abs(value) >= EXACT_WHOLE_NUMBERS:
        raise _Unexpected(
            f"a number of {EXACT_WHOLE_NUMBERS} or more stored as a number, which cannot "
            "hold every digit (it may have been rounded): a long id must be stored as text"
        )
    if value.is_integer():
        return str(int(value))
    return repr(float(value))


def cell_text(value: object, timestamp_format: str) -> str:
    """One cell of an .xlsx/.sav/.xml as the text a CSV export holds; a value
    that a CSV export would not write (a bool, a date or time of day alone, an
    unknown type) raises ``_Unexpected``: rendering it would be a guess."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _Unexpected("a true/false cell, which a SurveyXact export does not hold")
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.microsecond and "%f" not in timestamp_format:
            # A workbook's time is a day count, read to the millisecond: one written
            # with fewer digits reads as 14:00:59.999 for 14:01:00. Rounded to the
            # second, as Excel shows it, not cut to 14:00:59.
            try:
                value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
            except OverflowError:
                raise _Unexpected("a timestamp at the end of the year 9999") from None
        return value.strftime(timestamp_format)
    if isinstance(value, dt.date):
        # calamine gives a date for a timestamp at midnight (the cell holds the
        # same serial number either way): it is that timestamp
        return dt.datetime.combine(value, dt.time()).strftime(timestamp_format)
    if isinstance(value, dt.time):
        raise _Unexpected("a time of day without a date, which udsyn would have to guess")
    if isinstance(value, UnreadableCell):
        raise _Unexpected(f"a cell of type {value.kind} that cannot be read")
    raise _Unexpected(f"a cell of type {type(value).__name__}, which udsyn does not read")


def sheet_cell_text(value: object, timestamp_format: str) -> str:
    """``cell_text`` of a workbook's cell, where a number that is not finite is not a
    value Excel stores (a hand-edited or damaged sheet). (In a .sav, NaN is SPSS's
    system-missing value: an empty cell.)"""
    if type(value) is float and not math.isfinite(value):
        raise _Unexpected("a number that is not finite (NaN or infinity)")
    return cell_text(value, timestamp_format)


def _cells_hint(what: str) -> str:
    return f"format the cell as text or a number in the {what}, or " + _EXPORT_AGAIN


# --------------------------------------------------------------------------- text


def _bom_encoding(raw: bytes) -> tuple[str, str] | None:
    """The encoding a byte-order mark says, with the evidence."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 byte-order mark"
    if raw.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", "byte-order mark FF FE"
    if raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", "byte-order mark FE FF"
    return None


def _configured_encoding(raw: bytes, path: str, encoding: str) -> tuple[str, str]:
    """The configured codec, as is; "utf-16" only with a byte-order mark (without
    one Python would assume the machine's byte order: a guess)."""
    name = encoding.lower().replace("_", "-")
    try:
        codecs.lookup(name)
    except LookupError:
        raise input_error(
            path,
            f"survey.encoding '{encoding}' is not an encoding Python knows",
            "set survey.encoding to one of " + ", ".join(ENCODINGS),
        ) from None
    if name == "utf-16":
        bom = _bom_encoding(raw)
        if bom is None or not bom[0].startswith("utf-16"):
            raise input_error(
                path,
                "survey.encoding is utf-16 but the file has no UTF-16 byte-order mark",
                "set survey.encoding: utf-16-le or utf-16-be (the byte order), or export again",
            )
        return bom[0], f"configured utf-16 ({bom[1]})"
    return name, f"configured {name}"


def _utf16_guess(raw: bytes) -> str | None:
    """'LE' / 'BE' when the first bytes hold NULs as UTF-16 text does (every
    other byte of Latin text); a stray NUL is left to the reader, which names
    its row and column."""
    head = raw[:4096]
    if head.count(0) < len(head) // 4:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    return "LE" if odd >= even else "BE"


def _locate_byte(
    raw: bytes, offset: int, path: str, message: str, has_header: bool = True
) -> Problem:
    """A Problem naming row and column of byte ``offset`` of an 8-bit file (without a
    header row, its first record is row 1 and columns are not named)."""
    text = raw.decode("latin-1")  # 8-bit: one byte, one character, the same structure
    delimiter, quote = _structure_guess(text)
    return files.where_in_text(
        path, text, offset, delimiter, message, quote=quote, has_header=has_header
    )


def _structure_guess(text: str) -> tuple[str, bool]:
    """The delimiter to locate a problem with before detection is done (the
    first record's most frequent candidate)."""
    first = text[: text.find("\n")] if "\n" in text else text
    return max(DELIMITERS, key=first.count), True


_DECODE_CHUNK = 16 * 1024 * 1024


def _utf8_counts(raw: bytes) -> tuple[int, int]:
    """(characters outside ASCII that decode as UTF-8, bytes that do not), read in
    blocks (a large export is not held twice)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    view, valid, bad = memoryview(raw), 0, 0
    for start in range(0, len(raw), _DECODE_CHUNK):
        end = start + _DECODE_CHUNK
        text = decoder.decode(view[start:end], final=end >= len(raw))
        replaced = text.count("\ufffd")
        outside_ascii = len(text) - len(text.encode("ascii", "ignore"))
        valid, bad = valid + outside_ascii - replaced, bad + replaced
    return valid, bad


def _mixed_encodings(
    raw: bytes, first_bad: int, path: str, evidence: str, has_header: bool
) -> NoReturn:
    """Refuse a file that is UTF-8 (``evidence``) but for the byte at ``first_bad``."""
    byte = raw[first_bad : first_bad + 1]
    problem = _locate_byte(
        raw,
        first_bad,
        path,
        f"byte 0x{byte.hex().upper()} is not UTF-8, but other text in the file is UTF-8 "
        f"({evidence}): the file mixes two encodings",
        has_header,
    )
    raise InputError(
        [problem],
        "open the file in an editor that shows its encoding, fix the named cell "
        "(retype its special characters) and save the whole file as UTF-8, or export "
        "again; a survey.encoding of the other encoding would garble the UTF-8 text",
    )


def _detect_encoding(
    raw: bytes, path: str, eu_dialect: Callable[[str, bool], bool], has_header: bool = True
) -> tuple[str, str]:
    """(codec, evidence) for a text export; refuses what it could misread.

    ``eu_dialect(text, whole)`` says whether the text is in SurveyXact's EU dialect
    (';', all text quoted): the one case where ambiguous 8-bit bytes are read
    as ISO-8859-15, the EU export's encoding.
    """
    bom = _bom_encoding(raw)
    if bom and raw.startswith(codecs.BOM_UTF8):
        try:
            raw[3:].decode("utf-8")
        except UnicodeDecodeError as error:  # the mark says UTF-8; a byte says otherwise
            _mixed_encodings(
                raw, error.start + 3, path, "its byte-order mark says UTF-8", has_header
            )
    if bom:
        return bom[0], bom[1]
    guess = _utf16_guess(raw)
    if guess:
        raise input_error(
            path,
            f"has NUL bytes but no byte-order mark: UTF-16 without a byte-order mark; "
            f"it looks like UTF-16 {guess}",
            f"set survey.encoding: utf-16-{guess.lower()}, or "
            "export again (SurveyXact's INTL export always has the byte-order mark, so this "
            "file was re-saved)",
        )
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8 throughout"
    except UnicodeDecodeError as error:
        first_bad = error.start
    valid, bad = _utf8_counts(raw)
    if valid >= bad:
        # Mostly UTF-8 characters, and bytes that are not UTF-8: two encodings in one
        # file (a cell pasted from another program, a hand edit saved in Windows'
        # encoding). Read as either, some text would come out garbled; say where.
        # (An 8-bit file's letters are almost all bytes UTF-8 cannot read; two of
        # them that happen to form a UTF-8 character, 'Ø»', do not make it UTF-8.)
        utf8 = UTF8_MULTIBYTE.search(raw)
        sample = raw[utf8.start() : utf8.end()].decode("utf-8") if utf8 else ""
        _mixed_encodings(
            raw,
            first_bad,
            path,
            f"{valid} characters decode as UTF-8, for example '{sample}' at byte "
            f"{utf8.start() if utf8 else 0}, and {bad} bytes do not",
            has_header,
        )
    if C1_BYTES.search(raw):
        bad = CP1252_UNDEFINED.search(raw)
        if bad:
            byte = raw[bad.start() : bad.start() + 1]
            problem = _locate_byte(
                raw,
                bad.start(),
                path,
                f"byte 0x{byte.hex().upper()} is neither UTF-8 nor a "
                "character in cp1252, and a control character in ISO-8859-15",
                has_header,
            )
            raise InputError(
                [problem], "set survey.encoding to the file's real encoding, or export again"
            )
        return "cp1252", "8-bit with bytes 0x80-0x9F, which only cp1252 uses for text"
    ambiguous = AMBIGUOUS_8BIT.search(raw)
    if ambiguous is None:
        return "iso-8859-15", (
            "8-bit without the bytes where cp1252 and ISO-8859-15 differ: "
            "the same text as cp1252 for this file"
        )
    if eu_dialect(*_sample_text(raw, "latin-1")):
        return "iso-8859-15", (
            "8-bit with bytes where cp1252 and ISO-8859-15 differ, in "
            "SurveyXact's EU dialect (';', all text quoted), written in "
            "ISO-8859-15"
        )
    byte = raw[ambiguous.start() : ambiguous.start() + 1]
    problem = _locate_byte(
        raw,
        ambiguous.start(),
        path,
        f"byte 0x{byte.hex().upper()} reads as '{byte.decode('iso-8859-15')}' "
        f"in ISO-8859-15 or '{byte.decode('cp1252')}' in cp1252, and the file "
        "is not in SurveyXact's EU dialect, which says which",
        has_header,
    )
    raise InputError(
        [problem],
        "set survey.encoding: iso-8859-15 or cp1252 (whichever shows "
        "the text right), or export again as UTF-8",
    )


def _sample_text(raw: bytes, codec: str) -> tuple[str, bool]:
    """The start of the decoded text (enough for ``SAMPLE_RECORDS`` records) and
    whether it is the whole file; undecodable bytes become U+FFFD here, the full
    read reports them."""
    size = 1 << 16
    while True:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        whole = size >= len(raw)
        text = decoder.decode(raw[:size], final=whole)
        if text.startswith("\ufeff"):
            text = text[1:]
        if whole or text.count("\n") + text.count("\r") > 4 * SAMPLE_RECORDS:
            return text, whole
        size *= 4


def _records(sample: str, whole: bool, delimiter: str, quote: bool) -> list[list[str]]:
    """The first records of ``sample`` (blank lines skipped, as the reader does);
    the last one dropped when the sample is cut."""
    reader = csv.reader(
        StringIO(sample, newline=""), delimiter=delimiter, quoting=files._quoting(quote)
    )
    try:  # one record more than needed: the last may be cut
        records = list(itertools.islice((r for r in reader if r), SAMPLE_RECORDS + 1))
    except csv.Error:
        return []
    if not whole or len(records) > SAMPLE_RECORDS:
        records = records[:-1]
    return records


def _delimiter_candidates(
    sample: str, whole: bool, quote: bool, fields: int | None
) -> dict[str, int]:
    """Candidate -> fields per record, for each candidate that splits every
    sampled record into as many fields as the first (2 or more; ``fields``)."""
    valid = {}
    for candidate in DELIMITERS:
        records = _records(sample, whole, candidate, quote)
        if not records:
            continue
        width = len(records[0])
        if width < 2 or (fields is not None and width != fields):
            continue
        if all(len(record) == width for record in records):
            valid[candidate] = width
    return valid


def _header_widths(sample: str, quote: bool, fields: int | None) -> dict[str, int]:
    """Candidate -> fields in the first line, for candidates giving 2 or more
    (exactly ``fields`` when given)."""
    first = sample.lstrip("\r\n").splitlines()[:1]
    widths = {}
    for candidate in DELIMITERS:
        try:
            record = next(
                csv.reader(first, delimiter=candidate, quoting=files._quoting(quote)), []
            )
        except csv.Error:
            continue
        if len(record) >= 2 and (fields is None or len(record) == fields):
            widths[candidate] = len(record)
    return widths


def _detect_delimiter(
    sample: str, whole: bool, quote: bool, path: str, fields: int | None
) -> tuple[str, str]:
    """(delimiter, evidence): the one candidate that gives a rectangular table."""
    valid = _delimiter_candidates(sample, whole, quote, fields)
    tried = ", ".join(_show(d) for d in DELIMITERS)
    shape = (
        f"{fields} fields per record" if fields else "2 or more fields, the same in every record"
    )
    if not valid:
        # No candidate gives a rectangular sample: a ragged row or an unclosed
        # quote. The header alone then decides (the candidate that splits it
        # into the most fields, if one does), and the full read names the row
        # that does not fit: a wrong pick could only be refused, never misread.
        header = _header_widths(sample, quote, fields)
        if header:
            best = max(header.values())
            winners = [d for d, width in header.items() if width == best]
            if len(winners) == 1:
                return winners[0], (
                    f"delimiter {_show(winners[0])} detected from the header "
                    "(the records that follow do not all fit it)"
                )
        raise input_error(
            path,
            f"no delimiter ({tried}) splits the first records into {shape}",
            "set survey.delimiter to the file's delimiter, or export again",
        )
    best = max(valid.values())
    winners = [d for d, width in valid.items() if width == best]
    if len(winners) > 1:
        raise input_error(
            path,
            "several delimiters split the first records into a table: "
            + ", ".join(f"{_show(d)} ({w} fields)" for d, w in valid.items()),
            "set survey.delimiter to the one the file uses",
        )
    others = "" if len(valid) == 1 else " (most fields)"
    return winners[0], f"delimiter {_show(winners[0])} detected from the first records{others}"


def _show(delimiter: str) -> str:
    return DELIMITER_NAMES.get(delimiter, delimiter)


_LINE_END = re.compile("[\r\n]")


def _quoted_flags(sample: str, delimiter: str) -> list[list[tuple[str, bool]]]:
    """Records of ``sample`` as (raw field text, quoted?) pairs: whether a field
    starts with '"' (the csv module does not say). A '"' opens a quoted field
    only as a field's first character; inside, '""' is a quote and a lone '"'
    closes it. A record or quoted field the sample cuts off is left out.

    A line without '"' is split at once; only lines with quotes are scanned,
    from one character that matters to the next, never character by character."""
    # A field ends at the delimiter (one character; a longer one never matches,
    # as a character-by-character scan has it) or at a line break.
    single = len(delimiter) == 1
    ends = re.compile("[" + re.escape(delimiter if single else "") + "\r\n]")
    records, fields, start, n = [], [], 0, len(sample)
    while start <= n:
        if not fields:  # a record starts here
            line_end = _LINE_END.search(sample, start)
            if line_end is None:
                return records  # the last record has no line end: cut off
            line = sample[start : line_end.start()]
            if '"' not in line:  # no quoted field: the line is the record
                record = [
                    (value, False) for value in (line.split(delimiter) if single else [line])
                ]
                if record != [("", False)]:  # a blank line (or the \n of \r\n) is none
                    records.append(record)
                    if len(records) > SAMPLE_RECORDS:
                        break
                start = line_end.start() + 1
                continue
        position, quoted = start, sample.startswith('"', start)
        if quoted:  # skip to the closing quote, past every doubled one
            position = start + 1
            while True:
                position = sample.find('"', position)
                if position == -1:
                    return records  # the quoted field runs past the sample
                if sample.startswith('"', position + 1):
                    position += 2
                    continue
                position += 1
                break
        end = ends.search(sample, position)
        if end is None:
            return records  # the last record has no line end: cut off
        i = end.start()
        fields.append((sample[start:i], quoted))
        if sample[i] != delimiter:  # a line break ends the record (the \n of \r\n: a blank one)
            if fields != [("", False)]:
                records.append(fields)
            fields = []
            if len(records) > SAMPLE_RECORDS:
                break
        start = i + 1
    return records


def _detect_quoting(sample: str, delimiter: str) -> str:
    """ "all text quoted" (the EU dialect) when every non-empty field that is not
    a plain number is quoted, "minimal" when some are, "none" when no field
    starts with '"'. The header is left out when there are data records: how
    names are quoted says nothing about the cells."""
    records = _quoted_flags(sample, delimiter)
    if len(records) > 1:
        records = records[1:]
    fields = [field for record in records for field in record]
    if not any(quoted for _, quoted in fields):
        return "none"
    unquoted_text = (
        value and not quoted and not PLAIN_NUMBER.fullmatch(value) for value, quoted in fields
    )
    return "minimal" if any(unquoted_text) else "all text quoted"


def _labels_header(first: list[str], path: str, where: str = "") -> str:
    """ "absent" when the first record is a label (its code a whole number),
    "present" when it is a known header; otherwise an InputError."""
    if len(first) != 3:
        raise input_error(
            path + where,
            f"a labels table has 3 columns (variable, code, label); this one has {len(first)}",
            "export the labels again, or check survey.labels / survey.delimiter",
            row=1,
            value=first,
        )
    if WHOLE_NUMBER.fullmatch(first[1].strip()):
        return "absent"
    if tuple(name.strip().lower() for name in first) in KNOWN_LABEL_HEADERS:
        return "present"
    raise input_error(
        path + where,
        "the first labels record is neither a label (its second field "
        "a whole-number code) nor a known header",
        "set survey.labels_header: present or absent",
        row=1,
        value=first,
    )


@dataclass(frozen=True)
class _Dialect:
    """How a text file is read, and why (the parts of ``Detected.how``)."""

    encoding: str
    delimiter: str
    quote: bool
    quoting: str
    header: bool
    how: list[str]


def _text_dialect(raw: bytes, path: str, options: ReadOptions, role: str) -> _Dialect:
    """Detect (or take from ``options``) encoding, delimiter, quoting, header."""
    fields = 3 if role == "labels" else None
    quote = options.quoting != "none"
    if options.quoting not in ("auto", "double-quote", "none"):
        raise input_error(
            path,
            f"survey.quoting '{options.quoting}' is not auto, double-quote or none",
            "set survey.quoting to auto, double-quote or none",
        )

    def eu_dialect(text: str, whole: bool) -> bool:
        valid = (
            _delimiter_candidates(text, whole, quote, fields)
            if options.delimiter == "auto"
            else {options.delimiter: 0}
        )
        return list(valid) == [";"] and _detect_quoting(text, ";") == "all text quoted"

    if options.encoding == "auto":
        # a labels file has no header row unless config says so (SurveyXact writes none)
        has_header = role != "labels" or options.labels_header == "present"
        encoding, evidence = _detect_encoding(raw, path, eu_dialect, has_header)
        how = [f"encoding {encoding} detected ({evidence})"]
    else:
        encoding, evidence = _configured_encoding(raw, path, options.encoding)
        how = [f"encoding {evidence}"]
    sample, whole = _sample_text(raw, encoding)
    if options.delimiter == "auto":
        delimiter, evidence = _detect_delimiter(sample, whole, quote, path, fields)
        how.append(evidence)
    else:
        if len(options.delimiter) != 1 or options.delimiter in '"\r\n':
            raise input_error(
                path,
                f"survey.delimiter {options.delimiter!r} is not one character",
                "set survey.delimiter to auto or the file's delimiter (; , tab |)",
            )
        delimiter = options.delimiter
        how.append(f"delimiter {_show(delimiter)} configured")
    observed = _detect_quoting(sample, delimiter) if quote else "none"
    how.append(
        f"quoting {observed} detected from the first records"
        if options.quoting == "auto"
        else f"quoting configured {options.quoting}"
    )
    header = True
    if role == "labels":
        header, evidence = _text_labels_header(sample, whole, delimiter, quote, path, options)
        how.append(evidence)
    else:
        how.append("header present (a dataset export always has one)")
    return _Dialect(encoding, delimiter, quote, observed, header, how)


def _text_labels_header(
    sample: str, whole: bool, delimiter: str, quote: bool, path: str, options: ReadOptions
) -> tuple[bool, str]:
    """Whether the labels file has a header row, and why."""
    if options.labels_header in ("present", "absent"):
        return options.labels_header == "present", f"header configured {options.labels_header}"
    if options.labels_header != "auto":
        raise input_error(
            path,
            f"survey.labels_header '{options.labels_header}' is not auto, present or absent",
            "set survey.labels_header to auto, present or absent",
        )
    records = _records(sample, whole, delimiter, quote)
    if not records:
        raise input_error(path, "the labels file is empty", "export the labels again")
    found = _labels_header(records[0], path)
    reason = "its code is a whole number" if found == "absent" else "a known header"
    return found == "present", f"header {found} detected from row 1 ({reason})"


_BLANK_BYTES = codecs.BOM_UTF8 + b" \r\n\t\x00\xff\xfe"


def _blank(raw: bytes) -> bool:
    """No byte but white space, NULs and byte-order marks (an empty export); the
    first 64 KiB decide for any real file without copying a large one."""
    if raw[: 1 << 16].strip(_BLANK_BYTES):
        return False
    return not raw.strip(_BLANK_BYTES)


def _read_text(path: str, options: ReadOptions, role: str) -> tuple[pd.DataFrame, Detected]:
    """A delimited text export, detected then read by ``files.read_text_table``."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if _blank(raw):
        raise input_error(path, f"the {role} file is empty", "export the survey again")
    dialect = _text_dialect(raw, path, options, role)
    del raw
    what = "survey labels" if role == "labels" else "survey dataset"
    frame = files.read_text_table(
        path,
        delimiter=dialect.delimiter,
        encoding=dialect.encoding,
        what=what,
        header=dialect.header,
        quote=dialect.quote,
        names=None if dialect.header else LABEL_COLUMNS,
    )
    if role == "labels":
        if frame.shape[1] != 3:
            raise input_error(
                path,
                f"a labels table has 3 columns; this one has {frame.shape[1]}",
                "export the labels again, or set survey.delimiter",
                value=list(frame.columns),
            )
        frame.columns = LABEL_COLUMNS
    detected = Detected(
        role,
        path,
        "delimited text",
        "",
        dialect.encoding,
        _show(dialect.delimiter),
        dialect.quoting,
        "present" if dialect.header else "absent",
        "; ".join(dialect.how) + ".",
    )
    return frame, detected


# --------------------------------------------------------------------------- workbooks

Rows = list[list[object]]
# a workbook's sheet names and a reader of one sheet's rows (a list, or one at a time)
Sheets = tuple[list[str], Callable[[str], Iterable[Sequence[object]]]]


def _sheet_file(path: str, sheet: str) -> str:
    return f"{path} [sheet {sheet}]"


def _calamine_sheets(path: str) -> Sheets:
    """Sheet names and a reader of a sheet's rows, for an .xlsx."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(path)
        names = list(book.sheet_names)
    except Exception:  # calamine's errors (zip, xml, password) all mean: not readable
        raise input_error(
            path,
            "cannot be opened as an Excel workbook (damaged, encrypted or not really .xlsx)",
            _EXPORT_AGAIN,
        ) from None

    def rows(name: str) -> Iterable[Sequence[object]]:
        _refuse_formulas_and_errors(path, name, book)
        try:
            sheet = book.get_sheet_by_name(name)
            if sheet.start == (0, 0):
                # one row at a time: a million rows as Python values at once would
                # take several GiB (benchmarks/formats.md)
                return sheet.iter_rows()
            # iter_rows leaves out empty rows and columns before the data;
            # to_python keeps them, so cells stay where the sheet has them
            return sheet.to_python(skip_empty_area=False)
        except Exception:
            raise input_error(
                _sheet_file(path, name),
                "the sheet cannot be read (damaged workbook)",
                _EXPORT_AGAIN,
            ) from None

    return names, rows


# An .xlsx sheet's XML: a cell (its attributes, its content) and, inside, a formula
# or a value. Any namespace prefix (some writers use ``x:``).
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_XLSX_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+)([0-9]+)["']""")
_XLSX_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_XLSX_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)
_XLSX_FLAGS = (b"<f", b":f ", b":f>", b'"e"', b"'e'")  # a formula; t="e" (any spacing)
_XLSX_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Z0-9:]+)["']""")
# A SurveyXact export has no merged cells: Excel keeps only a merge's first value.
MERGED_HINT = (
    "a SurveyXact export has no merged cells (Excel keeps only the first cell's value "
    "when cells are merged): unmerge them and fill in each cell's value, or export again"
)
_XLSX_READ_BYTES = 16 * 1024 * 1024


def _sheet_parts(archive, path: str) -> dict[str, str]:
    """Sheet name -> the archive member holding its XML (xl/workbook.xml and its
    relationships; targets relative to xl/ or absolute)."""
    import posixpath
    import xml.etree.ElementTree as ET

    parts = [archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels")]
    if any(b"<!DOCTYPE" in part or b"<!ENTITY" in part for part in parts):
        raise input_error(  # never in an Excel workbook; its entities could expand
            path,
            "the workbook's XML declares a DOCTYPE or entities, which an Excel export never does",
            _EXPORT_AGAIN,
        )
    workbook, relations = (ET.fromstring(part) for part in parts)
    target = {
        rel.get("Id"): rel.get("Target", "")
        for rel in relations
        if rel.tag.endswith("Relationship")
    }
    parts = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        where = target.get(rel_id, "")
        if where:
            member = where.lstrip("/") if where.startswith("/") else posixpath.join("xl", where)
            parts[sheet.get("name", "")] = posixpath.normpath(member)
    return parts


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _refuse_formulas_and_errors(path: str, name: str, book) -> None:
    """An .xlsx sheet's formulas and error values are refused, cell by cell.

    calamine gives a formula's saved result, which may be stale or, in a file a
    program wrote and Excel never opened, missing (read as empty or 0), and an
    error value (#N/A, #DIV/0!, ...) as an empty cell: either would be read as an
    answer the respondent did not give. A SurveyXact export holds neither. The
    sheet's XML is scanned in blocks of whole rows; only a block that holds a
    formula or error at all is parsed cell by cell."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_parts(archive, path).get(name)
            if member is None or member not in archive.namelist():
                return  # calamine reads the sheet or says it cannot
            found: list[tuple[int, int, str, str]] = []
            merges: list[str] = []  # cell ranges, as "B3:C3"
            with archive.open(member) as handle:
                rest = b""
                while True:
                    block = handle.read(_XLSX_READ_BYTES)
                    data = rest + block
                    cut = len(data) if not block else data.rfind(b"row>") + 4
                    if cut < 4:
                        rest = data
                        continue
                    whole, rest = data[:cut], data[cut:]
                    if any(flag in whole for flag in _XLSX_FLAGS):
                        found += _flagged_cells(whole)
                    merges += [ref.decode() for ref in _XLSX_MERGE.findall(whole)]
                    if not block or len(found) >= 20:
                        break
    except InputError:
        raise
    except Exception:  # zlib, encryption, an unknown XML encoding, ...: not checkable
        raise input_error(
            _sheet_file(path, name),
            "the sheet's XML cannot be read to check it for formulas and error values "
            "(a damaged or unusual workbook)",
            _EXPORT_AGAIN,
        ) from None
    if merges:
        raise InputError(
            [
                Problem(
                    _sheet_file(path, name),
                    f"cells {cells} are merged: the cells under a merge hold no value",
                )
                for cells in merges[:20]
            ],
            MERGED_HINT,
        )
    if not found:
        return
    try:
        header = next(iter(book.get_sheet_by_name(name).iter_rows()), [])
    except Exception:  # calamine cannot read every error value (#SPILL!): columns by letter
        header = []
    problems = []
    if name == "Labels":  # no header row of names: the labels table's own columns
        header = list(LABEL_COLUMNS)
    for row, column, kind, text in found[:20]:
        cell = f"{_column_letters(column)}{row}" if row else "a cell without a reference"
        named = header[column - 1] if column and column <= len(header) else ""
        message = (
            f"cell {cell} holds an Excel error value, not an answer"
            if kind == "error"
            else f"cell {cell} holds a formula, whose saved result udsyn would have to trust"
        )
        problems.append(
            Problem(
                _sheet_file(path, name),
                message,
                row=(row - 1 if name != "Labels" else row) if row else None,
                column=str(named)
                if named not in ("", None)
                else (f"column {column}" if column else None),
                value=text,
            )
        )
    raise InputError(
        problems,
        "a SurveyXact export holds values only: export again, or in Excel copy the sheet "
        "and paste it back as values (Paste Special > Values), and fix or empty the error "
        "cells, then save",
    )


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "?"


def _flagged_cells(xml: bytes) -> list[tuple[int, int, str, str]]:
    """(sheet row, column number, "error" or "formula", its text) of each such cell."""
    out = []
    for cell in _XLSX_CELL.finditer(xml):
        attributes, content = cell.group(1), cell.group(2) or b""
        formula = _XLSX_FORMULA.search(content)
        is_error = bool(_XLSX_ERROR_TYPE.search(attributes))
        if not (formula or is_error):
            continue
        ref = _XLSX_REF.search(attributes)
        row, column = (int(ref.group(2)), _column_number(ref.group(1))) if ref else (0, 0)
        if formula:
            text = "=" + (formula.group(1) or b"").decode("utf-8", "replace")
            kind = "formula"
        else:
            value = _XLSX_VALUE.search(content)
            text = (value.group(1) if value else b"").decode("utf-8", "replace")
            kind = "error"
        out.append((row, column, kind, html.unescape(text)))
    return out


def _xml_sheets(path: str) -> Sheets:
    """Sheet names and a reader of a sheet's rows, for an Excel-XML workbook
    (SpreadsheetML); a DOCTYPE is refused (entities could expand or fetch)."""
    import xml.etree.ElementTree as ET

    with open(path, "rb") as handle:
        raw = handle.read()
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise input_error(
            path,
            "the XML file declares a DOCTYPE or entities, which an Excel-XML export never does",
            _EXPORT_AGAIN,
        )
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        raise input_error(
            path, f"is not well-formed XML (line {error.position[0]})", _EXPORT_AGAIN
        ) from None
    ns = "{" + SPREADSHEET_NS + "}"
    sheets = {sheet.get(ns + "Name", ""): sheet for sheet in root.iter(ns + "Worksheet")}

    def rows(name: str) -> Rows:
        return _xml_rows(sheets[name], ns, _sheet_file(path, name))

    return list(sheets), rows


def _xml_rows(sheet, ns: str, where: str) -> Rows:
    """A SpreadsheetML worksheet's cells (ss:Index skips columns and rows)."""
    out: Rows = []
    table = sheet.find(ns + "Table")
    for row in [] if table is None else table.iter(ns + "Row"):
        index = row.get(ns + "Index")
        while index and len(out) < int(index) - 1:
            out.append([])
        cells: list[object] = []
        for cell in row.iter(ns + "Cell"):
            at = cell.get(ns + "Index")
            while at and len(cells) < int(at) - 1:
                cells.append("")
            merged = cell.get(ns + "MergeAcross") or cell.get(ns + "MergeDown")
            if merged:
                sheet_row = len(out) + 1
                raise input_error(
                    where,
                    f"cell {_column_letters(len(cells) + 1)}{sheet_row} is merged with the "
                    "cells beside or below it: the cells under a merge hold no value",
                    MERGED_HINT,
                    row=sheet_row if where.endswith("[sheet Labels]") else sheet_row - 1,
                    column=f"column {len(cells) + 1}",
                )
            if cell.get(ns + "Formula"):
                # its Data is the saved result, which may be stale: as for .xlsx (the
                # data row: the sheet's row 1 is the header, except on the Labels sheet)
                sheet_row = len(out) + 1
                reference = f"{_column_letters(len(cells) + 1)}{sheet_row}"
                raise input_error(
                    where,
                    f"cell {reference} holds a formula, whose saved result udsyn would "
                    "have to trust",
                    "a SurveyXact export holds values only: export again, or paste the "
                    "sheet back as values in Excel and save",
                    row=sheet_row if where.endswith("[sheet Labels]") else sheet_row - 1,
                    column=f"column {len(cells) + 1}",
                    value=cell.get(ns + "Formula"),
                )
            data = cell.find(ns + "Data")
            cells.append(_xml_value(data, ns))
        out.append(cells)
    width = max((len(r) for r in out), default=0)
    return [r + [""] * (width - len(r)) for r in out]


EXCEL_XML_DAY_ZERO = dt.date(1899, 12, 31)


def _xml_value(data, ns: str) -> object:
    """A SpreadsheetML ``Data`` element as the value calamine would give (one its
    type cannot hold: an ``UnreadableCell``)."""
    if data is None:
        return ""
    kind, text = data.get(ns + "Type", "String"), "".join(data.itertext())
    try:
        if kind == "String":
            return text
        if kind == "Number":
            return int(text) if WHOLE_NUMBER.fullmatch(text.strip()) else float(text)
        if kind == "DateTime":
            value = dt.datetime.fromisoformat(text.strip())
            # Excel-XML writes a time of day alone as that time on Excel's day 0,
            # 1899-12-31: a time of day, as calamine gives the same cell of an .xlsx
            return value.time() if value.date() == EXCEL_XML_DAY_ZERO else value
        if kind == "Boolean":
            return text.strip() == "1"
    except ValueError:
        pass
    return UnreadableCell(kind, text)


def _empty_cell(value: object) -> bool:
    return value is None or value == ""


def _trim(rows: Rows) -> Rows:
    """Rows without the trailing empty rows and columns a workbook may report."""
    while rows and all(_empty_cell(v) for v in rows[-1]):
        rows = rows[:-1]
    width = max((len(r) for r in rows), default=0)
    while width and all(len(r) < width or _empty_cell(r[width - 1]) for r in rows):
        width -= 1
    return [list(r[:width]) + [""] * (width - len(r[:width])) for r in rows]


def _texts_fast(rows: Rows, timestamp_format: str) -> list[list[str]]:
    """``cell_text`` of every cell, each distinct non-text value converted once
    (a large export repeats its codes and flags millions of times). Keyed by type
    and value, since 1, 1.0 and True are equal as dictionary keys."""
    text = _cell_converter(timestamp_format)
    return [[value if type(value) is str else text(value) for value in row] for row in rows]


def _cell_converter(timestamp_format: str) -> Callable[[object], str]:
    """``cell_text`` remembering each distinct value it converted (keyed by type
    and value, since 1, 1.0 and True are equal as dictionary keys); a value it
    cannot convert raises ``_Unexpected`` every time."""
    converted: dict[tuple[type, object], str] = {}

    def text(value: object) -> str:
        key = (type(value), value)
        found = converted.get(key)
        if found is None:
            found = converted[key] = sheet_cell_text(value, timestamp_format)
        return found

    return text


def _as_text_rows(
    rows: Rows, where: str, header: list[str] | None, timestamp_format: str
) -> list[list[str]]:
    """Every cell through ``cell_text``; an unexpected cell is an InputError
    naming sheet, data row and column."""
    try:
        return _texts_fast(rows, timestamp_format)
    except _Unexpected:
        pass  # the cell by cell pass below names every such cell
    problems = []
    out = []
    for number, row in enumerate(rows, start=0 if header is None else 1):
        texts = []
        for index, value in enumerate(row):
            try:
                texts.append(sheet_cell_text(value, timestamp_format))
            except _Unexpected as why:
                column = header[index] if header else f"column {index + 1}"
                problems.append(
                    Problem(where, str(why), row=number or None, column=column, value=str(value))
                )
                texts.append("")
        out.append(texts)
    if problems:
        raise InputError(problems, _cells_hint("workbook"))
    return out


def _last_filled(row: Sequence[object]) -> int:
    """1 + the index of the row's last non-empty cell (0 for an empty row)."""
    for index in range(len(row) - 1, -1, -1):
        if not _empty_cell(row[index]):
            return index + 1
    return 0


def _sheet_table(
    rows: Iterable[Sequence[object]],
    where: str,
    options: ReadOptions,
    chunk_rows: int = SHEET_CHUNK_ROWS,
) -> pd.DataFrame:
    """A Dataset sheet as a table of text with its first row as header, as
    ``_trim`` and ``_as_text_rows`` would make it (trailing empty rows and
    columns left out; every cell through ``cell_text``), but read once, row by
    row: every ``chunk_rows`` rows become text columns, so only that many rows
    are Python values at a time."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    header_cells = [] if header_row is None else list(header_row)
    width, filled = _last_filled(header_cells), 0  # filled: data rows up to the last non-empty
    text = _cell_converter(options.timestamp_format)
    problems: list[Problem] = []

    def texts(row: Sequence[object], number: int) -> list[str]:
        out = []
        for index, value in enumerate(row):
            if type(value) is str:
                out.append(value)
                continue
            try:
                out.append(text(value))
            except _Unexpected as why:
                column = header_text[index] if index < len(header_text) else f"column {index + 1}"
                problems.append(
                    Problem(where, str(why), row=number, column=column, value=str(value))
                )
                out.append("")
        return out

    header_text = _as_text_rows([header_cells], where, None, options.timestamp_format)[0]
    chunks: list[tuple[int, list[pd.Series]]] = []  # (rows, columns) per chunk
    chunk: list[list[str]] = []

    def flush() -> None:
        if chunk:
            longest = max(len(row) for row in chunk)
            columns = [
                pd.Series([row[i] if i < len(row) else "" for row in chunk], dtype="str")
                for i in range(longest)
            ]
            chunks.append((len(chunk), columns))
            chunk.clear()

    for number, row in enumerate(iterator, start=1):
        last = _last_filled(row)
        if last:
            width, filled = max(width, last), number
        chunk.append(texts(row, number))
        if len(chunk) >= chunk_rows:
            flush()
    flush()
    if not width:
        raise input_error(where, "the sheet is empty", _EXPORT_AGAIN)
    header = header_text[:width] + [""] * (width - len(header_text))
    for index, name in enumerate(header):
        if name == "":
            raise input_error(
                where, f"column {index + 1} has no name in the header row", _EXPORT_AGAIN
            )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise input_error(
            where, "the header names a column twice", _EXPORT_AGAIN, value=", ".join(duplicated)
        )
    # a problem in a trailing empty row cannot be: an unexpected cell is not empty
    if problems:
        raise InputError(problems, _cells_hint("workbook"))
    columns = {}
    for i, name in enumerate(header):
        parts = [
            part[i] if i < len(part) else pd.Series([""] * size, dtype="str")
            for size, part in chunks
        ]
        column = pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype="str")
        columns[name] = column.iloc[:filled].reset_index(drop=True)
    return pd.DataFrame(columns, columns=header)


def _frame(body: list[list[str]], header: list[str]) -> pd.DataFrame:
    """A table of text cells shaped as ``read_text_table`` returns it."""
    columns = {
        name: pd.Series([row[i] for row in body], dtype="str") for i, name in enumerate(header)
    }
    return pd.DataFrame(columns, columns=header)


def _dataset_sheets(names: list[str], path: str) -> list[str]:
    """``Dataset`` or ``Dataset(1)``, ``Dataset(2)``, ... (numbered from 1 on)."""
    parts = sorted(
        (int(m.group(1)), name) for name in names if (m := DATASET_PART.fullmatch(name))
    )
    if "Dataset" in names and parts:
        raise input_error(
            path,
            "the workbook has both a Dataset sheet and numbered Dataset(n) sheets",
            "export the survey again",
            value=", ".join(names),
        )
    if "Dataset" in names:
        return ["Dataset"]
    if not parts:
        raise input_error(
            path,
            "the workbook has no Dataset sheet (sheets: " + ", ".join(names) + ")",
            "export the survey again from SurveyXact as Excel, or name the dataset sheet Dataset",
        )
    if [n for n, _ in parts] != list(range(1, len(parts) + 1)):
        raise input_error(
            path,
            "the numbered Dataset(n) sheets are not 1, 2, 3, ...",
            "export the survey again",
            value=", ".join(n for _, n in parts),
        )
    return [name for _, name in parts]


def _join_parts(tables: list[pd.DataFrame], sheets: list[str], path: str) -> pd.DataFrame:
    """Parts of a wide dataset side by side: each part repeats the respondent id
    as its first column, and must hold the same ids in the same order."""
    first = tables[0]
    for table, sheet in zip(tables, sheets):
        if table.columns[0].lower() not in RESPONDENT_IDS:
            raise input_error(
                _sheet_file(path, sheet),
                "the first column of a Dataset(n) part "
                "is not the respondent id (respondentid or responde)",
                "export the survey again",
                column=table.columns[0],
            )
    ids = first.iloc[:, 0].tolist()
    for table, sheet in zip(tables[1:], sheets[1:]):
        theirs = table.iloc[:, 0].tolist()
        if theirs != ids:
            raise _id_mismatch(ids, theirs, sheets[0], sheet, path, first.columns[0])
    seen: dict[str, str] = {name: sheets[0] for name in first.columns}
    for table, sheet in zip(tables[1:], sheets[1:]):
        for name in table.columns[1:]:
            if name in seen:
                raise input_error(
                    _sheet_file(path, sheet),
                    f"column '{name}' is also in sheet {seen[name]}",
                    "export the survey again",
                    column=name,
                )
            seen[name] = sheet
    joined = pd.concat([first] + [t.iloc[:, 1:] for t in tables[1:]], axis=1)
    return joined.reset_index(drop=True)


def _id_mismatch(
    ids: list[str], theirs: list[str], sheet: str, other: str, path: str, column: str
) -> InputError:
    """The first respondent where two parts differ: missing from which part, or
    in another order."""
    mine, their_set = set(ids), set(theirs)
    for row, value in enumerate(ids, start=1):
        if value not in their_set:
            return input_error(
                _sheet_file(path, sheet),
                f"respondent id is missing from sheet {other}",
                "export the survey again",
                row=row,
                column=column,
                value=value,
            )
    for row, value in enumerate(theirs, start=1):
        if value not in mine:
            return input_error(
                _sheet_file(path, other),
                f"respondent id is missing from sheet {sheet}",
                "export the survey again",
                row=row,
                column=column,
                value=value,
            )
    row = next(
        (i for i, (a, b) in enumerate(zip(ids, theirs), start=1) if a != b),
        min(len(ids), len(theirs)) + 1,
    )
    value = theirs[row - 1] if row <= len(theirs) else None
    return input_error(
        _sheet_file(path, other),
        f"the respondent ids are not in the order (or number) of sheet {sheet}",
        "export the survey again",
        row=row,
        column=column,
        value=value,
    )


def _workbook(path: str, fmt: str) -> Sheets:
    return _calamine_sheets(path) if fmt == "xlsx" else _xml_sheets(path)


def _ignored_note(names: list[str]) -> str:
    """The sheets neither reader reads (Structure is read by udsyn.ingest.export_structure)."""
    ignored = [
        n for n in names if n not in ("Dataset", "Labels") and not DATASET_PART.fullmatch(n)
    ]
    return f"; sheets {', '.join(ignored)} ignored" if ignored else ""


def _refuse_lookalike_sheets(names: list[str], read: list[str], kind: str, path: str) -> None:
    """A sheet named like the ``kind`` sheet read ("Dataset (2)", Excel's name for a
    copy, or "dataset"): which of them holds the export is not clear."""
    lookalikes = [
        n for n in names if n not in read and re.sub(r"[^a-z]", "", n.casefold()).startswith(kind)
    ]
    if lookalikes:
        raise input_error(
            path,
            f"besides sheet {' + '.join(read)} the workbook has sheet "
            f"{', '.join(lookalikes)}, named like it: which one holds the export is not clear",
            "delete or rename the sheet that is not SurveyXact's export (Excel names a "
            "copy of a sheet like 'Dataset (2)'), or export the survey again",
            value=", ".join(names),
        )


def _read_workbook_dataset(
    path: str, fmt: str, options: ReadOptions
) -> tuple[pd.DataFrame, Detected]:
    names, rows = _workbook(path, fmt)
    sheets = _dataset_sheets(names, path)
    _refuse_lookalike_sheets(names, sheets, "dataset", path)
    tables = [_sheet_table(rows(sheet), _sheet_file(path, sheet), options) for sheet in sheets]
    frame = tables[0] if len(tables) == 1 else _join_parts(tables, sheets, path)
    joined = " joined side by side on the respondent id" if len(sheets) > 1 else ""
    how = (
        f"format {fmt} detected from the file's first bytes; sheet{'s' if joined else ''} "
        f"{', '.join(sheets)}{joined}; header present (first row){_ignored_note(names)}."
    )
    return frame, Detected("dataset", path, fmt, "+".join(sheets), "", "", "", "present", how)


def _read_workbook_labels(
    path: str, fmt: str, options: ReadOptions
) -> tuple[pd.DataFrame, Detected]:
    names, rows = _workbook(path, fmt)
    if "Labels" not in names:
        raise input_error(
            path,
            "the workbook has no Labels sheet (sheets: " + ", ".join(names) + ")",
            "export the survey again from SurveyXact as Excel, or point "
            "survey.labels at the labels file",
        )
    _refuse_lookalike_sheets(names, ["Labels"], "labels", path)
    where = _sheet_file(path, "Labels")
    cells = _as_text_rows(_trim(list(rows("Labels"))), where, None, options.timestamp_format)
    if not cells:
        raise input_error(where, "the Labels sheet is empty", _EXPORT_AGAIN)
    if options.labels_header == "auto":
        found = _labels_header(cells[0], path, " [sheet Labels]")
        how_header = f"header {found} detected from row 1"
    elif options.labels_header in ("present", "absent"):
        found, how_header = options.labels_header, f"header configured {options.labels_header}"
    else:
        raise input_error(
            path,
            f"survey.labels_header '{options.labels_header}' is not auto, present or absent",
            "set survey.labels_header",
        )
    if len(cells[0]) != 3:
        raise input_error(
            where,
            f"a labels table has 3 columns; this one has {len(cells[0])}",
            "export the labels again",
            row=1,
            value=cells[0],
        )
    body = cells[1:] if found == "present" else cells
    how = (
        f"format {fmt} detected from the file's first bytes; sheet Labels; "
        f"{how_header}{_ignored_note(names)}."
    )
    return _frame(body, LABEL_COLUMNS), Detected(
        "labels", path, fmt, "Labels", "", "", "", found, how
    )


# --------------------------------------------------------------------------- sav


def _read_sav(path: str, **kwargs):
    """pyreadstat's read, its errors as an InputError."""
    import pyreadstat

    try:
        return pyreadstat.read_sav(path, apply_value_formats=False, **kwargs)
    except Exception:  # ReadstatError and friends: the file is not a readable .sav
        raise input_error(
            path, "cannot be read as an SPSS .sav file (damaged or truncated)", _EXPORT_AGAIN
        ) from None


# SPSS stores a date, datetime or time as seconds since 1582-10-14; the variable's
# format (pyreadstat's lists of them) only says how SPSS shows it.
SPSS_SECONDS_BEFORE_1970 = int(
    (dt.datetime(1970, 1, 1) - dt.datetime(1582, 10, 14)).total_seconds()
)
SPSS_DATE_AND_DATETIME_FORMATS = ("DATE", "ADATE", "EDATE", "JDATE", "SDATE", "DATETIME", "YMDHMS")
SPSS_TIME_FORMATS = ("TIME", "DTIME")


def sav_dates(values: pd.Series, spss_format: str) -> pd.Series:
    """A .sav variable's values read by its format: a date or datetime format gives
    timestamps, a time format times of day (refused by cell_text), any other the
    values as they are. The seconds stored are read whole: a date format set in
    SPSS to show a timestamp as a date (DATE11) does not drop its time of day."""
    kind = re.sub(r"[0-9.]+$", "", (spss_format or "").upper())
    if kind in SPSS_DATE_AND_DATETIME_FORMATS:
        # vectorised: a large export's two timestamp columns, not a value at a time
        return pd.Series(pd.to_datetime(values - SPSS_SECONDS_BEFORE_1970, unit="s"), dtype=object)
    if kind in SPSS_TIME_FORMATS:
        return values.map(
            lambda s: (
                None if pd.isna(s) else (dt.datetime.min + dt.timedelta(seconds=float(s))).time()
            )
        )
    return values


def _sav_column(values: pd.Series, name: str, path: str, options: ReadOptions) -> pd.Series:
    """One .sav variable as text: numbers as a CSV writes them, datetimes in
    ``timestamp_format``, strings as they are."""
    problems, out = [], []
    for row, value in enumerate(values.tolist(), start=1):
        try:
            out.append(cell_text(value, options.timestamp_format))
        except _Unexpected as why:
            problems.append(Problem(path, str(why), row=row, column=name, value=str(value)))
            out.append("")
    if problems:
        raise InputError(problems, _cells_hint("SPSS file"))
    return pd.Series(out, dtype="str")


def _read_sav_dataset(path: str, options: ReadOptions) -> tuple[pd.DataFrame, Detected]:
    # user_missing: a value declared missing in SPSS (MISSING VALUES, e.g. 9 "Ved
    # ikke" set missing by hand) is read as the code it is, not as an empty cell:
    # the questionnaire and the cleaning rules decide what a code means.
    # disable_datetime_conversion: pyreadstat would read a date-formatted variable as
    # a date, dropping the time of day it holds; sav_dates reads the seconds whole
    data, meta = _read_sav(path, user_missing=True, disable_datetime_conversion=True)
    header = list(data.columns)
    formats = meta.original_variable_types
    frame = pd.DataFrame(
        {
            name: _sav_column(sav_dates(data[name], formats.get(name, "")), name, path, options)
            for name in header
        },
        columns=header,
    )
    how = "format sav detected from the file's first bytes ($FL2/$FL3); variable names as header."
    declared = _declared_missing(meta.missing_ranges or {})
    if declared:
        how += f" Values the file declares user-missing, read as their codes: {declared}."
    return frame, Detected("dataset", path, "sav", "", "", "", "", "present", how)


def _declared_missing(ranges: dict) -> str:
    """The .sav's user-missing declarations, variable by variable: ``q1 9; q3 90-99``."""
    parts = []
    for name, declared in ranges.items():
        values = [
            cell_text(item["lo"], "")
            if item["lo"] == item["hi"]
            else f"{cell_text(item['lo'], '')}-{cell_text(item['hi'], '')}"
            for item in declared
        ]
        if values:
            parts.append(f"{name} {', '.join(values)}")
    return "; ".join(parts)


def _read_sav_labels(path: str, options: ReadOptions) -> tuple[pd.DataFrame, Detected]:
    _, meta = _read_sav(path, metadataonly=True)
    body = []
    for name in meta.column_names:
        for code, label in (meta.variable_value_labels.get(name) or {}).items():
            try:
                body.append([name, cell_text(code, options.timestamp_format), label])
            except _Unexpected as why:
                raise input_error(
                    path,
                    f"a value label's code is {why}",
                    _EXPORT_AGAIN,
                    column=name,
                    value=str(code),
                ) from None
    how = (
        "format sav detected from the file's first bytes ($FL2/$FL3); labels from its "
        "embedded value labels, variables in column order."
    )
    return _frame(body, LABEL_COLUMNS), Detected(
        "labels", path, "sav", "value labels", "", "", "", "absent", how
    )


# --------------------------------------------------------------------------- API


def _read(path: str | Path, options: ReadOptions, role: str) -> tuple[pd.DataFrame, Detected]:
    path = str(path)
    fmt = export_format(path)
    if fmt == "delimited text":
        return _read_text(path, options, role)
    if fmt == "sav":
        return (_read_sav_dataset if role == "dataset" else _read_sav_labels)(path, options)
    reader = _read_workbook_dataset if role == "dataset" else _read_workbook_labels
    return reader(path, fmt, options)


def read_dataset(path: str | Path, options: ReadOptions) -> tuple[pd.DataFrame, Detected]:
    """The survey dataset: columns named as in the file, every cell text ("" for
    empty), rows in file order; how it was read in ``Detected``."""
    return _read(path, options, "dataset")


def read_labels(path: str | Path, options: ReadOptions) -> tuple[pd.DataFrame, Detected]:
    """The labels: columns field_name, field_value, field_text in file order,
    the header row dropped; from a workbook's Labels sheet or a .sav's value
    labels when ``path`` is one. Label texts are not trimmed."""
    return _read(path, options, "labels")
