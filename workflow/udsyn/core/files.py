"""Reading inputs and writing outputs: the only module that touches files.

Reading turns every expected failure (missing file, wrong encoding, NUL
bytes, a wrong delimiter, an unclosed quote, ragged rows) into an
``InputError`` naming file, row, column and value. Writing is deterministic
(fixed column order, sorted rows chosen by the caller, fixed float format,
UTF-8, ``\\n``), safe to open in a spreadsheet (formula-like text neutralised
with a leading apostrophe, see ``csv_safety``) and atomic: a table is written
to a temporary file beside its target and renamed, so a killed build never
leaves a half-written output; an output that cannot be written is an
``OutputError``.
"""

from __future__ import annotations

import codecs
import csv
import errno
import glob
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from io import BytesIO, StringIO
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from udsyn.core.errors import InputError, OutputError, Problem, input_error
from udsyn.core.yaml_reader import read_yaml  # noqa: F401 (the rules' one YAML reader)

# Floats are written with a fixed number of decimals so that the same values
# always give the same bytes, whatever the platform's repr.
FLOAT_FORMAT = "%.6f"


# The csv module (used to check and locate, not to read) refuses values over
# 128 KiB by default; a free-text answer may be longer.
csv.field_size_limit((1 << 31) - 1)
# Delimiters a wrongly configured export is likely to use instead.
_OTHER_DELIMITERS = (";", ",", "\t", "|")
_ENCODING_HINT = (
    "set the file's real encoding in config (survey.encoding: utf-8, cp1252, "
    "latin-1 or utf-16), or re-export the file as UTF-8"
)
# Arrow parses the file in blocks and cannot split a record between two blocks,
# so a block must hold the longest record: the whole file, within reason.
_MIN_BLOCK = 1 << 20
_MAX_BLOCK = (1 << 31) - 1
# The fast path (``_read_plain_utf8``) parses blocks of this size on every core;
# a record longer than a block makes it give way to the exact path.
_FAST_BLOCK = 4 << 20


def _codec(encoding: str) -> str:
    """The codec to decode with: UTF-8 accepts (and drops) a byte-order mark."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _quoting(quote: bool) -> int:
    """The csv module's quoting for a file whose '"' quotes values (or is an
    ordinary character: ``quote=False``)."""
    return csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE


def _locate(text: str, offset: int, delimiter: str, quote: bool = True) -> tuple[int, int]:
    """(record, field) at character ``offset``, both 0-based; record 0 is the
    first record (the header when the file has one).

    Blank lines are not records (the reader skips them), as in the row numbers
    of every other message.
    """
    # A sentinel character ends the prefix inside the field that holds ``offset``.
    prefix = StringIO(text[:offset] + "\x01", newline="")
    count, last = 0, []  # counted, not kept: the prefix may be most of a large file
    for record in csv.reader(prefix, delimiter=delimiter, quoting=_quoting(quote)):
        if record:
            count, last = count + 1, record
    return count - 1, len(last) - 1


def _where(
    path: str,
    text: str,
    offset: int,
    delimiter: str,
    header: list[str],
    message: str,
    *,
    has_header: bool = True,
    quote: bool = True,
) -> Problem:
    """A Problem at character ``offset`` of ``text``, naming data row and column
    (without a header row, the first record is data row 1)."""
    record, field_no = _locate(text, offset, delimiter, quote)
    column = header[field_no] if 0 <= field_no < len(header) else None
    if record == 0 and has_header:
        return Problem(path, "in the header: " + message, column=column)
    return Problem(path, message, row=record + (0 if has_header else 1), column=column)


def where_in_text(
    path: str,
    text: str,
    offset: int,
    delimiter: str,
    message: str,
    *,
    has_header: bool = True,
    quote: bool = True,
) -> Problem:
    """A Problem at character ``offset`` of a delimited ``text`` naming its data row
    and column, for readers that find a problem before parsing (e.g. an ambiguous
    byte while detecting the encoding)."""
    first = next(
        (
            r
            for r in csv.reader(
                StringIO(text, newline=""), delimiter=delimiter, quoting=_quoting(quote)
            )
            if r
        ),
        [],
    )
    header = first if has_header else []
    return _where(
        path, text, offset, delimiter, header, message, has_header=has_header, quote=quote
    )


def _guess_encoding(raw: bytes) -> str:
    """A short guess at what a file that failed to decode really is."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "it starts with a UTF-16 byte-order mark: the file is UTF-16 (survey.encoding: utf-16)"
        )
    if raw[:200].count(b"\x00") > 20:
        return (
            "it has NUL bytes between the letters: the file is probably UTF-16 "
            "(survey.encoding: utf-16)"
        )
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return "it is not cp1252 either"
    return (
        "it decodes as cp1252, the Windows encoding of Western European text: the file is "
        "probably cp1252 (survey.encoding: cp1252)"
    )


