"""Hostile input and faults through the real `make` in a temporary copy of the
project: a bad input stops the build with a clear message (file, row, column,
value, hint), no traceback, no outputs and the raw files unchanged; a build
killed with SIGKILL in the middle of a rule reruns to byte-identical outputs; a
second `make` while one runs is refused clearly; an unwritable results/ and a
missing raw file give clear errors.

(The unknown-municipality case is in test_workflow.py.)
"""

from __future__ import annotations

import base64
import csv
import os
import shutil
import signal
import subprocess
import time
from io import StringIO
from pathlib import Path

import pytest
from conftest import copy_project, make, result_files

from udsyn.core import files

pytestmark = pytest.mark.e2e

DATASET = "data/raw/survey/dataset.csv"


def raw_checksums(project: Path) -> dict[str, str]:
    return {
        str(path.relative_to(project)): files.sha256_of(path)
        for path in sorted((project / "data" / "raw").rglob("*"))
        if path.is_file()
    }


def edit_dataset(project: Path, edit) -> None:
    """Apply ``edit`` to the dataset's text (bytes in, bytes out)."""
    path = project / DATASET
    path.write_bytes(edit(path.read_bytes()))


def drop_column(data: bytes, column: str) -> bytes:
    """The export without ``column``, written back in its own dialect."""
    records = list(csv.reader(StringIO(data.decode("utf-8"), newline=""), delimiter=";"))
    drop = records[0].index(column)
    out = StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(
        [cell for n, cell in enumerate(record) if n != drop] for record in records
    )
    return out.getvalue().encode("utf-8")


def assert_stopped_cleanly(
    result: subprocess.CompletedProcess, project: Path, raw_before: dict, *expected: str
) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for part in (*expected, "What to do:"):
        assert part in output, f"{part!r} not in\n{output}"
    assert "Traceback" not in output, output
    made = (
        [p for p in (project / "results").rglob("*") if p.is_file()]
        if (project / "results").exists()
        else []
    )
    assert not made, made  # no partial outputs (validate is the first rule)
    assert raw_checksums(project) == raw_before


@pytest.mark.parametrize(
    "name, edit, expected",
    [
        (
            "nul_byte",
            lambda data: data.replace(b"Test; ignorer venligst", b"Test; ignorer\x00venligst", 1),
            [
                "Error in rule validate",
                "data/raw/survey/dataset.csv, row 1, column 'q13'",
                "NUL byte",
                "ignorer\\x00venligst",
            ],
        ),
        (
            "missing_column",
            lambda data: drop_column(data, "q4"),
            [
                "Error in rule validate",
                "data/raw/survey/dataset.csv, column 'q4'",
                "required column for field 'q4' is missing",
                "survey.questionnaire",
            ],
        ),
        (
            "utf16_without_bom",
            lambda data: data.decode("utf-8").encode("utf-16-le"),
            [
                "Error in rule validate",
                "data/raw/survey/dataset.csv",
                "UTF-16 without a byte-order mark",
                "survey.encoding: utf-16-le",
            ],
        ),
    ],
)
def test_bad_input_stops_the_build_cleanly(tmp_path, name, edit, expected):
    project = copy_project(tmp_path / name)
    edit_dataset(project, edit)
    raw_before = raw_checksums(project)
    assert_stopped_cleanly(make(project), project, raw_before, *expected)


def test_a_missing_raw_file_is_named(tmp_path):
    project = copy_project(tmp_path / "missing")
    (project / "data/raw/survey/dataset.csv").unlink()
    result = make(project)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Missing input files for rule validate" in output
    assert "data/raw/survey/dataset.csv" in output and "Traceback" not in output
    assert not (project / "results" / "validated").exists()


def test_a_missing_labels_file_is_named(tmp_path):
    """survey.labels: auto finds the labels beside a CSV dataset; without them the
    build stops saying which file it looked for and what to set."""
    project = copy_project(tmp_path / "missing")
    (project / "data/raw/survey/labels.csv").unlink()
    result = make(project)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "no labels table" in output and "data/raw/survey/labels.csv" in output
    assert "set survey.labels" in output
    assert not (project / "results" / "validated").exists()


