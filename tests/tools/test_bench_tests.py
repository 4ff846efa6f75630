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
    "== 3 passed, 101 deselected, 1 warning in 2.50s ==": "3 passed, 101 deselected",
    "= 1 passed, 2 errors, 1 xpassed, 3 rerun in 1.00s =": "1 passed, 2 errors, 1 xpassed",
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
    assert full[5:] == ["TEST_WORKERS=auto", "PYTEST_ARGS=--color=no --durations=0 -rfE"]
    quick = bench_tests.make_command("test-fast", quick=True, work=tmp_path)
    assert "TEST_WORKERS=0" in quick
    assert quick[-1].startswith(f"PYTEST_ARGS={bench_tests.QUICK_TESTS} -p no:cacheprovider")
    assert f"--basetemp={tmp_path / 'test-fast'}" in quick[-1]
    assert quick[-1].endswith("--color=no --durations=0 -rfE --durations-min=0")


def test_the_callers_test_settings_do_not_reach_the_runs(monkeypatch):
    for name, value in {
        "PYTEST_ADDOPTS": "-x -q",
        "PY_COLORS": "1",
        "FORCE_COLOR": "1",
        "TEST_WORKERS": "1",
        "PYTEST_XDIST_WORKER": "gw0",
        "PYTEST_XDIST_TESTRUNUID": "abc",
        "MAKEFLAGS": "-j2",
        "UDSYN_KEPT": "yes",
    }.items():
        monkeypatch.setenv(name, value)
    env = bench_tests.suite_env()
    assert env["UDSYN_KEPT"] == "yes" and env["PATH"]
    assert not {"PYTEST_ADDOPTS", "PY_COLORS", "FORCE_COLOR", "TEST_WORKERS", "MAKEFLAGS"} & set(
        env
    )
    assert not [name for name in env if name.startswith("PYTEST_XDIST_")]


def test_the_commands_run_interleaved_each_between_two_speed_checks(monkeypatch, tmp_path):
    happened = []

    def speed_check(runs):
        happened.append("speed")
        return 1.0 + len(happened) / 100

    def cpu_timed(command, cwd, env, check):
        assert not check and "PYTEST_ADDOPTS" not in env  # a failing run is timed too
        happened.append(command[4])
        second = [step for step in happened if step != "speed"] == ["test-fast", "test"]
        closing = "1 failed, 4 passed" if second else "5 passed"
        return 10.0, 19.0, f"==== {closing} in 9.9s ====\n2.00s call tests/unit/test_a.py::t\n"

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
    assert [run.failed for run in found] == [False, True, False, False]
    # the failing run's whole output is kept, for its tracebacks
    assert (tmp_path / "test-run1.log").read_text(encoding="utf-8").startswith("==== 1 failed")
    assert not (tmp_path / "test-fast-run1.log").exists()
    happened.clear()
    quick = bench_tests.measure(1, quick=True, work=tmp_path, speed_check=speed_check)
    assert happened == ["test-fast", "test"] and quick[0].speed_before_s is None
    assert (tmp_path).is_dir() and quick[0].workers == "0" and found[0].workers == "auto"


def test_a_failing_run_names_what_failed():
    output = (
        "..F\n=========================== short test summary info ============================\n"
        "FAILED tests/e2e/test_w.py::test_x - assert 1 == 2\n"
        "ERROR tests/unit/test_y.py::test_z - OSError: gone\n"
        "XFAIL tests/unit/test_v.py::test_u - known\n"
        "===== 1 failed, 2 passed, 1 xfailed, 1 error in 3.00s =====\n"
    )
    assert bench_tests.failures(output) == (
        "FAILED tests/e2e/test_w.py::test_x - assert 1 == 2\n"
        "ERROR tests/unit/test_y.py::test_z - OSError: gone"
    )


def test_a_run_that_ends_before_pytest_says_why_and_stops(monkeypatch, tmp_path):
    monkeypatch.setattr(
        bench_tests, "cpu_timed", lambda *args, **kwargs: (1.0, 1.0, "make: *** Error 2\n")
    )
    with pytest.raises(SystemExit, match="ended before pytest's closing line:\nmake: \\*\\*\\*"):
        bench_tests.measure(1, quick=True, work=tmp_path / "new" / "folder")
    assert (tmp_path / "new" / "folder").is_dir()  # pytest's --basetemp needs its parent


