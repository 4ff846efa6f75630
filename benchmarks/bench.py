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
4. scale: the synthetic generator writing exports of 100,000 and 1,000,000
   respondents, a plain pyarrow read of each (the floor), and the real
   validate, clean and derive rules on each (a ``--configfile`` pointing the
   survey at the big export), with the peak memory of the largest process; and
   the same three rule scripts run in one process without Snakemake
   (``--in-process``), timed per stage, to show what process start-up costs.

Writes ``results.md`` and ``results.csv`` (bench_tables.write_results). Usage, from
the repository root (``make bench`` does this)::

    .venv/bin/python benchmarks/bench.py [--runs 5] [--scale-runs 3] [--keep]

``--quick`` runs each measurement once, at 1,000 and 2,000 respondents, and
writes to a temporary folder (a few minutes: it still builds everything).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from bench_tables import format_count, format_memory, write_results
from bench_timing import (
    PYARROW_READ,
    RUNS,
    Job,
    Measurement,
    command_line,
    copy_project,
    generator,
    last_jobs,
    machine,
    parse,
    parse_job_stats,
    peak_timed,
    python,
    snakemake,
    timed,
    timed_read,
    udsyn_env,
    workspace,
)

SCALE_SIZES = (100_000, 1_000_000)  # respondents (data rows) of the generated exports
QUICK_SIZES = (1_000, 2_000)
SCALE_RUNS = 3  # runs at the largest size (--scale-runs); smaller get --runs
SCALE_RULES = ("validate", "clean", "derive")
SCALE_TARGET = "results/derived/municipalities.csv"
GENERATED_DELIMITER = ";"  # the synthetic export's csv format (udsyn.synthetic.formats)
BARE_SNAKEFILE = 'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n'


@dataclass(frozen=True)
class Targets:
    noop_ratio: float = 1.5  # no-op within 1.5x of a bare Snakemake no-op
    full_build_s: float = 20.0  # full build within 20 s on 2 cores
    scale_rows: int = 1_000_000  # at this size, validate + clean + derive ...
    scale_ratio: float = 4.0  # ... within 4x of a pyarrow read
    scale_gib: float = 4.0  # ... under 4 GiB peak memory


@dataclass
class Scale:
    """What was measured at one export size."""

    size: int
    export_bytes: int = 0
    generate: Measurement | None = None
    floor: Measurement | None = None
    pipeline: Measurement | None = None
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    stages: dict[str, list[float]] = field(default_factory=dict)  # in-process
    summary: dict[str, int] = field(default_factory=dict)  # clean/summary.csv counts


@dataclass
class Results:
    rows: list[Measurement] = field(default_factory=list)
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    paths: list[tuple[list[str], float]] = field(default_factory=list)
    edit_rules: dict[str, list[str]] = field(default_factory=dict)
    scale: list[Scale] = field(default_factory=list)
    targets: Targets = Targets()
    scale_command: str = (
        f"snakemake {SCALE_TARGET} --workflow-profile profiles/default "
        "--configfile <export>.yaml --forcerun validate"
    )
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


def scale_config(dataset: str, labels: str) -> str:
    """A --configfile that points the survey at another export (Snakemake merges it)."""
    return (
        "# written by benchmarks/bench.py: the survey export at scale\n"
        f"survey:\n  dataset: {json.dumps(dataset)}\n  labels: {json.dumps(labels)}\n"
    )


# ---- 1. to 3.: full, no-op and single-edit builds ----