def _decode(
    raw: bytes,
    path: str,
    encoding: str,
    delimiter: str,
    *,
    has_header: bool = True,
    quote: bool = True,
) -> str:
    """The file's text; an InputError naming row, column and bytes if it does not decode."""
    try:
        codec = codecs.lookup(_codec(encoding)).name
    except LookupError:
        raise input_error(
            path, f"'{encoding}' is not an encoding Python knows", _ENCODING_HINT
        ) from None
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        # UTF-16 decodes in whole units: locate by the text before the bad unit.
        start = error.start - error.start % 2 if codec.startswith("utf-16") else error.start
        try:
            prefix = raw[:start].decode(codec)
        except UnicodeDecodeError:
            prefix = ""
        header = (
            next(
                csv.reader(
                    StringIO(prefix, newline=""), delimiter=delimiter, quoting=_quoting(quote)
                ),
                [],
            )
            if has_header
            else []
        )
        problem = _where(
            path,
            prefix,
            len(prefix),
            delimiter,
            header,
            f"cannot be decoded as {encoding} ({error.reason}); {_guess_encoding(raw)}",
            has_header=has_header,
            quote=quote,
        )
        problem = replace(problem, value=raw[error.start : error.start + 4])
        raise InputError([problem], _ENCODING_HINT) from None


def _check_text(
    text: str,
    path: str,
    delimiter: str,
    header: list[str],
    what: str,
    hint: str,
    *,
    has_header: bool = True,
    quote: bool = True,
) -> None:
    """Problems the CSV reader would not report: NUL bytes, a wrong delimiter, a
    quoted value that is never closed."""
    nul = text.find("\x00")
    if nul >= 0:
        count = text.count("\x00")
        # the cell around it, bounded by delimiters and line ends
        start = max(text.rfind(mark, 0, nul) for mark in (delimiter, "\n", "\r")) + 1
        end = min(text.find(mark, nul) % (len(text) + 1) for mark in (delimiter, "\n", "\r"))
        context = text[start:end].strip('"')
        raise InputError(
            [
                replace(
                    _where(
                        path,
                        text,
                        nul,
                        delimiter,
                        header,
                        f"contains a NUL byte ({count} in the file), which no text export holds",
                        has_header=has_header,
                        quote=quote,
                    ),
                    value=context,
                )
            ],
            "the file is damaged or not text in the configured encoding (NUL bytes "
            "between letters mean UTF-16: survey.encoding: utf-16); remove the NUL "
            "bytes or export the file again",
        ) from None
    if len(header) == 1 and has_header:
        others = [d for d in _OTHER_DELIMITERS if d != delimiter and d in header[0]]
        if others:
            shown = {"\t": "a tab"}.get(others[0], f"'{others[0]}'")
            raise input_error(
                path,
                f"the header is a single column that contains {shown}: the "
                f"file seems to be delimited by {shown}, not '{delimiter}'",
                f"set the delimiter the {what} really uses in config "
                "(survey.delimiter), or export it again with ';'",
                value=header[0],
            )
    if quote:
        _check_text_after_quote(text, path, delimiter, header, what, has_header)
    # An unclosed quote swallows the rest of the file into one value. It leaves an
    # odd number of quote characters; only then is the text parsed strictly.
    if quote and text.count('"') % 2:
        try:
            for _ in csv.reader(StringIO(text, newline=""), delimiter=delimiter, strict=True):
                pass
        except csv.Error as error:
            records = [r for r in csv.reader(StringIO(text, newline=""), delimiter=delimiter) if r]
            last = len(records) - (1 if has_header else 0)
            column = header[len(records[-1]) - 1] if len(records[-1]) <= len(header) else None
            if str(error) == "unexpected end of data":
                message = "a quoted value starts here and is never closed"
            else:
                message = f"has a stray quote character ({error})"
            value = records[-1][-1] if records[-1] else None
            raise InputError(
                [Problem(path, message, row=last or None, column=column, value=value)],
                "close the quote (a '\"' inside a quoted value is written '\"\"'), "
                f"or export the {what} again",
            ) from None


