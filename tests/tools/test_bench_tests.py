"""The test-suite benchmark (benchmarks/bench_tests.py): what it reads from pytest's
output, how it interleaves its runs, its tables, and the README's sentence made
from them (tools.readme.suite_times). Nothing here is a timing."""

from __future__ import annotations

import csv

import bench_tables
import bench_tests
import bench_timing
import pytest
from bench_timing import Targets

from tools.readme import duration, suite_times

CLOSING = {
    "==== 2321 passed, 1 xfailed, 3 warnings in 103.45s (0:01:43) ====": "2321 passed, 1 xfailed",
    "======== 151 passed in 0.41s ========": "151 passed",
    "== 2 failed, 7 passed, 1 skipped, 1 error in 12.00s ==": (
        "2 failed, 7 passed, 1 skipped, 1 error"
    ),
}


@pytest.mark.parametrize("line", CLOSING)
def test_the_counts_come_from_pytests_closing_line(line):
    output = f"....\n==== slowest durations ====\n1.00s call tests/a.py::t\n{line}\n"
    assert bench_tests.pytest_counts(output) == CLOSING[line]


def test_output_without_a_closing_line_is_refused():
    with pytest.raises(ValueError, match="closing line"):
        bench_tests.pytest_counts("make: *** [Makefile:85: test] Error 2\n")


def test_each_files_time_is_the_sum_of_its_steps():
    output = (
        "============ slowest durations ============\n"
        "20.04s setup    tests/unit/test_figures.py::test_image[headline]\n"
        "3.49s call     tests/unit/test_figures.py::test_rule\n"
        "0.50s teardown tests/unit/test_figures.py::test_rule\n"
        "1.25s call     tests/e2e/test_workflow.py::test_make[a::b]\n"
        "(1021 durations < 0.005s hidden.  Use -vv to show these durations.)\n"
        "0.75s is not a duration line tests/x.py::y\n"
    )
    assert bench_tests.file_seconds(output) == {
        "tests/e2e/test_workflow.py": 1.25,
        "tests/unit/test_figures.py": 24.03,
    }


def test_the_timed_commands_never_reinstall_and_quick_runs_one_small_file(tmp_path):
    full = bench_tests.make_command("test", quick=False, work=tmp_path)
    assert full[:5] == ["make", "--no-print-directory", "-o", ".venv/.installed", "test"]
    assert full[-1] == "PYTEST_ARGS=--durations=0"
    quick = bench_tests.make_command("test-fast", quick=True, work=tmp_path)
    assert "TEST_WORKERS=0" in quick
    assert quick[-1].startswith(f"PYTEST_ARGS={bench_tests.QUICK_TESTS} -p no:cacheprovider")
    assert f"--basetemp={tmp_path / 'test-fast'}" in quick[-1]


def test_the_commands_run_interleaved_each_between_two_speed_checks(monkeypatch, tmp_path):
    happened = []

    def speed_check(runs):
        happened.append("speed")
        return 1.0 + len(happened) / 100

    def cpu_timed(command, cwd):
        happened.append(command[4])
        return 10.0, 19.0, "==== 5 passed in 9.9s ====\n2.00s call tests/unit/test_a.py::t\n"

    monkeypatch.setattr(bench_tests, "cpu_timed", cpu_timed)
    found = bench_tests.measure(2, quick=False, work=tmp_path, speed_check=speed_check)
    assert happened == ["speed", "test-fast", "speed", "speed", "test", "speed"] * 2
    assert [(run.command, run.run) for run in found] == [
        ("make test-fast", 1),
        ("make test", 1),
        ("make test-fast", 2),
        ("make test", 2),
    ]
    assert (found[0].speed_before_s, found[0].speed_after_s) == (1.01, 1.03)
    assert found[0].tests == "5 passed" and found[0].file_seconds == {"tests/unit/test_a.py": 2.0}
    happened.clear()
    quick = bench_tests.measure(1, quick=True, work=tmp_path, speed_check=speed_check)
    assert happened == ["test-fast", "test"] and quick[0].speed_before_s is None


def suite_run(command, run, wall, files=None, speed=(1.1, 1.3)):
    return bench_tests.SuiteRun(
        command, run, wall, wall * 1.9, *speed, "10 passed", "2026-12-03", files or {}
    )


