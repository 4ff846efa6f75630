"""TEMPORARY STUB (replaced by the reader branch): UTF-8 text only."""
from __future__ import annotations
import re
from dataclasses import dataclass
from pathlib import Path
import pandas as pd
from udsyn import io


@dataclass(frozen=True)
class ReadOptions:
    encoding: str = "auto"
    delimiter: str = "auto"
    quoting: str = "auto"
    labels_header: str = "auto"
    timestamp_format: str = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Detected:
    role: str
    file: str
    format: str
    sheet: str
    encoding: str
    delimiter: str
    quoting: str
    header: str
    how: str


def read_dataset(path, options):
    enc = "utf-8" if options.encoding == "auto" else options.encoding
    d = ";" if options.delimiter == "auto" else options.delimiter
    t = io.read_text_table(path, delimiter=d, encoding=enc, what="survey dataset")
    return t, Detected("dataset", str(path), "delimited text", "", enc, d, "minimal", "present", "stub")


def read_labels(path, options):
    enc = "utf-8" if options.encoding == "auto" else options.encoding
    d = ";" if options.delimiter == "auto" else options.delimiter
    t = io.read_text_table(path, delimiter=d, encoding=enc, what="survey labels")
    first = list(t.columns)
    if re.fullmatch(r"-?\d+", first[1]):
        t = pd.concat([pd.DataFrame([first], columns=first), t], ignore_index=True)
        header = "absent"
    else:
        header = "present"
    t.columns = ["field_name", "field_value", "field_text"]
    return t, Detected("labels", str(path), "delimited text", "", enc, d, "minimal", header, "stub")