def test_failing_tests_are_written_down_then_fail_the_benchmark(monkeypatch, tmp_path, capsys):
    runs = [suite_run("make test-fast", 1, 50.0), suite_run("make test", 1, 200.0)]
    runs[1].tests = "1 failed, 9 passed"
    monkeypatch.setattr(bench_tests, "measure", lambda *args: runs)
    monkeypatch.setattr(bench_tests, "machine", lambda speed_runs: [])
    assert bench_tests.main(["--quick", "--out", str(tmp_path)]) == 1
    assert "tests failed in make test run 1: 1 failed, 9 passed" in capsys.readouterr().err
    assert "| 1 failed, 9 passed |" in (tmp_path / "tests.md").read_text(encoding="utf-8")


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
    targets = Targets(test_fast_s=55.0, test_s=240.0)
    assert targets.test_limit("make test-fast") == targets.test_fast_s
    assert targets.test_limit("make test") == targets.test_s
    bench_tables.write_tests(RUNS, [("CPU", "Example")], tmp_path, 2, targets)
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert "`make test-fast` and `make test`, 2 runs each, interleaved" in text
    assert "in pytest-xdist workers, one per core" in text
    assert (
        "| `make test-fast` | 10 passed | 2 | 54.0 s | 50.0 s – 58.0 s | 1 min 43 s | "
        "0.90 – 1.30 s | under 55.0 s | **met**; 1 of 2 runs within it |" in text
    )
    assert "| `make test` | 10 passed | 2 | 3 min 50 s | 3 min 20 s – 4 min 20 s |" in text
    assert "| under 4 min 00 s | **met**; 1 of 2 runs within it |" in text
    strict = tmp_path / "strict"
    strict.mkdir()
    bench_tables.write_tests(RUNS, [], strict, 2, Targets(test_fast_s=45.0, test_s=180.0))
    text = (strict / "tests.md").read_text(encoding="utf-8")
    assert "| **not met** (1.20 times the target); 0 of 2 runs within it |" in text
    assert "| **not met** (1.28 times the target); 0 of 2 runs within it |" in text
    # the slowest files first, by the slower command's median; a file one run lacks counts 0
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    rows = text.split("## What takes the time")[1].split("## The machine")[0]
    assert "The 3 test files whose tests took longest" in rows
    assert rows.index("`tests/e2e/c.py` |  | 1 min 40 s |") < rows.index(
        "`tests/unit/a.py` | 32.0 s | 32.0 s |"
    )
    assert "| `tests/unit/b.py` | 2.50 s | |" in rows.replace("|  |", "| |")
    assert "| CPU | Example |" in text
    with open(tmp_path / "tests_files.csv", encoding="utf-8", newline="") as handle:
        files = list(csv.DictReader(handle))
    assert files[:2] == [
        {"command": "make test-fast", "file": "tests/unit/a.py", "median_s": "32.00", "runs": "2"},
        {"command": "make test-fast", "file": "tests/unit/b.py", "median_s": "2.50", "runs": "2"},
    ]
    assert len(files) == 4
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
        "target_s": "240",
    }


def test_a_quick_run_says_its_speed_was_not_measured(tmp_path):
    runs = [suite_run("make test", 1, 2.0, speed=(None, None))]
    runs[0].workers = "0"
    bench_tables.write_tests(runs, [], tmp_path, 1, Targets())
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert "1 run each" in text and "| not measured |" in text
    assert "in one pytest process (`TEST_WORKERS=0`)" in text


def test_counts_that_differ_between_runs_are_all_shown(tmp_path):
    runs = [suite_run("make test", 1, 2.0), suite_run("make test", 2, 2.0)]
    runs[1].tests = "9 passed, 1 xpassed"
    bench_tables.write_tests(runs, [], tmp_path, 2, Targets())
    text = (tmp_path / "tests.md").read_text(encoding="utf-8")
    assert "| `make test` | 10 passed; 9 passed, 1 xpassed | 2 |" in text


RECORD = {
    "date": "2026-12-03",
    "command": "make test-fast",
    "run": "1",
    "wall_s": "50.0",
    "cpu_s": "95.0",
    "speed_before_s": "",
    "speed_after_s": "",
    "tests": "10 passed",
    "target_s": "60",
}


def test_the_readme_sentence_is_made_from_the_tables_records(tmp_path):
    bench_tables.write_tests(RUNS, [], tmp_path, 2, Targets())
    with open(tmp_path / "tests.csv", encoding="utf-8", newline="") as handle:
        sentence = suite_times(list(csv.DictReader(handle)))
    assert sentence == (
        "`make test-fast` 54 s (median of 2 runs, 2 within the target of 1 min: **met**); "
        "`make test` 3 min 50 s (median of 2 runs, 0 within the target of 3 min: "
        "**not met**); 2026-12-03, speed check 0.90–1.30 s (lower is faster) "
        "([`benchmarks/tests.md`](benchmarks/tests.md), `make bench-tests`)."
    )
    records = [
        {**RECORD, "wall_s": "60.4", "date": "2026-12-04", "speed_before_s": ""},
        {**RECORD, "date": "2026-12-03", "speed_after_s": ""},
    ]
    assert suite_times(records[:1]) == (
        "`make test-fast` 60.4 s (median of 1 run, 0 within the target of 1 min: "
        "**not met**); 2026-12-04 ([`benchmarks/tests.md`](benchmarks/tests.md), "
        "`make bench-tests`)."
    )
    assert "; 2026-12-03 to 2026-12-04 (" in suite_times(records)
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