_SCAN_BYTES = 16 * 1024 * 1024


def _maybe_text_after_quote(data: bytes, delimiter: str) -> bool:
    """Whether a quoted value may go on after its closing quote. In a well-formed
    file the 1st, 3rd, ... quote opens a value (or is the second of a doubled
    quote): it follows the file's start, a delimiter, a line end or a quote; the
    2nd, 4th, ... closes it (or is the first of a doubled quote): a delimiter, a
    line end, a quote or the end follows. Any other neighbour is a candidate (a
    harmless quote inside an unquoted value is one too, and shifts the count: the
    strict parse then decides). Counted with numpy in blocks: a fraction of a
    second per 100 MB, and memory for one block. ``data``: ASCII-compatible bytes
    (UTF-8 or 8-bit), so quotes and delimiters are single bytes."""
    array = np.frombuffer(data, dtype=np.uint8)
    stops = np.frombuffer((delimiter + '\r\n"').encode(), dtype=np.uint8)
    seen = 0  # quotes before the block
    for start in range(0, array.size, _SCAN_BYTES):
        quotes = np.flatnonzero(array[start : start + _SCAN_BYTES] == ord('"')) + start
        opening, closing = quotes[seen % 2 :: 2], quotes[(seen + 1) % 2 :: 2]
        before = array[opening[opening > 0] - 1]
        after = array[closing[closing + 1 < array.size] + 1]
        if (~np.isin(before, stops)).any() or (~np.isin(after, stops)).any():
            return True
        seen += quotes.size
    return False


class _Lines:
    """The lines of a text as ``StringIO(text, newline="")`` gives them (line ends
    kept), and ``offset``: where the next line starts."""

    def __init__(self, text: str) -> None:
        self._lines = StringIO(text, newline="")
        self.offset = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.offset += len(line)
        return line


def _text_after_quote_at(text: str, delimiter: str) -> tuple[int, int]:
    """(opening quote, end of the value) of the first quoted value that goes on
    after its closing quote, read as a strict parser reads; (-1, -1) if none.
    Character by character: only run on a file the strict parse has refused."""
    in_quotes = closed = False
    field_start, opened, i, size = True, -1, 0, len(text)
    ends = (delimiter, "\r", "\n")
    while i < size:
        c = text[i]
        if in_quotes:
            if c == '"':
                if i + 1 < size and text[i + 1] == '"':
                    i += 2
                    continue
                in_quotes, closed = False, True
        elif closed:
            if c not in ends:
                end = min(text.find(mark, i) % (size + 1) for mark in ends)
                return opened, end
            closed, field_start = False, True
        elif c == '"' and field_start:
            in_quotes, field_start, opened = True, False, i
        else:
            field_start = c in ends
        i += 1
    return -1, -1


