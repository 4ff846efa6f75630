"""Reading inputs and writing outputs: the only module that touches files.

Reading turns every expected failure (missing file, wrong encoding, ragged
rows) into an ``InputError``. Writing is deterministic (fixed column order,
sorted rows chosen by the caller, fixed float format, UTF-8, ``\\n``) and
atomic: a table is written to a temporary file beside its target and renamed,
so a killed build never leaves a half-written output.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import yaml

from udsyn.errors import InputError, Problem, input_error

# Floats are written with a fixed number of decimals so that the same values
# always give the same bytes, whatever the platform's repr.
FLOAT_FORMAT = "%.6f"


def _header(path: str, delimiter: str, encoding: str) -> list[str]:
    """The first record of a delimited file (a UTF-8 byte-order mark is dropped)."""
    encoding = "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding
    with open(path, encoding=encoding, newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter), [])


def read_text_table(path: str | Path, *, delimiter: str = ",", encoding: str = "utf-8",
                    what: str = "table", hint: str = "") -> pd.DataFrame:
    """Read a delimited file with every cell as a string ("" for empty).

    Nothing is converted on reading: parsing is the cleaning step's job, where
    each conversion is a documented, logged rule. Rows with too many or too
    few fields are errors (pandas would silently pad or truncate them).
    """
    path = str(path)
    hint = hint or f"check that {path} is the {what} and that config names it correctly"
    if not os.path.exists(path):
        raise input_error(path, f"the {what} file does not exist", hint)
    try:
        header = _header(path, delimiter, encoding)
    except UnicodeError as error:
        raise input_error(path, f"cannot be decoded as {encoding} ({error.reason})",
                          _ENCODING_HINT) from None
    if not header:
        raise input_error(path, f"the {what} file is empty", hint)
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise input_error(path, "the header names a column twice", hint, row=0,
                          value=", ".join(duplicated))
    ragged: list[Problem] = []

    def note_ragged(row) -> str:
        ragged.append(Problem(path, f"has {row.actual_columns} fields where the header has "
                                    f"{row.expected_columns}", row=row.number - 1,
                              value=row.text))
        return "skip"

    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding=encoding, use_threads=False),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=note_ragged),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as error:
        raise _arrow_error(path, str(error), header, hint) from None
    if ragged:
        raise InputError(ragged, f"check the delimiter in config (now '{delimiter}') and "
                                 "that quoted text is closed")
    return table.to_pandas()


_ENCODING_HINT = ("set the file's real encoding in config (survey.encoding), "
                  "or re-export the file as UTF-8")


def _arrow_error(path: str, message: str, header: list[str], hint: str) -> InputError:
    """pyarrow's message as an InputError naming row and column where it says them."""
    found = re.search(r"column #(\d+): Row #(\d+)", message)
    row = int(found.group(2)) - 1 if found else None
    column = header[int(found.group(1))] if found and int(found.group(1)) < len(header) else None
    if "UTF8" in message or "decode" in message.lower():
        return input_error(path, "cannot be decoded as the configured encoding", _ENCODING_HINT,
                           row=row, column=column)
    if "Empty CSV" in message:
        return input_error(path, "the file is empty", hint)
    return input_error(path, f"cannot be read as a delimited table: {message}", hint,
                       row=row, column=column)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table udsyn wrote: only empty cells are missing.

    (pandas would otherwise turn free text such as "NA" or "None" into missing.)
    """
    return pd.read_csv(path, keep_default_na=False, na_values=[""], encoding="utf-8")


def read_yaml(path: str | Path) -> dict:
    """Read a YAML file (config and codebook)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_open(path: str | Path) -> Iterator[TextIO]:
    """Open a temporary text file beside ``path``; rename it there on success.

    On any failure the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                         prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            yield handle
        os.chmod(handle.name, 0o666 & ~_UMASK)  # as an ordinary new file (not 0600)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a tidy CSV deterministically and atomically."""
    with atomic_open(path) as handle:
        frame.to_csv(handle, index=False, lineterminator="\n", float_format=FLOAT_FORMAT)


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