@pytest.fixture
def unwritable_results(tmp_path):
    """A project whose results/ folder cannot be written to.

    As root, permissions do not stop writes: the folder is made immutable
    (chattr +i) instead, and the test is skipped where that is not possible.
    """
    project = copy_project(tmp_path / "readonly")
    results = project / "results"
    results.mkdir()
    if os.geteuid() == 0:
        if (
            not shutil.which("chattr")
            or subprocess.run(["chattr", "+i", str(results)], capture_output=True).returncode != 0
        ):
            pytest.skip(
                "running as root, where file modes do not stop writes, and "
                "chattr +i is not available on this file system"
            )
        undo = ["chattr", "-i", str(results)]
    else:
        results.chmod(0o555)
        undo = ["chmod", "755", str(results)]
    try:
        yield project
    finally:
        subprocess.run(undo, check=True)


def test_an_unwritable_results_folder_is_a_clear_error(unwritable_results):
    project = unwritable_results
    result = make(project)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "results/validated" in output and "Traceback" not in output
    assert "Permission" in output or "not permitted" in output, output
    assert not list((project / "results").iterdir())


def test_an_unwritable_output_folder_is_an_output_error_not_a_bug(tmp_path):
    """When the folder exists but cannot take the file, udsyn's writer says so
    (an OutputError the rule harness prints without a traceback)."""
    import pandas as pd

    from udsyn.core.errors import OutputError

    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OutputError) as caught:
        files.write_table(pd.DataFrame({"a": [1]}), blocker / "validated" / "checks.csv")
    message = str(caught.value)
    assert message.startswith("udsyn: output error")
    assert "checks.csv: cannot be written" in message and "What to do:" in message


def wait_for(condition, timeout: float = 120.0) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError("the build did not get there in time")
        time.sleep(0.02)


# The data layer (validate, clean, derive): the fault is in the middle of clean,
# and rebuilding only this much keeps the test short; the rules after it only
# read complete outputs.
DATA_LAYER = "SNAKEMAKE_ARGS=results/derived/municipalities.csv"
DATA_FOLDERS = ("validated", "clean", "derived")


@pytest.fixture(scope="module")
def killed_build(tmp_path_factory) -> dict:
    """A build killed with SIGKILL in the middle of the clean rule, a second
    `make` tried while it ran, then the runs a user makes afterwards."""
    project = copy_project(tmp_path_factory.mktemp("killed") / "udsyn")
    first = subprocess.Popen(
        ["make", "--no-print-directory", DATA_LAYER],
        cwd=project,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        locks = project / ".snakemake" / "locks"
        wait_for(lambda: locks.exists() and any(locks.iterdir()))
        concurrent = make(project, DATA_LAYER)  # while the first one holds the lock
        # Snakemake marks a job's outputs incomplete from its start to its end:
        # kill while clean's mark is there (polling is far faster than the job).
        marks = project / ".snakemake" / "incomplete"
        clean_marks = {
            base64.b64encode(f"results/clean/{name}.csv".encode()).decode()
            for name in ("respondents", "initiatives", "exclusions", "changes")
        }
        wait_for(lambda: marks.exists() and any(p.name in clean_marks for p in marks.iterdir()))
        os.killpg(first.pid, signal.SIGKILL)  # make, snakemake and the clean job at once
    finally:
        first.wait(timeout=60)
    killed_running = first.returncode
    # Snakemake's marks of outputs whose job had not finished: the kill hit clean mid-run
    incomplete = [p for p in (project / ".snakemake" / "incomplete").rglob("*") if p.is_file()]
    rerun = make(project, DATA_LAYER)  # what a user does next: just `make` again
    return {
        "project": project,
        "concurrent": concurrent,
        "killed": killed_running,
        "incomplete": incomplete,
        "rerun": rerun,
    }


def test_a_second_make_while_one_runs_is_refused_clearly(killed_build):
    concurrent = killed_build["concurrent"]
    output = concurrent.stdout + concurrent.stderr
    assert concurrent.returncode != 0
    assert "another make is building in this folder" in output
    assert "Traceback" not in output


def test_after_a_kill_the_next_make_clears_the_stale_lock(killed_build):
    assert killed_build["killed"] == -signal.SIGKILL
    assert killed_build["incomplete"], "the kill did not land while clean was running"
    rerun = killed_build["rerun"]
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "clearing the lock a killed build left behind" in rerun.stdout + rerun.stderr


def test_a_killed_build_reruns_to_byte_identical_outputs(killed_build, built):
    rerun = killed_build["rerun"]
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    project = killed_build["project"]
    assert not list((project / "results").rglob("*.tmp"))
    ours, clean_build = result_files(project), result_files(built)
    data_layer = {
        path: digest for path, digest in clean_build.items() if path.split("/")[1] in DATA_FOLDERS
    }
    assert len(data_layer) == 10  # checks, columns, label checks, six clean tables, municipalities
    assert ours == data_layer
