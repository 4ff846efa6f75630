"""udsyn's build benchmarks: `make bench` runs this first.

Measures, in a temporary copy of the project that reuses this project's .venv
(never in the working tree), each at least ``RUNS`` times:

1. the full build from a clean ``results/`` (``make clean-results``; the
   environment installed), with each job's start and end read from Snakemake's
   own metadata to give per-rule wall times and the critical path (the chain of
   dependent jobs with the largest summed run time);
2. the no-op build (everything up to date): ``snakemake`` with the workflow
   profile, and ``make`` itself, against their floor, a bare Snakemake no-op on
   a one-rule Snakefile in its own temporary folder, measured in the same run
   (interleaved, after one unrecorded warm-up of each);
3. single edits, each followed by a dry run (its "Job stats" give the jobs that
   rerun) and a timed build: the report template, the figures' matplotlibrc, and
   one config value (``analysis.robustness_crisis_cutoffs``);
4. scale (bench_scale.py): the generator's exports of 100,000 and 1,000,000
   respondents, a plain pyarrow read of each (the floor), the real validate,
   clean and derive rules on each with their peak memory, and the same three
   rule scripts in one process, timed per stage.

Writes ``results.md`` and ``results.csv`` (bench_tables.write_results). Usage, from
the repository root (``make bench`` does this)::

    .venv/bin/python benchmarks/bench.py [--runs 5] [--scale-runs 3] [--keep]

``--quick`` runs each measurement once, at 1,000 and 2,000 respondents, and
writes to a temporary folder (a few minutes: it still builds everything).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import bench_one_process
import bench_scale
from bench_tables import format_count, write_results
from bench_timing import (
    CONFIG_EDIT,
    ROOT,
    RUNS,
    SPEED_RUNS,
    TEMPLATE_EDIT,
    Job,
    Measurement,
    Targets,
    clean_env,
    command_line,
    copy_project,
    cpu_timed,
    last_jobs,
    machine,
    parse,
    parse_job_stats,
    python,
    snakemake,
    timed,
    workspace,
)

CLONE_RUNS = 3  # fresh clones (each installs a new environment of about 1 GB)
STAMP = ".venv/.installed"  # the Makefile's target for the installed environment
BARE_SNAKEFILE = 'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n'


@dataclass
class Results:
    rows: list[Measurement] = field(default_factory=list)
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    paths: list[tuple[list[str], float]] = field(default_factory=list)
    edit_rules: dict[str, list[str]] = field(default_factory=dict)
    scale: list[bench_scale.Scale] = field(default_factory=list)
    one_process: bench_one_process.OneProcess = field(default_factory=bench_one_process.OneProcess)
    targets: Targets = Targets()
    scale_command: str = bench_scale.COMMAND
    machine: list[tuple[str, str]] = field(default_factory=list)


# ---- pure helpers ----


def critical_path(jobs: list[Job]) -> tuple[list[Job], float]:
    """The chain of dependent jobs (a job depends on the jobs that wrote its
    inputs) with the largest summed run time, first job first, and that sum."""
    producer = {output: job for job in jobs for output in job.outputs}
    best: dict[Job, tuple[float, Job | None]] = {}

    def longest(job: Job, seen: frozenset = frozenset()) -> float:
        if job in best:
            return best[job][0]
        if job in seen:
            raise ValueError(f"dependency cycle at rule {job.rule}")
        parents = {producer[i] for i in job.inputs if i in producer and producer[i] is not job}
        top, via = 0.0, None
        for parent in sorted(parents, key=lambda j: (j.start, j.rule)):
            length = longest(parent, seen | {job})
            if length > top:
                top, via = length, parent
        best[job] = (top + job.seconds, via)
        return best[job][0]

    if not jobs:
        return [], 0.0
    last = max(jobs, key=lambda j: (longest(j), j.end))
    chain, node = [], last
    while node is not None:
        chain.append(node)
        node = best[node][1]
    chain.reverse()
    return chain, best[last][0]


def toggled_cutoffs(text: str, run: int) -> str:
    """config.yaml with `robustness_crisis_cutoffs` set to a different value on
    every run (alternating, so each run is a real change from the last)."""
    value = "[2008, 2011]" if run % 2 == 0 else "[2008, 2010]"
    new, count = re.subn(
        r"(?m)^(\s*robustness_crisis_cutoffs:\s*)\[[^\]]*\]", lambda m: m.group(1) + value, text
    )
    if count != 1:
        raise ValueError("config has no single `robustness_crisis_cutoffs: [...]` line")
    return new


def judge_at_scale(scale: bench_scale.Scale, targets: Targets) -> None:
    """The build at scale against its target: time within ``scale_ratio`` of the
    pyarrow read, peak memory under ``scale_gib``."""
    build, floor = scale.pipeline.summary.median, scale.floor.summary.median
    scale.pipeline.target = f"<= {targets.scale_ratio:g}x floor and < {targets.scale_gib:g} GiB"
    scale.pipeline.target_met = (
        build / floor <= targets.scale_ratio
        and max(scale.pipeline.peaks_mib) / 1024 <= targets.scale_gib
    )


# ---- 1. to 3.: full, no-op and single-edit builds ----


def verify_outputs(project: Path) -> bool:
    """Whether the outputs in ``project`` match its checksums/expected.sha256."""
    done = subprocess.run(
        [python(project), "-m", "tools.verify", "check", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    return done.returncode == 0


def measure_builds(project: Path, work: Path, runs: int, results: Results) -> None:
    build = snakemake(project)
    targets = results.targets

    # 1. full builds (first, so the copy ends up to date), each after the same
    # analysis in one Python process and each job alone in a fresh one; an
    # uncounted first build keeps every job's script for those
    clean = ["make", "--no-print-directory", "clean-results"]
    timed(clean, project)
    kept_folder = work / "kept-scripts"
    kept = bench_one_process.keep_scripts(project, build, kept_folder, timed)
    interpreter = python(project)
    full, job_count, found = [], 0, results.one_process
    found.jobs = {job.name: {} for job in kept}  # in dependency order
    for run in range(runs):
        timed(clean, project)
        seconds, cpu, output = cpu_timed(
            bench_one_process.command(interpreter, kept_folder), project
        )
        found.seconds.append(seconds)
        found.cpu.append(cpu)
        for job, measured in json.loads(output.strip().splitlines()[-1])["jobs"].items():
            found.add(job, "in_one_process", measured["seconds"])
        if run == 0:  # the same analysis: the same bytes as the build's
            found.identical = verify_outputs(project)
        for job in kept:  # each alone, its inputs in place (rewrites the same bytes)
            alone, alone_cpu, imports = bench_one_process.time_alone(
                interpreter, job, project, cpu_timed
            )
            found.add(job.name, "alone", alone)
            found.add(job.name, "alone_cpu", alone_cpu)
            found.add(job.name, "imports", imports)
        timed(clean, project)
        seconds, cpu, _ = cpu_timed(build, project)
        full.append(seconds)
        found.build_cpu.append(cpu)
        jobs = last_jobs(project)
        for job in jobs:
            results.rule_times.setdefault(job.rule, []).append(job.seconds)
            found.add(bench_one_process.job_name(job.rule, job.outputs), "build", job.seconds)
        job_count = len(jobs) + 1  # and the `all` target job, which writes nothing
        chain, length = critical_path(jobs)
        results.paths.append(([j.rule for j in chain], length))
        print(
            f"  full build {run + 1}/{runs}: {seconds:.1f} s, {cpu:.1f} CPU-s "
            f"(critical path {length:.1f} s, {len(jobs)} jobs); in one process "
            f"{found.seconds[-1]:.1f} s, {found.cpu[-1]:.1f} CPU-s",
            flush=True,
        )

    # 2. no-ops, interleaved with the floor; one warm-up of each is not recorded
    bare = work / "bare"
    bare.mkdir()
    (bare / "Snakefile").write_text(BARE_SNAKEFILE)
    commands = {
        "bare": ([build[0], "--cores", "2"], bare),
        "snakemake": (build, project),
        "make": (["make", "--no-print-directory"], project),
        # what the no-op is made of: each workflow only read (parsed, its config
        # checked), no DAG built, no file checked
        "bare_read": ([build[0], "--cores", "2", "--list-rules"], bare),
        "read": (build + ["--list-rules"], project),
    }
    timed(*commands["bare"])  # makes done.txt
    noop = {name: [] for name in commands}
    for run in range(runs + 1):
        for name, (command, cwd) in commands.items():
            seconds, output = timed(command, cwd)
            if name in ("snakemake", "make") and "Nothing to be done" not in output:
                sys.exit(f"bench: the no-op `{name}` did something:\n{output[-3000:]}")
            if run > 0:
                noop[name].append(seconds)
    floor = statistics.median(noop["bare"])
    print(
        f"  no-op: bare {floor:.2f} s, snakemake {statistics.median(noop['snakemake']):.2f} s, "
        f"make {statistics.median(noop['make']):.2f} s",
        flush=True,
    )

    # 3. single edits
    template = project / "report" / "template.html.j2"
    rc = project / "workflow" / "matplotlibrc"
    config = project / "config" / "config.yaml"
    edits = {
        TEMPLATE_EDIT: lambda run: template.write_text(
            template.read_text() + f"{{# bench {run} #}}\n"
        ),
        "edit: figure style (workflow/matplotlibrc)": lambda run: rc.write_text(
            rc.read_text() + f"# bench {run}\n"
        ),
        CONFIG_EDIT: lambda run: config.write_text(toggled_cutoffs(config.read_text(), run)),
    }
    edit_rows = []
    for name, edit in edits.items():
        times, counts = [], set()
        for run in range(runs):
            edit(run)
            _, dry = timed(build + ["--dry-run"], project)
            stats = parse_job_stats(dry)
            counts.add(sum(stats.values()))
            results.edit_rules[name] = sorted(stats)
            times.append(timed(build, project)[0])
        limit = targets.edit_limit(name)
        edit_rows.append(
            Measurement(
                "edit",
                name,
                times,
                floor=floor,
                jobs=" / ".join(str(c) for c in sorted(counts)),
                target="" if limit is None else f"<= {limit:g} s",
                target_met=None if limit is None else statistics.median(times) <= limit,
            )
        )
        print(f"  {name}: {statistics.median(times):.1f} s, jobs {sorted(counts)}", flush=True)

    def noop_row(name: str, what: str) -> Measurement:
        return Measurement(
            "noop",
            what,
            noop[name],
            floor=floor,
            jobs="0",
            target=f"<= {targets.noop_ratio}x floor",
            target_met=statistics.median(noop[name]) / floor <= targets.noop_ratio,
        )

    results.rows = [
        Measurement(
            "floor", "bare Snakemake no-op (one-rule Snakefile)", noop["bare"], floor=floor
        ),
        noop_row("snakemake", "no-op: snakemake --workflow-profile profiles/default"),
        noop_row("make", "no-op: make (environment check, flock, Snakemake)"),
        Measurement(
            "floor_read",
            "bare Snakemake reading its workflow only (--list-rules)",
            noop["bare_read"],
        ),
        Measurement(
            "noop_read",
            "udsyn's workflow read only (the no-op's command with --list-rules)",
            noop["read"],
        ),
        Measurement(
            "full",
            "full build from clean results/",
            full,
            floor=floor,
            jobs=str(job_count),
            target=f"<= {targets.full_build_s:.0f} s on 2 cores",
            target_met=(
                statistics.median(full) <= targets.full_build_s if os.cpu_count() == 2 else None
            ),
        ),
        Measurement("full_cpu", "full build: CPU time (Snakemake and every job)", found.build_cpu),
        Measurement(
            "one_process",
            "the same analysis in one Python process (every job's script in turn, no Snakemake)",
            found.seconds,
            floor=floor,
            target=f"full build <= {targets.one_process_ratio:g}x this",
            target_met=statistics.median(full)
            <= targets.one_process_ratio * statistics.median(found.seconds),
        ),
        Measurement("one_process_cpu", "the same in one process: CPU time", found.cpu),
        Measurement(
            "critical_path",
            "critical path of the full build (sum of its jobs' run times)",
            [length for _, length in results.paths],
            floor=floor,
        ),
        *edit_rows,
        *[
            Measurement("rule", f"rule {rule} (full build)", times)
            for rule, times in results.rule_times.items()
        ],
        *[
            Measurement(f"job_{what}", job, times)
            for job, series in found.jobs.items()
            for what, times in series.items()
        ],
    ]


# ---- 4. a fresh clone to the report ----


def measure_fresh_clone(work: Path, runs: int, results: Results) -> None:
    """`git clone` of this repository's committed state, then `make`: the
    environment installed from the lock (``make .venv/.installed``) and the build
    (``make``), each clone with its own new .venv (removed after)."""
    env = clean_env()
    env.pop("PYTHONPATH", None)  # the clone imports its own udsyn
    install, build, total = [], [], []
    for run in range(runs):
        clone = work / f"clone-{run}"
        seconds_clone, _ = timed(["git", "clone", "--quiet", str(ROOT), str(clone)], work, env)
        seconds_install, output = timed(["make", "--no-print-directory", STAMP], clone, env)
        seconds_build, _ = timed(["make", "--no-print-directory"], clone, env)
        install.append(seconds_install)
        build.append(seconds_build)
        total.append(seconds_clone + seconds_install + seconds_build)
        how = "uv" if "with uv" in output else "pip"
        print(
            f"  fresh clone {run + 1}/{runs}: {total[-1]:.1f} s (environment "
            f"{seconds_install:.1f} s with {how}, build {seconds_build:.1f} s)",
            flush=True,
        )
        shutil.rmtree(clone, ignore_errors=True)
    targets = results.targets
    results.rows += [
        Measurement(
            "clone",
            "fresh clone to the report (git clone, make)",
            total,
            target=f"<= {targets.fresh_clone_s:g} s",
            target_met=statistics.median(total) <= targets.fresh_clone_s,
        ),
        Measurement("clone_install", f"fresh clone: the environment (make {STAMP})", install),
        Measurement("clone_build", "fresh clone: the build after it (make)", build),
    ]


# ---- the whole benchmark ----


def measure(
    runs: int,
    work: Path,
    scale_runs: int = bench_scale.RUNS,
    sizes: tuple[int, ...] = bench_scale.SIZES,
    clone_runs: int = CLONE_RUNS,
) -> Results:
    project = copy_project(work)
    results = Results(machine=machine(speed_runs=min(runs, SPEED_RUNS)))
    targets = results.targets
    measure_builds(project, work, runs, results)
    measure_fresh_clone(work, clone_runs, results)
    # 4. scale (last: it leaves the copy's results/ built from a big export)
    for size in sizes:
        large = size == sizes[-1]  # fewer runs: each takes tens of seconds
        scale = bench_scale.measure_scale(
            project, work, size, scale_runs if large else runs, 1 if large else runs
        )
        if size == targets.scale_rows:
            judge_at_scale(scale, targets)
        results.scale.append(scale)
        results.rows += [scale.generate, scale.floor, scale.pipeline]
        results.rows += [
            Measurement("scale_rule", f"rule {rule}, {format_count(size)} respondents", times)
            for rule, times in scale.rule_times.items()
        ]
        results.rows += [
            Measurement(
                "scale_in_process",
                f"in one process: {stage}, {format_count(size)} respondents",
                times,
            )
            for stage, times in scale.stages.items()
        ]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__)
    parser.add_argument(
        "--scale-runs",
        type=int,
        default=bench_scale.RUNS,
        help=f"runs at {format_count(bench_scale.SIZES[-1])} respondents",
    )
    parser.add_argument(
        "--clone-runs",
        type=int,
        default=CLONE_RUNS,
        help=f"fresh clones built (default {CLONE_RUNS})",
    )
    parser.set_defaults(sizes=bench_scale.SIZES)
    args = parse(
        parser, argv, min_runs=RUNS, scale_runs=1, clone_runs=1, sizes=bench_scale.QUICK_SIZES
    )
    if args.scale_runs < 1:
        parser.error("at least 1 run at scale")
    started = time.perf_counter()
    with workspace("builds", args.keep) as work:
        results = measure(args.runs, work, args.scale_runs, args.sizes, args.clone_runs)
    write_results(results, args.out, args.runs, args.scale_runs, time.perf_counter() - started)
    print(f"udsyn bench: wrote results.md and results.csv in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
