"""udsyn's multiverse benchmarks (issue 7, part 4): `make bench` runs this after bench.py.

In a temporary copy of the project that reuses its .venv (never the working
tree), after one full build:

1. the whole multiverse (clean variants, every batch, the gather) on 2 cores,
   ``RUNS`` times: specifications and distinct analyses per second;
2. per batch job, from the same runs: the job's wall time (Snakemake's metadata)
   against the work inside it (the time the batch script logs), so the per-job
   overhead (process start, imports, reading inputs) is measured, not guessed;
3. how the wall time of the batches and gather scales with
   ``multiverse.batch_size`` and ``--cores`` (a config overlay per batch size).

Writes ``benchmarks/multiverse.md`` and ``benchmarks/multiverse.csv``, and
from the measured numbers the break-even of a cluster (when fanning the
batches out to more cores pays for the per-job overhead and the queue wait).
Usage (``make bench`` does this)::

    PYTHONPATH=workflow .venv/bin/python benchmarks/bench_multiverse.py [--runs 5]

Functions above ``# ---- measuring ----`` are pure and tested in
tests/tools/test_bench.py; no test times anything.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (  # noqa: E402
    ROOT,
    format_range,
    format_seconds,
    jobs_from_metadata,
    machine,
    markdown_table,
    read_metadata,
    summarize,
    timed,
)

RUNS = 5
GRID_RUNS = 3  # per batch size x cores: 6 settings, each a full set of batches
BATCH_SIZES = (10, 50, 200)
CORES = (1, 2)
CSV_COLUMNS = ("measurement", "batch_size", "cores", "jobs", "median_s", "min_s", "max_s",
               "runs", "per_second")


# ---- pure helpers ----

def logged_compute_seconds(text: str) -> float | None:
    """The work inside a batch job, from its log line "... computed in 1.234 s"."""
    match = re.search(r"computed in ([0-9.]+) s", text)
    return float(match.group(1)) if match else None


def overlay(batch_size: int) -> str:
    """A config overlay that sets only the batch size (Snakemake merges it)."""
    return f"multiverse:\n  batch_size: {batch_size}\n"


def break_even_work(overhead_s: float, queue_s: float, cores_local: int,
                    cores_cluster: int) -> float | None:
    """Total compute (seconds of one core) above which a cluster of
    ``cores_cluster`` cores beats ``cores_local`` local cores, when every job
    pays ``overhead_s`` (start-up) and, on the cluster, also ``queue_s`` (one
    scheduling round, jobs running side by side): work / local > queue +
    overhead + work / cluster. None if the cluster has no more cores."""
    if cores_cluster <= cores_local:
        return None
    gain = 1 / cores_local - 1 / cores_cluster
    return (queue_s + overhead_s) / gain


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in CSV_COLUMNS})
    return out.getvalue()


def row(measurement: str, times: list[float], *, batch_size: int | str = "",
        cores: int | str = "", jobs: int | str = "", per_second: float | None = None) -> dict:
    s = summarize(times)
    return {"measurement": measurement, "batch_size": batch_size, "cores": cores,
            "jobs": jobs, "median_s": f"{s.median:.3f}", "min_s": f"{s.low:.3f}",
            "max_s": f"{s.high:.3f}", "runs": s.runs,
            "per_second": "" if per_second is None else f"{per_second:.1f}"}


# ---- measuring ----

def grid_size(project: Path, batch_size: int | None = None) -> tuple[int, int, int]:
    """(specifications, claim specifications, batches) of the project's config."""
    sys.path.insert(0, str(project / "workflow"))
    from udsyn import grid, io as udsyn_io

    config = udsyn_io.read_yaml(project / "config" / "config.yaml")
    multiverse = {**config["multiverse"],
                  "choices": grid.with_main(config["multiverse"]["choices"], config)}
    if batch_size is not None:
        multiverse["batch_size"] = batch_size
    return (len(grid.specifications(multiverse["choices"])),
            len(grid.claim_specifications(multiverse["choices"], multiverse["seed"])),
            len(grid.plan(multiverse)))


def batch_jobs(project: Path) -> list[tuple[float, float]]:
    """(job wall time, work logged inside it) of every multiverse_batch job of the last run."""
    pairs = []
    for job in jobs_from_metadata(read_metadata(project)):
        if job.rule != "multiverse_batch":
            continue
        name = Path(next(iter(job.outputs))).stem  # batch_001
        log = project / "logs" / f"multiverse_{name}.log"
        work = logged_compute_seconds(log.read_text(encoding="utf-8")) if log.exists() else None
        if work is not None:
            pairs.append((job.seconds, work))
    return pairs


