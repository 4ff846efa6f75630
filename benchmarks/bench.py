"""udsyn's benchmarks (issue 6, part 1): `make bench`.

Measures, in a temporary copy of the project that reuses this project's .venv
(never in the working tree), each at least ``RUNS`` times:

1. the no-op build (everything up to date): ``snakemake`` with the workflow
   profile, and ``make`` itself, against their floor, a bare Snakemake no-op on
   a one-rule Snakefile in its own temporary folder, measured in the same run
   (interleaved, after one unrecorded warm-up of each);
2. the full build from a clean ``results/`` (what ``make clean-results`` removes;
   the environment installed), with each job's start and end read from
   Snakemake's own metadata (``.snakemake/metadata/``: ``starttime``/``endtime``
   per output) to give per-rule wall times and the critical path (the chain of
   dependent jobs with the largest summed run time);
3. single edits, each followed by a dry run (its "Job stats" give the jobs that
   rerun) and a timed build: the report template, the figures' matplotlibrc, and
   one config value (``analysis.robustness_crisis_cutoffs``).

Writes ``benchmarks/results.md`` (tables, the machine, the issue's targets) and
``benchmarks/results.csv`` (the same numbers, one row per measurement). Usage,
from the repository root (``make bench`` does this)::

    PYTHONPATH=workflow .venv/bin/python benchmarks/bench.py [--runs 5] [--keep]

The functions above ``# ---- measuring ----`` are pure (no files, no clocks) and
tested in tests/test_bench.py; the tests never time anything.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RUNS = 5  # at least this many timed runs of every measurement (issue 6)

# Issue 6's targets.
NOOP_TARGET_RATIO = 1.5      # no-op within 1.5x of a bare Snakemake no-op
FULL_BUILD_TARGET_S = 20.0   # full build within 20 s on 2 cores

BARE_SNAKEFILE = 'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n'

CSV_COLUMNS = ("kind", "measurement", "median_s", "min_s", "max_s", "runs", "floor_s",
               "ratio_to_floor", "jobs", "target", "target_met")


# ---- statistics and formatting (pure) ----

@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    runs: int


def summarize(values: list[float]) -> Summary:
    """Median and range (min-max) of timed runs."""
    if not values:
        raise ValueError("no runs to summarize")
    return Summary(statistics.median(values), min(values), max(values), len(values))


def ratio(value: float, floor: float) -> float | None:
    """value / floor, or None without a positive floor."""
    return value / floor if floor and floor > 0 else None


def format_seconds(seconds: float | None) -> str:
    """Seconds for a table: 2 decimals below 10 s, 1 decimal up to 100 s, else m:ss."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_range(summary: Summary) -> str:
    return f"{format_seconds(summary.low)} – {format_seconds(summary.high)}"


def format_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table; `|` in cells is escaped."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    out = [line(header), "|" + "|".join("---" for _ in header) + "|"]
    out += [line(row) for row in rows]
    return "\n".join(out) + "\n"


