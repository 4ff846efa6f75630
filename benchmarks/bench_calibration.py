"""udsyn's calibration benchmark (`make bench` runs it after the others).

Times ``udsyn.synthetic.calibration.run_seed`` per seed, in one process as a
``calibration_batch`` job runs it (generate the export, write and read it,
clean, derive, every scored analysis and the multiverse's main-specification
estimators with their bootstrap), for each generator variant of
``config/calibration.yaml``, after one warm-up seed; and the start-up a batch
job pays once (a fresh Python importing the package and building the context).
Writes ``calibration.md`` (bench_tables.write_calibration). Usage::

    .venv/bin/python benchmarks/bench_calibration.py [--seeds 10]

``--quick``: one seed per variant and one start-up, written to a temporary
folder (seconds). ``per_seed_table`` is pure and tested in
tests/unit/test_calibration.py; nothing in the tests times anything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench_tables import format_range, format_seconds, write_calibration
from bench_timing import (
    ROOT,
    SPEED_RUNS,
    Targets,
    command_line,
    machine,
    parse,
    summarize,
    timed,
    workspace,
)

SEEDS = 10
FIRST_SEED = 5001  # outside the calibration's own seeds
STARTUP_RUNS = 3
# A fresh Python importing udsyn and building the context, as a batch job does.
STARTUP = (
    "import sys, time\n"
    "started = time.perf_counter()\n"
    "sys.path.insert(0, 'benchmarks')\n"
    "import bench_calibration\n"
    "bench_calibration.load_context()\n"
    "print(time.perf_counter() - started)\n"
)


def per_seed_table(
    times: dict[str, list[float]], count: int, batch_size: int, startup: float
) -> tuple[list[list[str]], float]:
    """Rows (variant, seeds, median, range) and the projected wall time of the
    configured calibration on one core: seeds x median per seed plus one
    start-up per batch job."""
    rows, total = [], 0.0
    for variant, values in times.items():
        s = summarize(values)
        rows.append([variant, str(s.runs), format_seconds(s.median), format_range(s)])
        total += count * s.median + -(-count // batch_size) * startup
    return rows, total


def load_context(root: Path = ROOT):
    """The calibration's context (configs, codebook, register, aliases,
    predecessors), read as the calibration_batch rule reads it."""
    from udsyn.core import files
    from udsyn.ingest.questionnaire import build_questionnaire
    from udsyn.ingest.validation import validate_register
    from udsyn.synthetic import calibration

    config = files.read_yaml(root / "config" / "config.yaml")
    register = root / "data" / "raw" / "register" / "municipalities.csv"
    return calibration.Context(
        config,
        files.read_yaml(root / "config" / "synthetic.yaml"),
        files.read_yaml(root / "config" / "calibration.yaml")["calibration"],
        build_questionnaire(files.read_yaml(root / "config" / "questionnaire.yaml")),
        validate_register(files.read_text_table(register), str(register)),
        files.read_text_table(root / "config" / "municipality_aliases.csv"),
        files.read_text_table(root / config["register"]["predecessors"], what="predecessor table"),
    )


def measure(context, seeds: range, work: Path) -> dict[str, list[float]]:
    """Seconds per seed of each variant, after one warm-up seed."""
    from udsyn.synthetic import calibration

    calibration.run_seed(context, "truth", seeds[0] - 1, work)  # warm-up
    times: dict[str, list[float]] = {}
    for variant in context.calibration["variants"]:
        times[variant] = []
        for seed in seeds:
            started = time.perf_counter()
            rows = calibration.run_seed(context, variant, seed, work)
            times[variant].append(time.perf_counter() - started)
            failed = [r["error"] for r in rows if r["kind"] == "build" and r["estimate"]]
            if failed:
                sys.exit(f"bench: seed {seed} ({variant}) failed: {failed[0]}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__, runs=None)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.set_defaults(startup_runs=STARTUP_RUNS)
    args = parse(parser, argv, seeds=1, startup_runs=1)
    seeds = range(FIRST_SEED, FIRST_SEED + args.seeds)
    context = load_context()
    # before the runs: the speed check says how fast they ran
    measured_on = machine(speed_runs=0 if args.quick else SPEED_RUNS)
    with workspace("calibration", args.keep) as work:
        times = measure(context, seeds, work)
    startup = summarize(
        [
            float(timed([sys.executable, "-c", STARTUP], ROOT)[1].split()[-1])
            for _ in range(args.startup_runs)
        ]
    ).median
    settings = context.calibration
    rows, total = per_seed_table(times, settings["count"], settings["batch_size"], startup)
    write_calibration(
        args.out, rows, total, startup, args.startup_runs, settings, seeds, measured_on, Targets()
    )
    print(
        f"udsyn bench: wrote calibration.md in {args.out} (median per seed: "
        f"{', '.join(f'{v} {r[2]}' for v, r in zip(times, rows))})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