def measure(runs: int, work: Path, grid_runs: int = GRID_RUNS) -> dict:
    sys.path.insert(0, str(ROOT / "workflow"))
    from udsyn.verify import copy_sources, source_files

    project = work / "udsyn"
    copy_sources(ROOT, source_files(ROOT), project)
    snakemake = str(project / ".venv" / "bin" / "snakemake")
    target = "results/multiverse/summary.csv"
    timed([snakemake, "--workflow-profile", "profiles/default"], project)  # everything else
    n_specs, n_claims, n_batches = grid_size(project)
    found = {"specs": n_specs, "claims": n_claims, "batches": n_batches, "rows": []}

    whole, jobs = [], []
    for run in range(runs):
        seconds, _ = timed([snakemake, "--workflow-profile", "profiles/default", "--cores", "2",
                            "--forcerun", "multiverse_clean", target], project)
        whole.append(seconds)
        jobs += batch_jobs(project)
        print(f"  multiverse {run + 1}/{runs}: {seconds:.1f} s", flush=True)
    found["rows"].append(row("whole multiverse (clean variants, batches, gather)", whole,
                             batch_size="default", cores=2, jobs=n_batches + 2,
                             per_second=n_specs / statistics.median(whole)))
    found["job_wall"] = [wall for wall, _ in jobs]
    found["job_work"] = [inside for _, inside in jobs]
    found["job_overhead"] = [wall - inside for wall, inside in jobs]

    for batch_size in BATCH_SIZES:
        (project / "bench-overlay.yaml").write_text(overlay(batch_size))
        batches = grid_size(project, batch_size)[2]
        for cores in CORES:
            times = []
            for _ in range(grid_runs):
                seconds, _ = timed([snakemake, "--workflow-profile", "profiles/default",
                                    "--configfile", "config/config.yaml", "bench-overlay.yaml",
                                    "--cores", str(cores), "--forcerun", "multiverse_batch",
                                    target], project)
                times.append(seconds)
            found["rows"].append(row("batches and gather", times, batch_size=batch_size,
                                     cores=cores, jobs=batches + 1,
                                     per_second=n_claims / statistics.median(times)))
            print(f"  batch size {batch_size}, {cores} core(s): "
                  f"{statistics.median(times):.1f} s", flush=True)
    (project / "bench-overlay.yaml").unlink()
    return found


def write(found: dict, runs: int, grid_runs: int, elapsed: float) -> None:
    overhead = summarize(found["job_overhead"])
    inside = summarize(found["job_work"])
    wall = summarize(found["job_wall"])
    per_claim = sum(found["job_work"]) / (runs * found["claims"])
    total_work = per_claim * found["claims"]
    scaling = [r for r in found["rows"] if r["measurement"] == "batches and gather"]
    body = [[r["measurement"], str(r["batch_size"]), str(r["cores"]), str(r["jobs"]),
             format_seconds(float(r["median_s"])),
             f"{format_seconds(float(r['min_s']))} – {format_seconds(float(r['max_s']))}",
             r["per_second"]] for r in found["rows"]]
    queue_examples = (5.0, 30.0, 120.0)
    break_even = [[format_seconds(q), str(cores),
                   format_seconds(break_even_work(overhead.median, q, 2, cores))]
                  for q in queue_examples for cores in (8, 64)]
    text = [
        "# udsyn multiverse benchmarks\n",
        "Written by `make bench` (`benchmarks/bench_multiverse.py`); do not edit by hand. "
        "Wall-clock seconds in a temporary copy of the project that reuses its `.venv`.\n",
        markdown_table(["machine", ""], [[k, v] for k, v in machine()]),
        f"The shipped multiverse: **{found['specs']} specifications**, which need "
        f"**{found['claims']} distinct analyses** (each claim once per combination of the "
        f"choices it uses), in {found['batches']} batch jobs at the configured batch size. "
        f"The whole multiverse: {runs} runs; each batch size and core count: {grid_runs} "
        f"runs; median and range. The whole benchmark took {format_seconds(elapsed)}.\n",
        markdown_table(["measurement", "batch size", "cores", "jobs", "median", "range",
                        "per second (specifications; distinct analyses for the batch rows)"],
                       body),
        "## Per-job overhead against the work in a job\n",
        f"From {len(found['job_wall'])} batch jobs of the whole-multiverse runs (default batch "
        "size): the job's wall time from Snakemake's metadata, the work inside it as logged by "
        "the batch script (reading the clean variants, deriving, estimating), and the "
        "difference: starting Python and importing numpy, pandas and udsyn.\n",
        markdown_table(["per batch job", "median", "range"], [
            ["wall time", format_seconds(wall.median), format_range(wall)],
            ["work inside the job", format_seconds(inside.median), format_range(inside)],
            ["overhead (wall − work)", format_seconds(overhead.median), format_range(overhead)],
        ]),
        f"Work per distinct analysis: {per_claim * 1000:.1f} ms (bootstrap and models "
        f"vectorised over the replicates); the whole multiverse is {format_seconds(total_work)} "
        "of one core's work.\n",
        "## When a cluster pays off\n",
        "Locally the batches share 2 cores; on a cluster each batch is a job that waits in the "
        "queue, then pays the same start-up overhead. With the measured overhead, a cluster of "
        "C cores beats this machine once the multiverse holds more than this much work (one "
        "core's seconds; `benchmarks/bench_multiverse.py: break_even_work`), for a few queue "
        "waits:\n",
        markdown_table(["queue wait per round", "cluster cores", "break-even work"], break_even),
        f"The shipped multiverse is {format_seconds(total_work)} of work: below every row, so "
        "it runs fastest here. A cluster pays off for a grid tens of times larger (more "
        "alternatives, more bootstrap replicates) or slower models. Smaller batches spread work "
        "over more cores but each pays the overhead again; the scaling rows above show the "
        "trade-off on 2 cores.\n" if scaling else "",
    ]
    (ROOT / "benchmarks" / "multiverse.md").write_text("\n".join(text), encoding="utf-8")
    (ROOT / "benchmarks" / "multiverse.csv").write_text(csv_text(found["rows"]),
                                                        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--grid-runs", type=int, default=GRID_RUNS,
                        help="runs per batch size and core count")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("at least one run")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="udsyn-bench-multiverse-"))
    print(f"udsyn bench (multiverse): a temporary copy in {work}, {args.runs} runs each",
          flush=True)
    try:
        found = measure(args.runs, work, args.grid_runs)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write(found, args.runs, args.grid_runs, time.perf_counter() - started)
    print("udsyn bench: wrote benchmarks/multiverse.md and benchmarks/multiverse.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
