"""Which files hold the export: standard library only, so that the workflow can
ask it while it builds the job graph (before any rule runs).

SurveyXact writes a CSV export as two files (dataset and labels) and a
workbook (.xlsx, Excel-XML) or SPSS (.sav) export as one file that holds both.
``survey.labels: auto`` (the default) means: inside the workbook or .sav file,
or, for a CSV export, the file beside the dataset whose name has "labels"
where the dataset's has "dataset" (SurveyXact's own naming).
"""

from __future__ import annotations

import re
from pathlib import Path

# First bytes of the one-file formats (the file, not its extension, decides);
# udsyn.ingest.export_formats tells the formats apart by the same marks.
ZIP_MAGIC = b"PK\x03\x04"
SAV_MAGIC = (b"$FL2", b"$FL3")
XML_START = b"<?xml"
SPREADSHEET_NS = "urn:schemas-microsoft-com:office:spreadsheet"
UTF8_BOM = b"\xef\xbb\xbf"


def looks_like_xml(head: bytes) -> bool:
    """The file starts (after a UTF-8 byte-order mark and white space) as XML."""
    return (head[3:] if head.startswith(UTF8_BOM) else head).lstrip().startswith(XML_START)


AUTO = "auto"


def one_file_format(path: str | Path) -> str | None:
    """ "xlsx", "sav" or "excel-xml" for an export that holds its own labels;
    None for anything else (a delimited text file, or a file not there)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(4096)
    except OSError:
        return None
    if start.startswith(ZIP_MAGIC):
        return "xlsx"
    if start.startswith(SAV_MAGIC):
        return "sav"
    if looks_like_xml(start) and SPREADSHEET_NS.encode() in start:
        return "excel-xml"
    return None


def sibling_labels(dataset: str | Path) -> str | None:
    """The CSV labels file beside ``dataset`` by SurveyXact's naming, or None."""
    return _sibling(dataset, "labels")


def _sibling(dataset: str | Path, word: str) -> str | None:
    """The file beside ``dataset`` whose name has ``word`` where the dataset's has
    "dataset" (in the same case), or None when the name has no "dataset"."""
    dataset = Path(dataset)
    for old, new in (("dataset", word), ("Dataset", word.title()), ("DATASET", word.upper())):
        name, count = re.subn(old, new, dataset.name)
        if count:
            return str(dataset.with_name(name))
    return None


def structure_files(dataset: str) -> list[str]:
    """``structure_file`` as a list of none or one path (a rule's input, a loop)."""
    found = structure_file(dataset)
    return [] if found is None else [found]


def structure_file(dataset: str) -> str | None:
    """Where the export's structure is (udsyn.ingest.export_structure): inside a
    workbook (the dataset itself, which may or may not have a Structure sheet);
    for a CSV export, the file beside the dataset with "structure" where its name
    has "dataset", when there is one; None for a .sav and a CSV export without it."""
    fmt = one_file_format(dataset)
    if fmt in ("xlsx", "excel-xml"):
        return dataset
    if fmt is not None:
        return None
    sibling = _sibling(dataset, "structure")
    return sibling if sibling and Path(sibling).exists() else None


def labels_file(dataset: str, labels: str) -> str:
    """The file the labels are read from (see the module docstring).

    For ``auto`` with no labels file to be found, the dataset itself: the
    reader then says what is missing and what to set.
    """
    if labels != AUTO:
        return labels
    if one_file_format(dataset) is not None:
        return dataset
    sibling = sibling_labels(dataset)
    return sibling if sibling and Path(sibling).exists() else dataset
