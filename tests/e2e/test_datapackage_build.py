"""results/datapackage.json describes every results table, and the frictionless
library (a validator udsyn did not write) finds the build valid, offline, and a
broken copy invalid for the reason it was broken."""

from __future__ import annotations

import csv
import json
import shutil

import frictionless
import pytest

pytestmark = pytest.mark.e2e


def errors_by_table(report: frictionless.Report) -> set[tuple[str, str]]:
    return {(task.name, error.type) for task in report.tasks for error in task.errors} | {
        ("package", error.type) for error in report.errors
    }


def test_the_build_is_a_valid_data_package_offline(built, no_network):
    report = frictionless.validate(str(built / "results/datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:10]
    assert len(report.tasks) > 30


def test_every_results_table_is_in_the_package(built):
    package = json.loads((built / "results/datapackage.json").read_text(encoding="utf-8"))
    tables = sorted(
        str(path.relative_to(built / "results")) for path in (built / "results").rglob("*.csv")
    )
    assert sorted(resource["path"] for resource in package["resources"]) == tables
    assert {"data_dictionary.csv", "provenance.csv", "software_versions.csv"} <= set(tables)
    text = (built / "results/datapackage.json").read_text(encoding="utf-8")
    assert str(built) not in text  # relative paths only: the package moves with results/


def set_cell(path, row: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize(
    "table, row, column, value, expected",
    [
        # a value outside its enumeration
        (
            "clean/respondents.csv",
            1,
            "completion",
            "unknown",
            ("clean-respondents", "constraint-error"),
        ),
        # a duplicate primary key: a second row for the first claim
        ("analysis/verdicts.csv", 2, "claim", "headline", ("analysis-verdicts", "primary-key")),
        # a dangling foreign key: a weight for a municipality the register lacks
        ("analysis/weights.csv", 1, "code", "9999", ("analysis-weights", "foreign-key")),
        # a missing required value
        ("analysis/weights.csv", 1, "weight", "", ("analysis-weights", "constraint-error")),
    ],
)
def test_a_broken_copy_fails_for_its_reason(
    built, tmp_path, no_network, table, row, column, value, expected
):
    copy = tmp_path / "results"
    shutil.copytree(built / "results", copy)
    set_cell(copy / table, row, column, value)
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert errors_by_table(report) == {expected}
