"""The test suite's run time on this machine: `make bench-tests`.

`make test-fast` and `make test` as a developer runs them, in this project (the
tests build in their own temporary folders; the working tree is not changed,
apart from pytest's caches), each ``runs`` times, interleaved. Each run is timed
in wall and CPU time (user + system of pytest and every process it started) and
stands between two speed checks (``bench_timing.speed_check``, once each), since
this machine's speed varies by more than 2× from day to day and every time here
moves with it. pytest's ``--durations=0`` gives each test file's summed time, so
the tables say what takes the time. Writes ``tests.md`` and ``tests.csv``
(bench_tables.write_tests); the README's test times are generated from
``tests.csv`` (`make readme`).

    .venv/bin/python benchmarks/bench_tests.py [--runs R]

``--quick``: one run of each command on one small test file, in one pytest
process, without speed checks, written to a temporary folder (seconds; not a
timing).
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
# pytest's closing line, e.g. "==== 2321 passed, 1 xfailed, 3 warnings in 103.45s (0:01:43) ===="
SUMMARY = re.compile(r"^=+ (.+) in [\d.]+s(?: \([\d:]+\))? =+$", re.M)
COUNTED = re.compile(r"^(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)$")
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


def pytest_counts(output: str) -> str:
    """The test counts of pytest's closing line (warnings left out)."""
    found = SUMMARY.findall(output)
    if not found:
        raise ValueError("pytest printed no closing line (passed, failed, ...)")
    parts = [part.strip() for part in found[-1].split(",")]
    return ", ".join(part for part in parts if COUNTED.match(part))


def file_seconds(output: str) -> dict[str, float]:
    """Each test file's summed set-up, call and tear-down time (``--durations=0``;
    pytest leaves out the steps under 5 ms)."""
    totals: dict[str, float] = {}
    for seconds, path in DURATION.findall(output):
        totals[path] = totals.get(path, 0.0) + float(seconds)
    return {path: round(total, 2) for path, total in sorted(totals.items())}


def make_command(target: str, quick: bool, work: Path) -> list[str]:
    """``make <target>``; never reinstalling the environment (`make bench-tests`
    installed it first); quick: one small file in one pytest process, pytest's
    cache and temporary folders left alone."""
    pytest_args = "--durations=0"
    extra = []
    if quick:
        pytest_args = f"{QUICK_TESTS} -p no:cacheprovider --basetemp={work / target} --durations=0"
        extra = ["TEST_WORKERS=0"]
    return [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",
        target,
        *extra,
        f"PYTEST_ARGS={pytest_args}",
    ]


def measure(runs: int, quick: bool, work: Path, speed_check=check_speed) -> list[SuiteRun]:
    """Every command ``runs`` times, interleaved, each between two speed checks
    (none when quick; ``work``: the quick runs' pytest folders)."""
    found = []
    for run in range(1, runs + 1):
        for command, target in COMMANDS.items():
            before = None if quick else speed_check(1)
            wall, cpu, output = cpu_timed(make_command(target, quick, work), ROOT)
            after = None if quick else speed_check(1)
            found.append(
                SuiteRun(
                    command,
                    run,
                    wall,
                    cpu,
                    before,
                    after,
                    pytest_counts(output),
                    dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
                    file_seconds(output),
                )
            )
            print(
                f"  {command} run {run}/{runs}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                f"{found[-1].tests}",
                flush=True,
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__, runs=RUNS)
    args = parse(parser, argv)
    measured_on = machine(speed_runs=0 if args.quick else SPEED_RUNS)
    started = time.perf_counter()
    found = measure(args.runs, args.quick, args.out / "pytest")
    write_tests(found, measured_on, args.out, args.runs, Targets())
    wrote("tests.md and tests.csv", args.out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