def _check_text_after_quote(
    text: str, path: str, delimiter: str, header: list[str], what: str, has_header: bool
) -> None:
    """A value that starts quoted and goes on after its closing quote
    (``"Projekt Nord" er godt``, written by hand or by another program): the
    readers would drop the quotes and join the rest, a value the file does not
    hold. Where the quotes' count allows one (``_maybe_text_after_quote``), the
    text is parsed strictly, which tells it from a quote inside an unquoted value."""
    if not _maybe_text_after_quote(text.encode("utf-8"), delimiter):
        return
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    record_start = 0
    try:
        for _ in reader:
            record_start = lines.offset
    except csv.Error:
        # The record the strict parse stopped in holds the first such value; the
        # character-by-character search starts there (at a record's start it is
        # in the state it starts a file in), not at the file's start.
        offset, end = _text_after_quote_at(text[record_start:], delimiter)
        if offset < 0:
            return  # another strict-parse error: the checks below name it
        offset, end = offset + record_start, end + record_start
        problem = _where(
            path,
            text,
            offset,
            delimiter,
            header,
            "a quoted value goes on after its closing quote: read, its quotes would be "
            "dropped and the rest joined to it",
            has_header=has_header,
        )
        raise InputError(
            [replace(problem, value=text[offset:end])],
            "quote the whole value and double each quote inside it "
            '("""Projekt Nord"" er godt"), or export the '
            f"{what} again",
        ) from None


def read_text_table(
    path: str | Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    what: str = "table",
    hint: str = "",
    header: bool = True,
    names: list[str] | None = None,
    quote: bool = True,
) -> pd.DataFrame:
    """Read a delimited file with every cell as a string ("" for empty).

    Nothing is converted on reading: parsing is the cleaning step's job, where
    each conversion is a documented, logged rule. Every problem is an
    InputError naming the data row and column: bytes that do not decode in the
    configured encoding (with a guess at the real one), NUL bytes, a header
    that is one column holding another delimiter, an unclosed quote, and rows
    with too many or too few fields (pandas would silently pad or truncate
    them). A UTF-8 byte-order mark is accepted; line ends may be mixed
    (``\\n``, ``\\r\\n``, ``\\r``); blank lines are skipped.

    ``header=False``: the file has no header row; its columns are ``names`` and
    its first record is data row 1. ``quote=False``: '"' is an ordinary
    character (a file written without quoting), not the start of a quoted value.
    Any codec Python knows is accepted (e.g. utf-16-le, iso-8859-15); the file
    is decoded in one go, not row by row.
    """
    path = str(path)
    if not header and not names:
        raise ValueError("read_text_table(header=False) needs the column names")
    hint = hint or f"check that {path} is the {what} and that config names it correctly"
    if not os.path.exists(path):
        raise input_error(path, f"the {what} file does not exist", hint)
    if os.path.isdir(path):
        raise input_error(path, f"the {what} path is a folder, not a file", hint)
    with open(path, "rb") as handle:
        raw = handle.read()
    fast = _read_plain_utf8(raw, delimiter, encoding) if header and quote else None
    if fast is not None:
        return fast
    shape = dict(has_header=header, quote=quote)
    text = _decode(raw, path, encoding, delimiter, **shape)
    del raw  # a large export is held once as text, once as UTF-8 bytes, not three times
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark in a UTF-16 or cp1252 file
    try:
        first = next(
            (
                r
                for r in csv.reader(
                    StringIO(text, newline=""), delimiter=delimiter, quoting=_quoting(quote)
                )
                if r
            ),
            [],
        )
        if not first:  # (a first record means the text is not blank)
            raise input_error(path, f"the {what} file is empty", hint)
        header_row = first if header else list(names)
        _check_text(text, path, delimiter, header_row, what, hint, **shape)
    except csv.Error as error:
        raise input_error(path, f"cannot be read as a delimited table ({error})", hint) from None
    duplicated = sorted({name for name in header_row if header_row.count(name) > 1})
    if duplicated:
        raise input_error(
            path, "the header names a column twice", hint, value=", ".join(duplicated)
        )
    ragged: list[Problem] = []
    expected = "the header has" if header else "the table has"

    def note_ragged(row) -> str:
        ragged.append(
            Problem(
                path,
                f"has {row.actual_columns} fields where {expected} {row.expected_columns}",
                row=row.number - (1 if header else 0),
                value=row.text,
            )
        )
        return "skip"

    data = text.encode("utf-8")
    del text
    # Decoded and checked: a plain table now takes the parallel path as UTF-8
    # (the same cells; anything unusual gives way to the exact parse below).
    fast = _read_plain_utf8(data, delimiter, "utf-8") if header and quote else None
    if fast is not None:
        return fast
    try:
        table = pa_csv.read_csv(
            BytesIO(data),
            read_options=pa_csv.ReadOptions(
                encoding="utf8",
                use_threads=False,
                block_size=min(max(_MIN_BLOCK, len(data) + 1), _MAX_BLOCK),
                column_names=None if header else list(names),
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                quote_char='"' if quote else False,
                invalid_row_handler=note_ragged,
            ),
            convert_options=_string_columns(header_row),
        )
    except pa.ArrowInvalid as error:
        raise _arrow_error(
            path, str(error), header_row, hint, first_row=1 if header else 0
        ) from None
    if ragged:
        raise InputError(
            ragged,
            f"check the delimiter in config (now '{delimiter}') and that quoted text is closed",
        )
    return table.to_pandas()


