"""The test suite's run time on this machine: `make bench-tests`.

`make test-fast` and `make test` as a developer runs them, in this project (the
tests build in their own temporary folders; the working tree is not changed,
apart from pytest's and Python's caches, which git ignores), each ``runs`` times,
interleaved, one pytest-xdist worker per core. Each run is timed
in wall and CPU time (user + system of pytest and every process it started) and
stands between two speed checks (``bench_timing.speed_check``, once each), since
this machine's speed varies by more than 2× from day to day and every time here
moves with it. pytest's ``--durations=0`` gives each test file's summed time, so
the tables say what takes the time. Writes ``tests.md``, ``tests.csv`` and
``tests_files.csv`` (bench_tables.write_tests); the README's test times are
generated from ``tests.csv`` (`make bench-tests` runs tools.readme after it). A run
with a failing test is timed and written like any other, and then the benchmark
exits 1.

    .venv/bin/python benchmarks/bench_tests.py [--runs R]

``--quick``: one run of each command on one small test file, in one pytest
process, without speed checks, written to a temporary folder (seconds; not a
timing; ``--keep`` has nothing to keep: the runs build nothing of their own).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_tables import write_tests
from bench_timing import (
    ROOT,
    SPEED_RUNS,
    Targets,
    clean_env,
    command_line,
    cpu_timed,
    machine,
    parse,
    wrote,
)
from bench_timing import speed_check as check_speed

RUNS = 2
# the Makefile's targets, as the README names them
COMMANDS = {"make test-fast": "test-fast", "make test": "test"}
QUICK_TESTS = "tests/unit/test_parse.py"  # small and quick: what --quick runs
# What would change what is run or how pytest prints if the caller's environment set
# it; left out of the runs' environment (make's own variables too: bench_timing.clean_env).
PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PY_COLORS", "FORCE_COLOR", "NO_COLOR", "TEST_WORKERS")
# pytest's closing line, e.g. "==== 2321 passed, 1 xfailed, 3 warnings in 103.45s (0:01:43) ===="
SUMMARY = re.compile(r"^=+ (.+) in [\d.]+s(?: \([\d:]+\))? =+$", re.M)
COUNTED = re.compile(r"^(\d+) (passed|failed|skipped|deselected|xfailed|xpassed|errors?)$")
FAILED = re.compile(r"\b\d+ (failed|errors?)\b")
# a line of --durations: "12.34s call     tests/unit/test_x.py::test_y[case]"
DURATION = re.compile(r"^(\d+\.\d+)s (?:setup|call|teardown)\s+(\S+?)::", re.M)


@dataclass
class SuiteRun:
    """One timed run of one command."""

    command: str
    run: int
    wall_s: float
    cpu_s: float
    speed_before_s: float | None  # the speed check just before (None: not run)
    speed_after_s: float | None
    tests: str  # pytest's counts, e.g. "2321 passed, 1 xfailed"
    date: str  # UTC day of the run
    file_seconds: dict[str, float] = field(default_factory=dict)
    workers: str = "auto"  # TEST_WORKERS: pytest-xdist's -n (0: one process)

    @property
    def failed(self) -> bool:
        return bool(FAILED.search(self.tests))


def pytest_counts(output: str) -> str:
    """The test counts of pytest's closing line: passed, failed, skipped, deselected,
    xfailed, xpassed, errors (warnings and the like left out)."""
    found = SUMMARY.findall(output)
    if not found:
        raise ValueError("pytest printed no closing line (passed, failed, ...)")
    parts = [part.strip() for part in found[-1].split(",")]
    return ", ".join(part for part in parts if COUNTED.match(part))


def failures(output: str) -> str:
    """pytest's FAILED and ERROR lines ("short test summary info"), each with its reason."""
    return "\n".join(
        line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))
    )


def file_seconds(output: str) -> dict[str, float]:
    """Each test file's summed set-up, call and tear-down time (``--durations=0``;
    pytest leaves out the steps under 5 ms)."""
    totals: dict[str, float] = {}
    for seconds, path in DURATION.findall(output):
        totals[path] = totals.get(path, 0.0) + float(seconds)
    return {path: round(total, 2) for path, total in sorted(totals.items())}


def workers(quick: bool) -> str:
    """TEST_WORKERS for the runs: one per core, as `make test` runs; quick: one process."""
    return "0" if quick else "auto"


def make_command(target: str, quick: bool, work: Path) -> list[str]:
    """``make <target>``, never reinstalling the environment (`make bench-tests`
    installed it first), with plain output and every test's time; quick: one small
    file in one pytest process, pytest's cache and temporary folders left alone
    (its temporary folder under ``work``)."""
    pytest_args = "--color=no --durations=0 -rfE"
    if quick:
        pytest_args = (
            f"{QUICK_TESTS} -p no:cacheprovider --basetemp={work / target} {pytest_args} "
            "--durations-min=0"
        )
    return [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",
        target,
        f"TEST_WORKERS={workers(quick)}",
        f"PYTEST_ARGS={pytest_args}",
    ]


def suite_env() -> dict[str, str]:
    """The runs' environment: this one without make's variables, PYTEST_ENVIRONMENT
    or pytest-xdist's (set when the benchmark itself runs inside a test worker)."""
    return {
        name: value
        for name, value in clean_env().items()
        if name not in PYTEST_ENVIRONMENT
        and name != "PYTEST_CURRENT_TEST"
        and not name.startswith("PYTEST_XDIST_")
    }


def measure(runs: int, quick: bool, work: Path, speed_check=check_speed) -> list[SuiteRun]:
    """Every command ``runs`` times, interleaved, each between two speed checks
    (none when quick; ``work``: the quick runs' pytest folders). A run whose tests
    fail is kept (its counts say so) and its whole output written to
    ``work/<target>-run<N>.log`` (tracebacks included: the summary lines are cut to
    the terminal's width); one that ends without pytest's closing line stops the
    benchmark."""
    found = []
    work.mkdir(parents=True, exist_ok=True)
    for run in range(1, runs + 1):
        for command, target in COMMANDS.items():
            before = None if quick else speed_check(1)
            wall, cpu, output = cpu_timed(
                make_command(target, quick, work), ROOT, suite_env(), check=False
            )
            after = None if quick else speed_check(1)
            try:
                counts = pytest_counts(output)
            except ValueError:
                sys.exit(
                    f"bench: `make {target}` ended before pytest's closing line:\n{output[-3000:]}"
                )
            found.append(
                SuiteRun(
                    command,
                    run,
                    wall,
                    cpu,
                    before,
                    after,
                    counts,
                    dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
                    file_seconds(output),
                    workers(quick),
                )
            )
            print(
                f"  {command} run {run}/{runs}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                f"{found[-1].tests}",
                flush=True,
            )
            if found[-1].failed:  # what failed, as pytest summed it up, and all it said
                saved = work / f"{target}-run{run}.log"
                saved.write_text(output, encoding="utf-8")
                print(failures(output), f"  (pytest's output: {saved})", sep="\n", flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__, runs=RUNS)
    args = parse(parser, argv)
    measured_on = machine(speed_runs=0 if args.quick else SPEED_RUNS)
    started = time.perf_counter()
    found = measure(args.runs, args.quick, args.out / "pytest")
    write_tests(found, measured_on, args.out, args.runs, Targets())
    wrote("tests.md, tests.csv and tests_files.csv", args.out, started)
    failing = [f"{run.command} run {run.run}: {run.tests}" for run in found if run.failed]
    if failing:
        print("udsyn bench: tests failed in " + "; ".join(failing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