def measure_builds(project: Path, work: Path, runs: int, results: Results) -> None:
    build = snakemake(project)
    targets = results.targets

    # 1. full builds (first, so the copy ends up to date)
    full, job_count = [], 0
    for run in range(runs):
        timed(["make", "--no-print-directory", "clean-results"], project)
        seconds, _ = timed(build, project)
        full.append(seconds)
        jobs = last_jobs(project)
        for job in jobs:
            results.rule_times.setdefault(job.rule, []).append(job.seconds)
        job_count = len(jobs) + 1  # and the `all` target job, which writes nothing
        chain, length = critical_path(jobs)
        results.paths.append(([j.rule for j in chain], length))
        print(
            f"  full build {run + 1}/{runs}: {seconds:.1f} s "
            f"(critical path {length:.1f} s, {len(jobs)} jobs)",
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
    }
    timed(*commands["bare"])  # makes done.txt
    noop = {name: [] for name in commands}
    for run in range(runs + 1):
        for name, (command, cwd) in commands.items():
            seconds, output = timed(command, cwd)
            if name != "bare" and "Nothing to be done" not in output:
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
        "edit: report template (report/template.html.j2)": lambda run: template.write_text(
            template.read_text() + f"{{# bench {run} #}}\n"
        ),
        "edit: figure style (workflow/matplotlibrc)": lambda run: rc.write_text(
            rc.read_text() + f"# bench {run}\n"
        ),
        "edit: config value (analysis.robustness_crisis_cutoffs)": lambda run: config.write_text(
            toggled_cutoffs(config.read_text(), run)
        ),
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
        edit_rows.append(
            Measurement(
                "edit", name, times, floor=floor, jobs=" / ".join(str(c) for c in sorted(counts))
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
    ]


# ---- 4. the export at scale ----


def measure_scale(
    project: Path, work: Path, size: int, runs: int, generate_runs: int, targets: Targets
) -> Scale:
    """Generate an export of ``size`` respondents (timed ``generate_runs`` times);
    then, interleaved, ``runs`` times: the pyarrow read (floor), validate + clean +
    derive through Snakemake, and the three rule scripts in one process."""
    folder = work / f"export-{size}"
    folder.mkdir()
    env = udsyn_env(project)
    scale = Scale(size, rule_times={rule: [] for rule in SCALE_RULES})
    generated = [
        peak_timed(generator(project, folder, size), project, env) for _ in range(generate_runs)
    ]
    dataset = folder / "dataset.csv"
    scale.export_bytes = dataset.stat().st_size
    print(
        f"  {format_count(size)} rows: generated {scale.export_bytes / 2**20:.0f} MiB in "
        f"{statistics.median(g[0] for g in generated):.1f} s",
        flush=True,
    )
    override = folder / "config.yaml"
    override.write_text(scale_config(str(dataset), str(folder / "labels.csv")), encoding="utf-8")
    build = snakemake(
        project, SCALE_TARGET, "--configfile", str(override), "--forcerun", "validate"
    )
    in_process = [
        python(project),
        str(Path(__file__).resolve()),
        "--in-process",
        str(project),
        str(override),
        str(folder / "in-process"),
    ]
    floor, floor_peaks, times, peaks = [], [], [], []
    for run in range(runs):
        seconds, peak = timed_read(
            PYARROW_READ, [str(dataset), "utf8", GENERATED_DELIMITER], size, "pyarrow", project
        )
        floor.append(seconds)
        floor_peaks.append(peak)
        seconds, peak, output = peak_timed(build, project)
        if sorted(parse_job_stats(output)) != sorted(SCALE_RULES):
            sys.exit(f"bench: expected the jobs {SCALE_RULES}, Snakemake ran:\n{output[-3000:]}")
        times.append(seconds)
        peaks.append(peak)
        for job in last_jobs(project):
            if job.rule in SCALE_RULES:
                scale.rule_times[job.rule].append(job.seconds)
        _, output = timed(in_process, project, env)
        for stage, stage_seconds in json.loads(output.strip().splitlines()[-1]).items():
            scale.stages.setdefault(stage, []).append(stage_seconds)
        print(
            f"  {format_count(size)} rows, run {run + 1}/{runs}: pyarrow read {floor[-1]:.2f} s, "
            f"validate + clean + derive {times[-1]:.1f} s, peak {format_memory(peaks[-1])}",
            flush=True,
        )
    with open(project / "results" / "clean" / "summary.csv", encoding="utf-8") as handle:
        scale.summary = {
            f"{r['kind']}:{r['rule']}": int(r["count"]) for r in csv.DictReader(handle)
        }
    name = f"{format_count(size)} respondents"
    scale.generate = Measurement(
        "scale_generate",
        f"generator: write {name} (--respondents)",
        [g[0] for g in generated],
        peaks_mib=[g[1] for g in generated],
    )
    scale.floor = Measurement(
        "scale_floor",
        f"pyarrow read of the {name} export (floor)",
        floor,
        floor=statistics.median(floor),
        peaks_mib=floor_peaks,
    )
    target = size == targets.scale_rows
    scale.pipeline = Measurement(
        "scale_pipeline",
        f"validate + clean + derive, {name} (Snakemake)",
        times,
        floor=statistics.median(floor),
        jobs=str(len(SCALE_RULES)),
        peaks_mib=peaks,
        target=(
            f"<= {targets.scale_ratio:g}x floor and < {targets.scale_gib:g} GiB" if target else ""
        ),
        target_met=(
            statistics.median(times) / statistics.median(floor) <= targets.scale_ratio
            and max(peaks) / 1024 <= targets.scale_gib
        )
        if target
        else None,
    )
    shutil.rmtree(folder / "in-process", ignore_errors=True)
    return scale


class _Named(dict):
    """Snakemake's named lists: items by name or attribute (``smk.input.dataset``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def run_in_process(project: Path, override: Path, out: Path) -> dict[str, float]:
    """The validate, clean and derive scripts in this one process, each called as
    Snakemake calls it (a ``snakemake`` object with its inputs, outputs, params
    and log), writing under ``out``; seconds per stage, the imports apart, and one
    more read of the export alone."""
    import runpy

    from snakemake.utils import update_config  # not what the scripts import: not timed

    os.chdir(project)
    started = time.perf_counter()
    sys.path.insert(0, str(project / "workflow"))
    import udsyn.clean.cleaning  # noqa: F401  (what the scripts import, timed apart)
    import udsyn.derive.derivation  # noqa: F401
    import udsyn.ingest.validation  # noqa: F401
    from udsyn.core import files
    from udsyn.ingest.export import read_options
    from udsyn.ingest.export_files import labels_file
    from udsyn.ingest.export_formats import read_dataset

    stages = {"imports": time.perf_counter() - started}
    config = files.read_yaml("config/config.yaml")
    update_config(config, files.read_yaml(override))  # as --configfile does
    survey, register = config["survey"], config["register"]
    labels = labels_file(survey["dataset"], survey["labels"])
    clean_out = {
        name: str(out / "clean" / f"{name}.csv")
        for name in ("respondents", "initiatives", "exclusions", "changes", "rules", "summary")
    }
    jobs = {
        "validate": dict(
            input=dict(
                dataset=survey["dataset"],
                labels=labels,
                register=register["municipalities"],
                questionnaire=survey["questionnaire"],
            ),
            output={
                name: str(out / "validated" / f"{name}.csv")
                for name in ("checks", "columns", "label_checks")
            },
            params=dict(survey=survey),
        ),
        "clean": dict(
            input=dict(
                dataset=survey["dataset"],
                labels=labels,
                register=register["municipalities"],
                predecessors=register["predecessors"],
                aliases=config["cleaning"]["aliases"],
                questionnaire=survey["questionnaire"],
            ),
            output=clean_out,
            params=dict(survey=survey, cleaning=config["cleaning"]),
        ),
        "derive": dict(
            input=dict(
                respondents=clean_out["respondents"],
                initiatives=clean_out["initiatives"],
                register=register["municipalities"],
                questionnaire=survey["questionnaire"],
            ),
            output=dict(municipalities=str(out / "derived" / "municipalities.csv")),
            params=dict(derive=config["derive"], synthetic=survey["synthetic"]),
        ),
    }
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for rule, job in jobs.items():
        smk = SimpleNamespace(
            rule=rule,
            scriptdir=str(project / "workflow" / "scripts"),
            input=_Named(job["input"]),
            output=_Named(job["output"]),
            params=_Named(job["params"]),
            log=[str(out / "logs" / f"{rule}.log")],
        )
        started = time.perf_counter()
        runpy.run_path(
            str(project / "workflow" / "scripts" / f"{rule}.py"), init_globals={"snakemake": smk}
        )
        stages[rule] = time.perf_counter() - started
    started = time.perf_counter()
    read_dataset(survey["dataset"], read_options(survey))
    stages["read_export"] = time.perf_counter() - started
    return stages


# ---- the whole benchmark ----


def measure(
    runs: int, work: Path, scale_runs: int = SCALE_RUNS, sizes: tuple[int, ...] = SCALE_SIZES
) -> Results:
    project = copy_project(work)
    results = Results(machine=machine())
    measure_builds(project, work, runs, results)
    # 4. scale (last: it leaves the copy's results/ built from a big export)
    for size in sizes:
        large = size == sizes[-1]  # fewer runs: each takes tens of seconds
        scale = measure_scale(
            project,
            work,
            size,
            scale_runs if large else runs,
            1 if large else runs,
            results.targets,
        )
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
        default=SCALE_RUNS,
        help=f"runs at {format_count(SCALE_SIZES[-1])} respondents",
    )
    parser.add_argument(
        "--in-process", nargs=3, metavar=("PROJECT", "CONFIG", "OUT"), help=argparse.SUPPRESS
    )  # used by the scale measurement itself
    parser.set_defaults(sizes=SCALE_SIZES)
    args = parse(parser, argv, min_runs=RUNS, scale_runs=1, sizes=QUICK_SIZES)
    if args.in_process:
        print(json.dumps(run_in_process(*(Path(p) for p in args.in_process))))
        return 0
    if args.scale_runs < 1:
        parser.error("at least 1 run at scale")
    started = time.perf_counter()
    with workspace("builds", args.keep) as work:
        results = measure(args.runs, work, args.scale_runs, args.sizes)
    write_results(results, args.out, args.runs, args.scale_runs, time.perf_counter() - started)
    print(f"udsyn bench: wrote results.md and results.csv in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
