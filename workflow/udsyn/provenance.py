"""Provenance: every input and output file with its sha256, size, rows and
the rule that made it; and the versions of the software that ran."""

from __future__ import annotations

import csv
import platform
import re
from importlib import metadata
from pathlib import Path

import pandas as pd

from udsyn.io import sha256_of


def count_records(path: str | Path) -> int:
    """Data rows of a CSV file (header excluded; quoted line breaks stay in one record)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def provenance_table(paths: list[str], producers: dict[str, str]) -> pd.DataFrame:
    """One row per file, sorted by path. ``producers`` maps path -> rule (or origin)."""
    rows = []
    for path in sorted(set(paths)):
        rows.append({
            "path": path,
            "rule": producers.get(path, "input"),
            "rows": count_records(path) if path.endswith(".csv") else None,
            "bytes": Path(path).stat().st_size,
            "sha256": sha256_of(path),
        })
    table = pd.DataFrame(rows)
    table["rows"] = table["rows"].astype("Int64")
    return table


def locked_packages(lock_text: str) -> list[str]:
    """Package names pinned in a pip-compile lock file, in file order."""
    return re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock_text, flags=re.M)


def software_versions(lock_text: str) -> pd.DataFrame:
    """Python and every locked package with the version actually installed."""
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in sorted(locked_packages(lock_text), key=str.lower):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append({"package": name, "version": version})
    return pd.DataFrame(rows)