RUNS = [
    suite_run("make test-fast", 1, 50.0, {"tests/unit/a.py": 30.0, "tests/unit/b.py": 5.0}),
    suite_run("make test", 1, 200.0, {"tests/unit/a.py": 31.0, "tests/e2e/c.py": 90.0}),
    suite_run("make test-fast", 2, 58.0, {"tests/unit/a.py": 34.0}, speed=(0.9, 1.0)),
    suite_run("make test", 2, 260.0, {"tests/unit/a.py": 33.0, "tests/e2e/c.py": 110.0}),
]


def test_the_tables_judge_each_command_by_its_median_against_its_target(tmp_path):
    targets = Targets()
    assert targets.test_limit("make test-fast") == 60 and targets.test_limit("make test") == 180
    bench_tables.write_tests(RUNS, [("CPU", "Example")], tmp_path, 2, targets)
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert "`make test-fast` and `make test`, 2 runs each, interleaved" in text
    assert (
        "| `make test-fast` | 10 passed | 2 | 54.0 s | 50.0 s – 58.0 s | 1 min 43 s | "
        "0.90 – 1.30 s | under 60.0 s | **met** |" in text
    )
    assert "| `make test` | 10 passed | 2 | 3 min 50 s | 3 min 20 s – 4 min 20 s |" in text
    assert "| under 3 min 00 s | **not met** (1.28 times the target) |" in text
    # the slowest files first, by the slower command's median; a file one run lacks counts 0
    rows = text.split("## What takes the time")[1].split("## The machine")[0]
    assert rows.index("`tests/e2e/c.py` |  | 1 min 40 s |") < rows.index(
        "`tests/unit/a.py` | 32.0 s | 32.0 s |"
    )
    assert "| `tests/unit/b.py` | 2.50 s | |" in rows.replace("|  |", "| |")
    assert "| CPU | Example |" in text
    with open(tmp_path / "tests.csv", encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert list(records[0]) == list(bench_tables.TESTS_COLUMNS)
    assert records[1] == {
        "date": "2026-12-03",
        "command": "make test",
        "run": "1",
        "wall_s": "200.0",
        "cpu_s": "380.0",
        "speed_before_s": "1.10",
        "speed_after_s": "1.30",
        "tests": "10 passed",
        "target_s": "180",
    }


def test_a_quick_run_says_its_speed_was_not_measured(tmp_path):
    runs = [suite_run("make test", 1, 2.0, speed=(None, None))]
    bench_tables.write_tests(runs, [], tmp_path, 1, Targets())
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert "1 run each" in text and "| not measured |" in text


def test_the_readme_sentence_is_made_from_the_tables_records(tmp_path):
    bench_tables.write_tests(RUNS, [], tmp_path, 2, Targets())
    with open(tmp_path / "tests.csv", encoding="utf-8", newline="") as handle:
        sentence = suite_times(list(csv.DictReader(handle)))
    assert sentence == (
        "`make test-fast` 54 s (target 1 min: met); `make test` 3 min 50 s (target 3 min: "
        "**missed**): medians of 2 runs on 2026-12-03, speed check 0.90–1.30 s "
        "([`benchmarks/tests.md`](benchmarks/tests.md), `make bench-tests`)."
    )
    assert [duration(s) for s in (58.4, 60, 104.5, 180, 397)] == [
        "58 s",
        "1 min",
        "1 min 44 s",
        "3 min",
        "6 min 37 s",
    ]


@pytest.mark.e2e
def test_quick_run_times_both_commands_on_one_file_and_writes_its_tables(tmp_path):
    """The real `make test-fast` and `make test`, on one small file (seconds)."""
    from conftest import quick_benchmark

    done = quick_benchmark("bench_tests.py", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "tests.csv", encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [record["command"] for record in records] == ["make test-fast", "make test"]
    source = (bench_timing.ROOT / bench_tests.QUICK_TESTS).read_text(encoding="utf-8")
    small = source.count("\ndef test_")  # each test function at least once
    assert small > 0
    for record in records:
        assert record["tests"].endswith(" passed") and int(record["tests"].split()[0]) >= small
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert f"`{bench_tests.QUICK_TESTS}`" in text and "not measured" in text