def parse_job_stats(text: str) -> dict[str, int]:
    """rule -> job count from the first "Job stats:" table Snakemake prints (the
    "total" row is left out; the `all` target is a job and is kept). Empty if
    there is no table (nothing to be done)."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.strip() == "Job stats:":
            break
    else:
        return {}
    counts = {}
    for line in lines[start + 1:]:
        parts = line.split()
        if not parts:
            break
        if parts[0] == "job" or set(parts[0]) == {"-"}:
            continue
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


def decode_metadata_name(name: str) -> str:
    """The output path a `.snakemake/metadata/` file name encodes (urlsafe base64)."""
    return base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode("utf-8")


@dataclass(frozen=True)
class Job:
    rule: str
    start: float
    end: float
    outputs: frozenset[str]
    inputs: frozenset[str]

    @property
    def seconds(self) -> float:
        return self.end - self.start


def jobs_from_metadata(records: dict[str, dict]) -> list[Job]:
    """Jobs from Snakemake's metadata records (output path -> record). The outputs
    of one job share its rule and end time; Snakemake stamps each output's start
    separately (microseconds apart), so a job starts at the earliest of them."""
    grouped: dict[tuple[str, float], dict] = {}
    for output, record in records.items():
        if record.get("starttime") is None or record.get("endtime") is None:
            continue
        key = (record["rule"], record["endtime"])
        job = grouped.setdefault(key, {"start": record["starttime"], "outputs": set(),
                                       "inputs": set()})
        job["outputs"].add(output)
        job["inputs"].update(record.get("input") or [])
        job["start"] = min(job["start"], record["starttime"])
    return sorted((Job(rule, g["start"], end, frozenset(g["outputs"]), frozenset(g["inputs"]))
                   for (rule, end), g in grouped.items()), key=lambda j: (j.start, j.rule))


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


def parse_meminfo(text: str) -> float | None:
    """MemTotal from /proc/meminfo, in GiB."""
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    return int(match.group(1)) / 1024 ** 2 if match else None


def parse_cpu_model(text: str) -> str | None:
    """The first "model name" in /proc/cpuinfo."""
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else None


def toggled_cutoffs(text: str, run: int) -> str:
    """config.yaml with `robustness_crisis_cutoffs` set to a different value on
    every run (alternating, so each run is a real change from the last)."""
    value = "[2008, 2011]" if run % 2 == 0 else "[2008, 2010]"
    new, count = re.subn(r"(?m)^(\s*robustness_crisis_cutoffs:\s*)\[[^\]]*\]",
                         lambda m: m.group(1) + value, text)
    if count != 1:
        raise ValueError("config has no single `robustness_crisis_cutoffs: [...]` line")
    return new


@dataclass
class Row:
    """One line of the results table."""
    kind: str
    measurement: str
    times: list[float]
    floor: float | None = None
    jobs: str = ""
    target: str = ""
    target_met: bool | None = None

    @property
    def summary(self) -> Summary:
        return summarize(self.times)


def csv_text(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        s = row.summary
        r = ratio(s.median, row.floor) if row.floor is not None else None
        writer.writerow([row.kind, row.measurement, f"{s.median:.3f}", f"{s.low:.3f}",
                         f"{s.high:.3f}", s.runs,
                         "" if row.floor is None else f"{row.floor:.3f}",
                         "" if r is None else f"{r:.3f}", row.jobs, row.target,
                         "" if row.target_met is None else str(row.target_met).lower()])
    return out.getvalue()


def results_table(rows: list[Row]) -> str:
    body = []
    for row in rows:
        s = row.summary
        body.append([row.measurement, format_seconds(s.median), format_range(s), str(s.runs),
                     format_seconds(row.floor),
                     format_ratio(ratio(s.median, row.floor) if row.floor is not None else None),
                     row.jobs])
    return markdown_table(["measurement", "median", "range", "runs", "floor",
                           "ratio to floor", "jobs"], body)


# ---- measuring ----

ROOT = Path(__file__).resolve().parents[1]


def clean_env() -> dict[str, str]:
    """This environment without make's variables (a nested make would see them)."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=clean_env())
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: `{' '.join(command)}` failed in {cwd} (exit {done.returncode}):\n"
                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


def read_metadata(project: Path) -> dict[str, dict]:
    records = {}
    for path in (project / ".snakemake" / "metadata").iterdir():
        try:
            records[decode_metadata_name(path.name)] = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return records


def clean_results(project: Path) -> None:
    """What `make clean-results` removes."""
    for path in (project / "results").iterdir():
        if path.name != "README.md":
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    (project / "report" / "report.html").unlink(missing_ok=True)
    shutil.rmtree(project / "logs", ignore_errors=True)


