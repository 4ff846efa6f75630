"""udsyn's multiverse benchmarks: `make bench` runs this after bench.py.

In a temporary copy of the project that reuses its .venv (never the working
tree), after one full build:

1. the whole multiverse (clean variants, every batch, the gather) on 2 cores,
   ``RUNS`` times: specifications and distinct analyses per second;
2. per batch job, from the same runs: the job's wall time (Snakemake's metadata)
   against the work inside it (the time the batch script logs), so the per-job
   overhead (process start, imports, reading inputs) is measured, not guessed;
3. how the wall time of the batches and gather scales with
   ``multiverse.batch_size`` and ``--cores`` (a config overlay per batch size).

Writes ``multiverse.md`` and ``multiverse.csv`` (bench_tables.write_multiverse), and
from the measured numbers the break-even of a cluster (when fanning the
batches out to more cores pays for the per-job overhead and the queue wait).
Usage (``make bench`` does this)::

    .venv/bin/python benchmarks/bench_multiverse.py [--runs 5]

``--quick``: one run of each, one batch size on 2 cores, written to a
temporary folder (a few minutes: it still builds everything once).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_tables import write_multiverse
from bench_timing import (
    SPEED_RUNS,
    Measurement,
    clean_env,
    command_line,
    copy_project,
    last_jobs,
    machine,
    parse,
    parse_job_stats,
    snakemake,
    timed,
    workspace,
)

GRID_RUNS = 3  # per batch size x cores: 6 settings, each a full set of batches
BATCH_SIZES = (10, 50, 200)
CORES = (1, 2)
QUEUE_WAITS = (5.0, 30.0, 120.0)  # the break-even table's examples (seconds per round)
CLUSTER_CORES = (8, 64)
TARGET = "results/multiverse/summary.csv"


@dataclass
class Multiverse:
    specs: int
    claims: int
    batches: int
    rows: list[Measurement] = field(default_factory=list)
    job_wall: list[float] = field(default_factory=list)
    job_work: list[float] = field(default_factory=list)
    job_overhead: list[float] = field(default_factory=list)
    break_even: list[tuple[float, int, float | None]] = field(default_factory=list)
    machine: list[tuple[str, str]] = field(default_factory=list)


# ---- pure helpers ----


def logged_compute_seconds(text: str) -> float | None:
    """The work inside a batch job, from its log line "... computed in 1.234 s"."""
    match = re.search(r"computed in ([0-9.]+) s", text)
    return float(match.group(1)) if match else None


def overlay(batch_size: int) -> str:
    """A config overlay that sets only the batch size (Snakemake merges it)."""
    return f"multiverse:\n  batch_size: {batch_size}\n"


def break_even_work(
    overhead_s: float, queue_s: float, cores_local: int, cores_cluster: int
) -> float | None:
    """Total compute (seconds of one core) above which a cluster of
    ``cores_cluster`` cores beats ``cores_local`` local cores, when every job
    pays ``overhead_s`` (start-up) and, on the cluster, also ``queue_s`` (one
    scheduling round, jobs running side by side): work / local > queue +
    overhead + work / cluster. None if the cluster has no more cores."""
    if cores_cluster <= cores_local:
        return None
    gain = 1 / cores_local - 1 / cores_cluster
    return (queue_s + overhead_s) / gain


def row(
    measurement: str,
    times: list[float],
    *,
    batch_size: int | str,
    cores: int,
    jobs: int,
    per_second: float,
) -> Measurement:
    return Measurement(
        "multiverse",
        measurement,
        times,
        jobs=jobs,
        details={"batch_size": batch_size, "cores": cores, "per_second": per_second},
    )


# ---- measuring ----


def timed_multiverse(
    project: Path, rules: set[str], *options: str, env: dict[str, str] | None = None
) -> float:
    """Seconds of a build of the multiverse's summary alone (the target first:
    --forcerun and --configfile take every word after them); exits if
    Snakemake ran other rules than ``rules``."""
    seconds, output = timed(snakemake(project, TARGET, *options), project, env)
    if set(parse_job_stats(output)) != rules:
        sys.exit(f"bench: expected the jobs {sorted(rules)}, Snakemake ran:\n{output[-3000:]}")
    return seconds


def grid_size(project: Path, batch_size: int | None = None) -> tuple[int, int, int]:
    """(specifications, claim specifications, batches) of the project's config."""
    from udsyn.core import files
    from udsyn.multiverse import grid

    config = files.read_yaml(project / "config" / "config.yaml")
    multiverse = {
        **config["multiverse"],
        "choices": grid.with_main(config["multiverse"]["choices"], config),
    }
    if batch_size is not None:
        multiverse["batch_size"] = batch_size
    return (
        len(grid.specifications(multiverse["choices"])),
        len(grid.claim_specifications(multiverse["choices"], multiverse["seed"])),
        len(grid.plan(multiverse)),
    )


