"""Provenance: every input and output file with its sha256, size, rows and
the rule that made it; and the versions of the software that ran.

Two forms: the tables the report's appendix shows (``provenance_table``,
``software_versions``), and the manifest ``results/manifest.json``
(``build_manifest``, ``manifest_json``): every raw input and every output with
sha256, size and rows, each output with its rule, script and that rule's
inputs, plus Python's and every locked package's version.
"""

from __future__ import annotations

import csv
import json
import platform
import re
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import pandas as pd

from udsyn.core.files import sha256_of


def count_records(path: str | Path, rows_read: Mapping[str, int] | None = None) -> int:
    """Data rows of a CSV file (header excluded; quoted line breaks stay in one record).

    The survey export's rows are the ones the validate rule read with the dialect it
    detected (``rows_read``, from ``export_rows``): a ``;``-separated export with
    quoted line breaks counted by a comma reader would give another number. Every
    other CSV the pipeline reads or writes is comma-separated UTF-8."""
    if rows_read is not None and str(path) in rows_read:
        return rows_read[str(path)]
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def export_rows(checks: pd.DataFrame) -> dict[str, int]:
    """The survey export's files -> the data rows validate read from each (its
    ``results/validated/checks.csv``); an error if a file changed since."""
    counted = {}
    for record in checks.to_dict("records"):
        path = str(record["file"])
        if Path(path).is_file() and sha256_of(path) != record["sha256"]:
            raise ValueError(
                f"{path} changed after the validate rule read it: rebuild (make) so that "
                "its row count is the one read"
            )
        counted[path] = int(record["rows"])
    return counted


def provenance_table(
    paths: list[str], producers: dict[str, str], rows_read: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """One row per file, sorted by path. ``producers`` maps path -> rule (or origin);
    ``rows_read``: the export's rows as validate read them (``export_rows``)."""
    rows = []
    for path in sorted(set(paths)):
        rows.append(
            {
                "path": path,
                "rule": producers.get(path, "input"),
                "rows": count_records(path, rows_read) if path.endswith(".csv") else None,
                "bytes": Path(path).stat().st_size,
                "sha256": sha256_of(path),
            }
        )
    table = pd.DataFrame(rows)
    table["rows"] = table["rows"].astype("Int64")
    return table


def locked_packages(lock_text: str) -> list[str]:
    """Package names pinned in a pip-compile lock file, in file order."""
    return re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock_text, flags=re.M)


def installed_versions(lock_text: str) -> dict[str, str]:
    """Every locked package -> the version actually installed, sorted by name."""
    versions = {}
    for name in sorted(locked_packages(lock_text), key=str.lower):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def software_versions(lock_text: str) -> pd.DataFrame:
    """Python and every locked package with the version actually installed."""
    rows = [{"package": "python", "version": platform.python_version()}]
    rows += [
        {"package": name, "version": version}
        for name, version in installed_versions(lock_text).items()
    ]
    return pd.DataFrame(rows)


# What the manifest cannot list, and why (written into the manifest itself).
NOT_IN_MANIFEST = {
    "results/manifest.json": "this file: it cannot hold its own checksum",
    "report/report.html": "rendered after this manifest, from the files it lists",
}


def file_record(path: str | Path, rows_read: Mapping[str, int] | None = None) -> dict:
    """sha256, size in bytes, and data rows (CSV tables; None for other files)."""
    return {
        "sha256": sha256_of(path),
        "bytes": Path(path).stat().st_size,
        "rows": count_records(path, rows_read) if str(path).endswith(".csv") else None,
    }


def build_manifest(
    raw: list[str],
    outputs: dict[str, dict],
    lock_text: str,
    rows_read: Mapping[str, int] | None = None,
) -> dict:
    """The provenance manifest.

    ``raw`` are the committed raw inputs (data, register, codebook, config);
    ``outputs`` maps each output file to ``{"rule", "script", "inputs"}`` (the rule
    that made it, its script and every file the rule reads). Paths as given,
    relative to the project root, so the manifest is the same wherever it is built.
    ``rows_read``: the survey export's rows as validate read them (``export_rows``).
    """
    return {
        "inputs": {
            path: {**file_record(path, rows_read), "origin": "committed raw input"}
            for path in sorted(set(raw))
        },
        "outputs": {
            path: {
                **file_record(path, rows_read),
                "rule": made["rule"],
                "script": made["script"],
                "inputs": sorted(set(made["inputs"])),
            }
            for path, made in sorted(outputs.items())
        },
        "not_listed": NOT_IN_MANIFEST,
        "software": {
            "python": platform.python_version(),
            "packages": installed_versions(lock_text),
        },
    }


def manifest_json(manifest: dict) -> str:
    """Deterministic JSON: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