def _string_columns(header: list[str], text: pa.DataType | None = None) -> pa_csv.ConvertOptions:
    """Every column as text (``text``: pa.string() unless given), "" for an empty cell
    (nothing converted on reading)."""
    text = pa.string() if text is None else text
    return pa_csv.ConvertOptions(
        column_types={name: text for name in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def _read_plain_utf8(raw: bytes, delimiter: str, encoding: str) -> pd.DataFrame | None:
    """The table of a UTF-8 file with nothing wrong in it, parsed in parallel
    without decoding it in Python first; None whenever anything is unusual (other
    encodings, a quoted or one-column or repeated header, NUL bytes, an odd number
    of quotes, bytes that are not UTF-8, ragged rows, a record longer than a
    block), and ``read_text_table`` then takes its exact path, which reads the
    same table or names the problem. For large exports: the same cells, faster."""
    if _codec(encoding) != "utf-8-sig" or len(delimiter) != 1 or delimiter in '"\r\n':
        return None
    data = memoryview(raw)[3:] if raw.startswith(codecs.BOM_UTF8) else memoryview(raw)
    if bytes(data[:3]) == codecs.BOM_UTF8 or raw.find(b"\x00") >= 0 or raw.count(b'"') % 2:
        return None
    if _maybe_text_after_quote(raw, delimiter):  # the exact path checks it
        return None
    ends = [i for i in (raw.find(b"\n", 0, 1 << 20), raw.find(b"\r", 0, 1 << 20)) if i >= 0]
    if not ends:
        return None
    line = raw[len(raw) - len(data) : min(ends)]
    try:
        header = line.decode("utf-8").split(delimiter)
    except UnicodeDecodeError:
        return None
    if b'"' in line or len(header) < 2 or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pa_csv.ReadOptions(
                encoding="utf8", use_threads=True, block_size=_FAST_BLOCK
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            # pandas holds text as large_string: read so, and no column is cast
            convert_options=_string_columns(header, pa.large_string()),
        )
    except pa.ArrowInvalid:
        return None
    if table.column_names != header:
        return None
    return table.to_pandas()


def _arrow_error(
    path: str, message: str, header: list[str], hint: str, first_row: int = 1
) -> InputError:
    """pyarrow's message as an InputError naming row and column where it says them
    (``first_row``: records before data row 1, the header's one or none)."""
    found = re.search(r"column #(\d+): Row #(\d+)", message)
    row = int(found.group(2)) - first_row if found else None
    column = header[int(found.group(1))] if found and int(found.group(1)) < len(header) else None
    if "UTF8" in message or "decode" in message.lower():
        return input_error(
            path,
            "cannot be decoded as the configured encoding",
            _ENCODING_HINT,
            row=row,
            column=column,
        )
    if "Empty CSV" in message:
        return input_error(path, "the file is empty", hint)
    return input_error(
        path, f"cannot be read as a delimited table: {message}", hint, row=row, column=column
    )


def read_table(path: str | Path, text: Iterable[str] = ()) -> pd.DataFrame:
    """Read a table udsyn wrote: only empty cells are missing.

    (pandas would otherwise turn free text such as "NA" or "None" into missing.)
    ``text``: columns kept as the text written (where present), e.g. the
    multiverse's choice columns: a cut-off year written "2008" in a column with
    empty cells would otherwise come back as the float 2008.0.
    """
    return pd.read_csv(
        path,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
        dtype={column: str for column in text} or None,
    )


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_open(path: str | Path) -> Iterator[TextIO]:
    """Open a temporary text file beside ``path``; rename it there on success.

    On any failure the temporary file is removed and ``path`` is untouched; a
    failure to write (permissions, a read-only or full disk) is an OutputError.
    A temporary file left for ``path`` by a killed build is removed first.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A build killed while writing (SIGKILL, power loss) leaves its temporary
        # file; only one job writes a given output, so any such file is stale.
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            stale.unlink(missing_ok=True)
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        raise _output_error(path, error) from None
    try:
        with handle:
            yield handle
        os.chmod(handle.name, 0o666 & ~_UMASK)  # as an ordinary new file (not 0600)
        os.replace(handle.name, path)
    except BaseException as error:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in _UNWRITABLE:
            raise _output_error(path, error) from None
        raise


# Why an output cannot be written: permissions, a read-only file system, a full disk.
_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _output_error(path: Path, error: OSError) -> OutputError:
    return OutputError(
        [Problem(str(path), f"cannot be written: {error.strerror}")],
        f"make {path.parent} writable (permissions, a read-only or full disk) "
        "and run make again; nothing half-written was kept",
    )


# A spreadsheet runs a cell that starts with one of these as a formula
# ("CSV injection"); a leading apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISE_PREFIX = "'"
# A text cell that is a plain number ("-5", "+1.5e3", "-2,5") is read as a
# number, not run: it is left as it is, so negative numbers stay numbers.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
# A carriage return not followed by a line feed (an old Mac line break): the
# CSV writer would leave it unquoted, and a reader would end the row there.
_LONE_CR = re.compile(r"\r(?!\n)")


def formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (see ``FORMULA_START``)."""
    return (
        isinstance(value, str)
        and value[:1] in FORMULA_START
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def csv_safety(value: object) -> tuple[object, tuple[str, ...]]:
    """``value`` as a results CSV holds it, and the rules that made it so.

    ``formula_neutralised``: formula-like text gets a leading apostrophe.
    ``line_break_normalised``: a lone carriage return becomes a line feed.
    Anything else (numbers, missing values, ordinary text) is returned as it is.
    """
    if not isinstance(value, str):
        return value, ()
    rules = []
    if formula_like(value):
        value, rules = NEUTRALISE_PREFIX + value, ["formula_neutralised"]
    if "\r" in value:
        value, count = _LONE_CR.subn("\n", value)
        if count:
            rules.append("line_break_normalised")
    return value, tuple(rules)


def safe_cell(value: object) -> object:
    """``value`` as written to a results CSV (see ``csv_safety``)."""
    return csv_safety(value)[0]


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def _candidates(column: pd.Series) -> np.ndarray:
    """Cells ``csv_safety`` may change: text starting with a formula character or
    holding a carriage return (vectorised for string columns)."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.str.contains(r"^[=+\-@\t\r]|\r", regex=True, na=False).to_numpy(bool)
    return column.map(
        lambda v: isinstance(v, str) and (v[:1] in FORMULA_START or "\r" in v)
    ).to_numpy(dtype=bool)


def make_csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell as a results CSV holds it (``csv_safety``):
    safe to open in a spreadsheet and one record per row.

    Numeric columns are never touched, nor text cells that are plain numbers.
    Returns ``frame`` itself when nothing needs changing.
    """
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = list(column.cat.categories)
            safe = [safe_cell(c) for c in categories]
            if safe != categories:
                changed[name] = column.cat.rename_categories(safe)
        elif _is_text(column):
            candidates = _candidates(column)
            if candidates.any():
                changed[name] = column.where(~candidates, column.astype(object).map(safe_cell))
    return frame.assign(**changed) if changed else frame


# From this many rows a table of only text and integer columns is rendered with
# pyarrow (``_plain_csv_text``): the bytes pandas writes, faster.
_FAST_WRITE_ROWS = 10_000


def _plain_csv_text(frame: pd.DataFrame) -> str | None:
    """``frame`` as pandas' ``to_csv`` writes it (header; ","; "\\n"; empty for
    missing; a cell holding a comma, a quote or a line feed quoted, its quotes
    doubled, as the csv module's QUOTE_MINIMAL does), rendered column-wise by
    pyarrow; None unless every column is text or integer and there are two or more
    (pandas quotes a lone empty cell): the caller then writes it with pandas."""
    if frame.shape[1] < 2 or not all(
        isinstance(dtype, pd.StringDtype)
        or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
        for dtype in frame.dtypes
    ):
        return None
    header = StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(name) for name in frame.columns])
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    try:  # no cell needs quoting (pyarrow refuses otherwise): its own writer
        body = BytesIO()
        pa_csv.write_csv(
            table, body, pa_csv.WriteOptions(include_header=False, quoting_style="none", eol="\n")
        )
        return header.getvalue() + body.getvalue().decode("utf-8")
    except pa.ArrowInvalid:
        pass

    def scalar(text: str) -> pa.Scalar:
        return pa.scalar(text, pa.large_string())

    cells = []
    for column in table.columns:
        text = pc.cast(column, pa.large_string())
        if not pa.types.is_integer(column.type):
            quoted = pc.binary_join_element_wise(
                scalar('"'), pc.replace_substring(text, '"', '""'), scalar('"'), scalar("")
            )
            text = pc.if_else(pc.match_substring_regex(text, '[,"\n]'), quoted, text)
        cells.append(pc.fill_null(text, scalar("")))
    lines = pc.binary_join_element_wise(
        pc.binary_join_element_wise(*cells, scalar(",")), scalar("\n"), scalar("")
    )
    # the records lie end to end in the array's data buffer: take them as one text
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    if len(lines) == 0:
        return header.getvalue()
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return header.getvalue() + data[int(bounds[0]) : int(bounds[-1])].to_pybytes().decode("utf-8")


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV deterministically and atomically, safe to open in a
    spreadsheet and one record per row (``make_csv_safe``)."""
    safe = make_csv_safe(frame)
    text = _plain_csv_text(safe) if len(safe) >= _FAST_WRITE_ROWS else None
    if text is None:  # rendered in memory and written at once: pandas writes a record at a time
        text = safe.to_csv(None, index=False, lineterminator="\n", float_format=FLOAT_FORMAT)
    with atomic_open(path) as handle:
        handle.write(text)


def write_text(text: str, path: str | Path) -> None:
    """Write a text file atomically (UTF-8, ``\\n`` line ends as given)."""
    with atomic_open(path) as handle:
        handle.write(text)


def sha256_of(path: str | Path) -> str:
    """The sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