def batch_jobs(project: Path) -> list[tuple[float, float]]:
    """(job wall time, work logged inside it) of every multiverse_batch job of the last run."""
    pairs = []
    for job in last_jobs(project):
        if job.rule != "multiverse_batch":
            continue
        name = Path(next(iter(job.outputs))).stem  # batch_001
        log = project / "logs" / f"multiverse_{name}.log"
        work = logged_compute_seconds(log.read_text(encoding="utf-8")) if log.exists() else None
        if work is not None:
            pairs.append((job.seconds, work))
    return pairs


def measure(
    runs: int,
    work: Path,
    grid_runs: int = GRID_RUNS,
    batch_sizes: tuple[int, ...] = BATCH_SIZES,
    cores: tuple[int, ...] = CORES,
) -> Multiverse:
    project = copy_project(work)
    timed(snakemake(project), project)  # everything else
    found = Multiverse(*grid_size(project), machine=machine(speed_runs=min(runs, SPEED_RUNS)))

    def whole_multiverse(env: dict[str, str] | None = None) -> float:
        return timed_multiverse(
            project,
            {"multiverse_clean", "multiverse_batch", "multiverse"},
            "--cores",
            "2",
            "--forcerun",
            "multiverse_clean",
            env=env,
        )

    whole, jobs = [], []
    for run in range(runs):
        whole.append(whole_multiverse())
        print(f"  multiverse {run + 1}/{runs}: {whole[-1]:.1f} s", flush=True)
    # the per-job overhead a cluster job pays: the same runs, every job a new Python
    # (locally a batch job is a fork of the warm server, udsyn.core.warm: about 0.02 s)
    for _ in range(runs):
        whole_multiverse(clean_env(UDSYN_WARM_START="0"))
        jobs += batch_jobs(project)
    found.rows.append(
        row(
            "whole multiverse (clean variants, batches, gather)",
            whole,
            batch_size="default",
            cores=2,
            jobs=found.batches + 2,
            per_second=found.specs / statistics.median(whole),
        )
    )
    found.job_wall = [wall for wall, _ in jobs]
    found.job_work = [inside for _, inside in jobs]
    found.job_overhead = [wall - inside for wall, inside in jobs]
    overhead = statistics.median(found.job_overhead)
    found.break_even = [
        (queue, n, break_even_work(overhead, queue, 2, n))
        for queue in QUEUE_WAITS
        for n in CLUSTER_CORES
    ]

    for batch_size in batch_sizes:
        (project / "bench-overlay.yaml").write_text(overlay(batch_size))
        batches = grid_size(project, batch_size)[2]
        for n in cores:
            times = [
                timed_multiverse(
                    project,
                    {"multiverse_batch", "multiverse"},
                    "--configfile",
                    "config/config.yaml",
                    "bench-overlay.yaml",
                    "--cores",
                    str(n),
                    "--forcerun",
                    "multiverse_batch",
                )
                for _ in range(grid_runs)
            ]
            found.rows.append(
                row(
                    "batches and gather",
                    times,
                    batch_size=batch_size,
                    cores=n,
                    jobs=batches + 1,
                    per_second=found.claims / statistics.median(times),
                )
            )
            print(
                f"  batch size {batch_size}, {n} core(s): {statistics.median(times):.1f} s",
                flush=True,
            )
    (project / "bench-overlay.yaml").unlink()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__)
    parser.add_argument(
        "--grid-runs", type=int, default=GRID_RUNS, help="runs per batch size and core count"
    )
    parser.set_defaults(batch_sizes=BATCH_SIZES, cores=CORES)
    args = parse(parser, argv, grid_runs=1, batch_sizes=BATCH_SIZES[-1:], cores=(2,))
    started = time.perf_counter()
    with workspace("multiverse", args.keep) as work:
        found = measure(args.runs, work, args.grid_runs, args.batch_sizes, args.cores)
    write_multiverse(found, args.out, args.runs, args.grid_runs, time.perf_counter() - started)
    print(f"udsyn bench: wrote multiverse.md and multiverse.csv in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