def machine() -> list[tuple[str, str]]:
    def read(path):
        try:
            return Path(path).read_text()
        except OSError:
            return ""
    memory = parse_meminfo(read("/proc/meminfo"))
    snakemake = subprocess.run([str(ROOT / ".venv" / "bin" / "snakemake"), "--version"],
                               capture_output=True, text=True).stdout.strip()
    return [("date", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            ("cores (nproc)", str(os.cpu_count())),
            ("memory", f"{memory:.1f} GiB" if memory else "unknown"),
            ("CPU", parse_cpu_model(read("/proc/cpuinfo")) or platform.processor() or "unknown"),
            ("OS", f"{platform.system()} {platform.release()}"),
            ("Python", platform.python_version()),
            ("Snakemake", snakemake)]


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    paths: list[tuple[list[str], float]] = field(default_factory=list)
    edit_rules: dict[str, list[str]] = field(default_factory=dict)


def measure(runs: int, work: Path) -> Results:
    sys.path.insert(0, str(ROOT / "workflow"))
    from udsyn.verify import copy_sources, source_files

    project = work / "udsyn"
    copy_sources(ROOT, source_files(ROOT), project)
    bare = work / "bare"
    bare.mkdir()
    (bare / "Snakefile").write_text(BARE_SNAKEFILE)
    snakemake = str(project / ".venv" / "bin" / "snakemake")
    build = [snakemake, "--workflow-profile", "profiles/default"]
    results = Results()

    # 2. full builds (first, so the copy ends up to date)
    full, job_count = [], 0
    for run in range(runs):
        clean_results(project)
        seconds, _ = timed(build, project)
        full.append(seconds)
        jobs = jobs_from_metadata(read_metadata(project))
        for job in jobs:
            results.rule_times.setdefault(job.rule, []).append(job.seconds)
        job_count = len(jobs) + 1  # and the `all` target job, which writes nothing
        chain, length = critical_path(jobs)
        results.paths.append(([j.rule for j in chain], length))
        print(f"  full build {run + 1}/{runs}: {seconds:.1f} s "
              f"(critical path {length:.1f} s, {len(jobs)} jobs)", flush=True)

    # 1. no-ops, interleaved with the floor; one warm-up of each is not recorded
    commands = {"bare": ([snakemake, "--cores", "2"], bare),
                "snakemake": (build, project),
                "make": (["make", "--no-print-directory"], project)}
    timed(*commands["bare"])  # makes done.txt
    noop = {name: [] for name in commands}
    for run in range(runs + 1):
        for name, (command, cwd) in commands.items():
            seconds, output = timed(command, cwd)
            if name != "bare" and "Nothing to be done" not in output:
                sys.exit(f"bench: the no-op `{name}` did something:\n{output[-3000:]}")
            if run > 0:
                noop[name].append(seconds)
    print(f"  no-op: bare {statistics.median(noop['bare']):.2f} s, snakemake "
          f"{statistics.median(noop['snakemake']):.2f} s, make "
          f"{statistics.median(noop['make']):.2f} s", flush=True)
    floor = statistics.median(noop["bare"])

    # 3. single edits
    template = project / "report" / "template.html.j2"
    rc = project / "workflow" / "matplotlibrc"
    config = project / "config" / "config.yaml"
    edits = {
        "edit: report template (report/template.html.j2)":
            lambda run: template.write_text(template.read_text() + f"{{# bench {run} #}}\n"),
        "edit: figure style (workflow/matplotlibrc)":
            lambda run: rc.write_text(rc.read_text() + f"# bench {run}\n"),
        "edit: config value (analysis.robustness_crisis_cutoffs)":
            lambda run: config.write_text(toggled_cutoffs(config.read_text(), run)),
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
            seconds, _ = timed(build, project)
            times.append(seconds)
        edit_rows.append(Row("edit", name, times, floor=floor,
                             jobs=" / ".join(str(c) for c in sorted(counts))))
        print(f"  {name}: {statistics.median(times):.1f} s, jobs {sorted(counts)}", flush=True)

    full_median = statistics.median(full)
    noop_ratio = statistics.median(noop["snakemake"]) / floor
    results.rows = [
        Row("floor", "bare Snakemake no-op (one-rule Snakefile)", noop["bare"], floor=floor),
        Row("noop", "no-op: snakemake --workflow-profile profiles/default", noop["snakemake"],
            floor=floor, jobs="0", target=f"<= {NOOP_TARGET_RATIO}x floor",
            target_met=noop_ratio <= NOOP_TARGET_RATIO),
        Row("noop", "no-op: make (environment check, flock, Snakemake)", noop["make"],
            floor=floor, jobs="0", target=f"<= {NOOP_TARGET_RATIO}x floor",
            target_met=statistics.median(noop["make"]) / floor <= NOOP_TARGET_RATIO),
        Row("full", "full build from clean results/", full, floor=floor,
            jobs=str(job_count),
            target=f"<= {FULL_BUILD_TARGET_S:.0f} s on 2 cores",
            target_met=full_median <= FULL_BUILD_TARGET_S if os.cpu_count() == 2 else None),
        Row("critical_path", "critical path of the full build (sum of its jobs' run times)",
            [length for _, length in results.paths], floor=floor),
        *edit_rows,
    ]
    for rule, times in results.rule_times.items():
        results.rows.append(Row("rule", f"rule {rule} (full build)", times))
    return results


def write(results: Results, runs: int, elapsed: float) -> None:
    rows = results.rows
    main = [r for r in rows if r.kind != "rule"]
    by_kind = {r.kind: r for r in rows}
    noop, full = [r for r in rows if r.measurement.startswith("no-op: snakemake")][0], by_kind["full"]
    make_noop = [r for r in rows if r.measurement.startswith("no-op: make")][0]
    floor = by_kind["floor"].summary.median
    chains = {}
    for chain, _ in results.paths:
        chains[" → ".join(chain)] = chains.get(" → ".join(chain), 0) + 1
    chain, count = max(chains.items(), key=lambda kv: kv[1])

    def met(flag):
        return {True: "**met**", False: "**not met**", None: "not applicable (not 2 cores)"}[flag]

    rule_rows = sorted((r for r in rows if r.kind == "rule"), key=lambda r: -r.summary.median)
    path_rules = chain.split(" → ")
    text = [
        "# udsyn benchmarks\n",
        "Written by `make bench` (`benchmarks/bench.py`); do not edit by hand. Timings are "
        "wall-clock seconds on the machine below, in a temporary copy of the project that "
        "reuses its `.venv`.\n",
        markdown_table(["machine", ""], [[k, v] for k, v in machine()]),
        f"Each measurement: {runs} timed runs, median and range (min – max). The floor is a "
        "bare Snakemake no-op (a one-rule Snakefile whose output exists, `snakemake --cores 2`, "
        "same Python and Snakemake) measured in the same run, interleaved with the no-ops; one "
        "warm-up run of each no-op is not counted. Jobs are Snakemake's own count (its dry "
        "run's \"Job stats\" total, which includes the `all` target job). "
        f"The whole benchmark took {format_seconds(elapsed)}.\n",
        results_table(main),
        "## Issue 6's targets\n",
        markdown_table(["target", "measured", "status"], [
            [f"no-op within {NOOP_TARGET_RATIO}x of a bare Snakemake no-op",
             f"snakemake {format_ratio(ratio(noop.summary.median, floor))} "
             f"({format_seconds(noop.summary.median)} vs {format_seconds(floor)}); "
             f"`make` {format_ratio(ratio(make_noop.summary.median, floor))}",
             f"{met(noop.target_met)} (snakemake); {met(make_noop.target_met)} (make)"],
            [f"full build within {FULL_BUILD_TARGET_S:.0f} s on 2 cores",
             f"{format_seconds(full.summary.median)} (range {format_range(full.summary)})",
             met(full.target_met)],
        ]),
        "## The full build: critical path and per-rule wall times\n",
        f"Per job start and end times come from Snakemake's metadata "
        f"(`.snakemake/metadata/`, `starttime`/`endtime`). The critical path is the chain of "
        f"dependent jobs with the largest summed run time; in {count} of {runs} builds it was:\n",
        f"{chain}\n",
        f"Its length: median {format_seconds(by_kind['critical_path'].summary.median)} "
        f"of a {format_seconds(full.summary.median)} build; the rest is Snakemake's start-up, "
        "DAG building and scheduling between jobs. Per rule (every rule is one job):\n",
        markdown_table(["rule", "median", "range", "runs", "on the critical path"],
                       [[r.measurement.split()[1], format_seconds(r.summary.median),
                         format_range(r.summary), str(r.summary.runs),
                         "yes" if r.measurement.split()[1] in path_rules else ""]
                        for r in rule_rows]),
        "## What each single edit reruns\n",
        markdown_table(["edit", "rules rerun (dry run's Job stats)"],
                       [[name, ", ".join(rules)] for name, rules in results.edit_rules.items()]),
        "## Not measured yet\n",
        "Issue 6 part 2 is not measured here: the synthetic generator at 100,000 and "
        "1,000,000 respondents, and validate + clean + derive on those exports against a "
        "plain pyarrow read of the same file (the floor for reading). The timings above are "
        "for the committed export only. Memory (peak RSS) is not measured either.\n",
    ]
    (ROOT / "benchmarks" / "results.md").write_text("\n".join(text), encoding="utf-8")
    (ROOT / "benchmarks" / "results.csv").write_text(csv_text(rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)
    if args.runs < RUNS:
        parser.error(f"at least {RUNS} runs per measurement")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="udsyn-bench-"))
    print(f"udsyn bench: a temporary copy in {work}, {args.runs} runs each", flush=True)
    try:
        results = measure(args.runs, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write(results, args.runs, time.perf_counter() - started)
    print("udsyn bench: wrote benchmarks/results.md and benchmarks/results.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
