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
   one config value (``analysis.robustness_crisis_cutoffs``);
4. scale (issue 6, part 2): the synthetic generator writing exports of 100,000
   and 1,000,000 respondents (``--respondents N``), a plain pyarrow read of each
   (the floor), and the real validate, clean and derive rules on each
   (``snakemake --configfile`` pointing ``survey.dataset``/``labels`` at the big
   export, target ``results/derived/municipalities.csv``, ``--forcerun
   validate``), with the peak memory of the largest process; and the same three
   rule scripts run in one process without Snakemake (``--in-process``), timed
   per stage, to show what process start-up costs.

Writes ``benchmarks/results.md`` (tables, the machine, the issue's targets) and
``benchmarks/results.csv`` (the same numbers, one row per measurement). Usage,
from the repository root (``make bench`` does this)::

    PYTHONPATH=workflow .venv/bin/python benchmarks/bench.py [--runs 5] [--scale-runs 3] [--keep]

The functions above ``# ---- measuring ----`` are pure (no files, no clocks) and
tested in tests/tools/test_bench.py; the tests never time anything.
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
from types import SimpleNamespace

import yaml

RUNS = 5  # at least this many timed runs of every measurement (issue 6)

# Issue 6's targets.
NOOP_TARGET_RATIO = 1.5      # no-op within 1.5x of a bare Snakemake no-op
FULL_BUILD_TARGET_S = 20.0   # full build within 20 s on 2 cores

# Issue 6, part 2: the export at scale.
SCALE_SIZES = (100_000, 1_000_000)  # respondents (data rows) of the generated exports
SCALE_RUNS = 3                      # runs at 1,000,000 rows (--scale-runs); smaller sizes get RUNS
SCALE_TARGET_ROWS = 1_000_000
SCALE_TARGET_RATIO = 4.0            # validate + clean + derive within 4x of a pyarrow read
SCALE_TARGET_GIB = 4.0              # ... under 4 GiB peak memory
SCALE_RULES = ("validate", "clean", "derive")
SCALE_TARGET = "results/derived/municipalities.csv"
GENERATED_DELIMITER = ";"  # the synthetic export's csv format (udsyn.synthetic_formats)

BARE_SNAKEFILE = 'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n'

# Runs a command and reports the peak resident memory of its largest process
# (getrusage's RUSAGE_CHILDREN: the largest of every descendant waited for).
PEAK_MARK = "udsyn-bench-peak-kib"
PEAK_WRAPPER = ("import resource, subprocess, sys\n"
                "code = subprocess.run(sys.argv[1:]).returncode\n"
                f"print('{PEAK_MARK}', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
                "file=sys.stderr)\n"
                "sys.exit(code)\n")
# The floor: pyarrow reading the export (type inference on, as `read_csv` does by
# default; quoted line breaks allowed, as the export has them). Prints the read's seconds.
ARROW_READ = ("import sys, time\nimport pyarrow.csv as csv\n"
              "started = time.perf_counter()\n"
              "table = csv.read_csv(sys.argv[1], parse_options=csv.ParseOptions("
              "delimiter=sys.argv[2], newlines_in_values=True))\n"
              "print(time.perf_counter() - started, table.num_rows)\n")

CSV_COLUMNS = ("kind", "measurement", "median_s", "min_s", "max_s", "runs", "floor_s",
               "ratio_to_floor", "jobs", "target", "target_met", "peak_mib_median",
               "peak_mib_max")


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
    peaks_mib: list[float] = field(default_factory=list)  # peak memory per run, if measured

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
                         "" if row.target_met is None else str(row.target_met).lower(),
                         f"{statistics.median(row.peaks_mib):.1f}" if row.peaks_mib else "",
                         f"{max(row.peaks_mib):.1f}" if row.peaks_mib else ""])
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


def parse_peak_kib(text: str) -> int | None:
    """The peak memory (KiB) PEAK_WRAPPER printed, or None."""
    match = re.search(rf"^{PEAK_MARK} (\d+)$", text, re.M)
    return int(match.group(1)) if match else None


def format_count(count: int) -> str:
    return f"{count:,}"


def format_memory(mib: float | None) -> str:
    """MiB below 1 GiB, GiB (2 decimals) from there."""
    if mib is None:
        return ""
    return f"{mib:.0f} MiB" if mib < 1024 else f"{mib / 1024:.2f} GiB"


def scale_config(dataset: str, labels: str) -> str:
    """A --configfile that points the survey at another export (Snakemake merges it)."""
    return ("# written by benchmarks/bench.py: the survey export at scale\n"
            f"survey:\n  dataset: {json.dumps(dataset)}\n  labels: {json.dumps(labels)}\n")


def against_target(value: float, limit: float, unit: str) -> tuple[bool, str]:
    """Whether ``value`` is within ``limit``, and by how much it is under or over."""
    if value <= limit:
        return True, f"met: {value:.2f}{unit} against {limit:g}{unit}"
    return False, (f"missed by {value - limit:.2f}{unit} ({value / limit:.2f} times the "
                   f"target of {limit:g}{unit})")


def stage_shares(stages: dict[str, float]) -> str:
    """In-process stage times, largest first, with their share of the total."""
    total = sum(stages.values())
    parts = sorted(stages.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {format_seconds(seconds)} ({seconds / total:.0%})"
                     for name, seconds in parts) if total > 0 else ""


# ---- measuring ----

ROOT = Path(__file__).resolve().parents[1]


def clean_env() -> dict[str, str]:
    """This environment without make's variables (a nested make would see them)."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          env=env or clean_env())
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
class Scale:
    """What was measured at one export size."""
    size: int
    export_bytes: int = 0
    generate: Row | None = None
    floor: Row | None = None
    pipeline: Row | None = None
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    stages: dict[str, list[float]] = field(default_factory=dict)  # in-process
    summary: dict[str, int] = field(default_factory=dict)          # clean/summary.csv counts


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    paths: list[tuple[list[str], float]] = field(default_factory=list)
    edit_rules: dict[str, list[str]] = field(default_factory=dict)
    scale: list[Scale] = field(default_factory=list)


def with_peak(command: list[str]) -> list[str]:
    return [sys.executable, "-c", PEAK_WRAPPER, *command]


def peak_timed(command: list[str], cwd: Path, env: dict[str, str] | None = None
               ) -> tuple[float, float, str]:
    """Seconds, peak memory of the largest process (MiB) and output of ``command``."""
    seconds, output = timed(with_peak(command), cwd, env)
    kib = parse_peak_kib(output)
    if kib is None:
        sys.exit(f"bench: no peak memory reported by `{' '.join(command)}`")
    return seconds, kib / 1024, output


def measure_scale(project: Path, work: Path, size: int, runs: int, generate_runs: int) -> Scale:
    """Generate an export of ``size`` respondents (timed ``generate_runs`` times);
    then, interleaved, ``runs`` times: the pyarrow read (floor), validate + clean +
    derive through Snakemake, and the three rule scripts in one process."""
    python = str(project / ".venv" / "bin" / "python")
    folder = work / f"export-{size}"
    folder.mkdir()
    env = {**clean_env(), "PYTHONPATH": str(project / "workflow")}
    generator = [python, "-m", "udsyn.synthetic", "--config", "config/synthetic.yaml",
                 "--questionnaire", "config/questionnaire.yaml",
                 "--register", "data/raw/register/municipalities.csv",
                 "--out", str(folder), "--respondents", str(size)]
    scale = Scale(size)
    gen_times, gen_peaks = [], []
    for _ in range(generate_runs):
        seconds, peak, _ = peak_timed(generator, project, env)
        gen_times.append(seconds)
        gen_peaks.append(peak)
    dataset = folder / "dataset.csv"
    scale.export_bytes = dataset.stat().st_size
    print(f"  {format_count(size)} rows: generated {scale.export_bytes / 2**20:.0f} MiB in "
          f"{statistics.median(gen_times):.1f} s", flush=True)
    override = folder / "config.yaml"
    override.write_text(scale_config(str(dataset), str(folder / "labels.csv")), encoding="utf-8")
    delimiter = GENERATED_DELIMITER  # what the generator's default (csv) format writes
    # the target first: --configfile and --forcerun take every word after them
    snakemake = [str(project / ".venv" / "bin" / "snakemake"), SCALE_TARGET, "--workflow-profile",
                 "profiles/default", "--configfile", str(override), "--forcerun", "validate"]
    in_process = [python, str(Path(__file__).resolve()), "--in-process", str(project),
                  str(override), str(folder / "in-process")]
    floor, floor_peaks, build, build_peaks = [], [], [], []
    for run in range(runs):
        _, peak, output = peak_timed([python, "-c", ARROW_READ, str(dataset), delimiter], project)
        read_seconds, read_rows = output.split()[:2]
        if int(read_rows) != size:
            sys.exit(f"bench: pyarrow read {read_rows} rows of {dataset}, not {size}")
        floor.append(float(read_seconds))
        floor_peaks.append(peak)
        seconds, peak, output = peak_timed(snakemake, project)
        counts = parse_job_stats(output)
        if sorted(counts) != sorted(SCALE_RULES):
            sys.exit(f"bench: expected the jobs {SCALE_RULES}, Snakemake ran {counts}:\n"
                     f"{output[-3000:]}")
        build.append(seconds)
        build_peaks.append(peak)
        for job in jobs_from_metadata(read_metadata(project)):
            if job.rule in SCALE_RULES:
                scale.rule_times.setdefault(job.rule, []).append(job.seconds)
        _, output = timed(in_process, project, env)
        for stage, stage_seconds in json.loads(output.strip().splitlines()[-1]).items():
            scale.stages.setdefault(stage, []).append(stage_seconds)
        print(f"  {format_count(size)} rows, run {run + 1}/{runs}: pyarrow read {floor[-1]:.2f} s, "
              f"validate + clean + derive {build[-1]:.1f} s, peak {format_memory(build_peaks[-1])}",
              flush=True)
    with open(project / "results" / "clean" / "summary.csv", encoding="utf-8") as handle:
        scale.summary = {f"{r['kind']}:{r['rule']}": int(r["count"]) for r in csv.DictReader(handle)}
    name = f"{format_count(size)} respondents"
    scale.generate = Row("scale_generate", f"generator: write {name} (--respondents)",
                         gen_times, peaks_mib=gen_peaks)
    scale.floor = Row("scale_floor", f"pyarrow read of the {name} export (floor)", floor,
                      floor=statistics.median(floor), peaks_mib=floor_peaks)
    met = None
    if size == SCALE_TARGET_ROWS:
        met = (statistics.median(build) / statistics.median(floor) <= SCALE_TARGET_RATIO
               and max(build_peaks) / 1024 <= SCALE_TARGET_GIB)
    scale.pipeline = Row("scale_pipeline", f"validate + clean + derive, {name} (Snakemake)",
                         build, floor=statistics.median(floor), jobs=str(len(SCALE_RULES)),
                         target=(f"<= {SCALE_TARGET_RATIO:g}x floor and < {SCALE_TARGET_GIB:g} GiB"
                                 if size == SCALE_TARGET_ROWS else ""),
                         target_met=met, peaks_mib=build_peaks)
    shutil.rmtree(folder / "in-process", ignore_errors=True)
    return scale


class _Named(dict):
    """Snakemake's named lists: items by name or attribute (``smk.input.dataset``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def merged_config(base: dict, override: dict) -> dict:
    """``base`` with ``override`` merged in, section by section (as --configfile does)."""
    out = dict(base)
    for key, value in override.items():
        out[key] = (merged_config(out.get(key, {}), value) if isinstance(value, dict)
                    else value)
    return out


def run_in_process(project: Path, override: Path, out: Path) -> dict[str, float]:
    """The validate, clean and derive scripts in this one process, each called as
    Snakemake calls it (a ``snakemake`` object with its inputs, outputs, params
    and log), writing under ``out``; seconds per stage, the imports apart, and one
    more read of the export alone."""
    import runpy

    os.chdir(project)
    started = time.perf_counter()
    sys.path.insert(0, str(project / "workflow"))
    from udsyn import io as udsyn_io
    from udsyn.export_files import labels_file
    from udsyn.export_formats import read_dataset
    from udsyn.export import read_options
    import udsyn.cleaning  # noqa: F401  (what the scripts import, timed apart)
    import udsyn.derivation  # noqa: F401
    import udsyn.validation  # noqa: F401
    stages = {"imports": time.perf_counter() - started}
    config = merged_config(udsyn_io.read_yaml("config/config.yaml"), udsyn_io.read_yaml(override))
    survey, register = config["survey"], config["register"]
    labels = labels_file(survey["dataset"], survey["labels"])
    clean_out = {name: str(out / "clean" / f"{name}.csv")
                 for name in ("respondents", "initiatives", "exclusions", "changes", "rules",
                              "summary")}
    jobs = {
        "validate": dict(input=dict(dataset=survey["dataset"], labels=labels,
                                    register=register["municipalities"],
                                    questionnaire=survey["questionnaire"]),
                         output=dict(checks=str(out / "validated" / "checks.csv"),
                                     columns=str(out / "validated" / "columns.csv"),
                                     label_checks=str(out / "validated" / "label_checks.csv")),
                         params=dict(survey=survey)),
        "clean": dict(input=dict(dataset=survey["dataset"], labels=labels,
                                 register=register["municipalities"],
                                 predecessors=register["predecessors"],
                                 aliases=config["cleaning"]["aliases"],
                                 questionnaire=survey["questionnaire"]),
                      output=clean_out, params=dict(survey=survey, cleaning=config["cleaning"])),
        "derive": dict(input=dict(respondents=clean_out["respondents"],
                                  initiatives=clean_out["initiatives"],
                                  register=register["municipalities"],
                                  questionnaire=survey["questionnaire"]),
                       output=dict(municipalities=str(out / "derived" / "municipalities.csv")),
                       params=dict(derive=config["derive"], synthetic=survey["synthetic"])),
    }
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for rule, job in jobs.items():
        smk = SimpleNamespace(rule=rule, scriptdir=str(project / "workflow" / "scripts"),
                              input=_Named(job["input"]), output=_Named(job["output"]),
                              params=_Named(job["params"]), log=[str(out / "logs" / f"{rule}.log")])
        started = time.perf_counter()
        runpy.run_path(str(project / "workflow" / "scripts" / f"{rule}.py"),
                       init_globals={"snakemake": smk})
        stages[rule] = time.perf_counter() - started
    started = time.perf_counter()
    read_dataset(survey["dataset"], read_options(survey))
    stages["read_export"] = time.perf_counter() - started
    return stages


def measure(runs: int, work: Path, scale_runs: int = SCALE_RUNS) -> Results:
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

    # 4. scale (last: it leaves the copy's results/ built from a big export)
    for size in SCALE_SIZES:
        large = size >= SCALE_TARGET_ROWS  # fewer runs: each takes tens of seconds
        scale = measure_scale(project, work, size, scale_runs if large else runs,
                              generate_runs=1 if large else runs)
        results.scale.append(scale)
        results.rows += [scale.generate, scale.floor, scale.pipeline]
        for rule, times in scale.rule_times.items():
            results.rows.append(Row("scale_rule", f"rule {rule}, {format_count(size)} respondents",
                                    times))
        for stage, times in scale.stages.items():
            results.rows.append(Row("scale_in_process",
                                    f"in one process: {stage}, {format_count(size)} respondents",
                                    times))
    return results


def scale_table(scales: list[Scale]) -> str:
    body = []
    for scale in scales:
        for row in (scale.generate, scale.floor, scale.pipeline):
            s = row.summary
            shown_floor = row is not scale.floor and row is not scale.generate
            body.append([row.measurement, format_seconds(s.median), format_range(s), str(s.runs),
                         format_seconds(row.floor) if shown_floor else "",
                         format_ratio(ratio(s.median, row.floor)) if shown_floor else "",
                         f"{format_memory(statistics.median(row.peaks_mib))}, "
                         f"{format_memory(max(row.peaks_mib))}"])
    return markdown_table(["measurement", "median", "range", "runs", "pyarrow read (floor)",
                           "ratio to floor", "peak memory (median, max)"], body)


def scale_breakdown(scales: list[Scale]) -> str:
    """Per rule (Snakemake's job times) and per in-process stage, one column per size."""
    header = ["part"] + [f"{format_count(s.size)} respondents" for s in scales]
    body = []
    for rule in SCALE_RULES:
        body.append([f"rule {rule} (its own process: start-up, imports, work)"]
                    + [format_seconds(statistics.median(s.rule_times[rule]))
                       if s.rule_times.get(rule) else "" for s in scales])
    body.append(["Snakemake itself (the build minus the three jobs: start-up, DAG, scheduling)"]
                + [format_seconds(snakemake_share(s)) for s in scales])
    stages = list(dict.fromkeys(name for s in scales for name in s.stages))
    labels = {"imports": "in one process: importing pandas, pandera, pyarrow and udsyn",
              "validate": "in one process: the validate script",
              "clean": "in one process: the clean script",
              "derive": "in one process: the derive script",
              "read_export": "in one process: reading the export alone "
                             "(udsyn.export_formats.read_dataset; validate and clean each do it)"}
    for stage in stages:
        body.append([labels.get(stage, stage)]
                    + [format_seconds(statistics.median(s.stages[stage]))
                       if s.stages.get(stage) else "" for s in scales])
    return markdown_table(header, body)


def snakemake_share(scale: Scale) -> float:
    """Median build time minus the median summed time of its three jobs."""
    jobs = sum(statistics.median(times) for times in scale.rule_times.values())
    return max(scale.pipeline.summary.median - jobs, 0.0)


def scale_target(scale: Scale) -> list[str]:
    """The issue's 1M-row target as a row of the targets table."""
    build, floor = scale.pipeline.summary.median, scale.floor.summary.median
    peak_gib = max(scale.pipeline.peaks_mib) / 1024
    time_met, time_text = against_target(build / floor, SCALE_TARGET_RATIO, "x")
    memory_met, memory_text = against_target(peak_gib, SCALE_TARGET_GIB, " GiB")
    return [f"{format_count(scale.size)} rows validated, cleaned and derived within "
            f"{SCALE_TARGET_RATIO:g}x of the pyarrow read and under {SCALE_TARGET_GIB:g} GiB",
            f"{format_ratio(build / floor)} ({format_seconds(build)} vs "
            f"{format_seconds(floor)}); peak {format_memory(max(scale.pipeline.peaks_mib))}",
            f"time **{'met' if time_met else 'not met'}** ({time_text}); memory "
            f"**{'met' if memory_met else 'not met'}** ({memory_text})"]


def scale_section(scales: list[Scale], runs: int, scale_runs: int) -> list[str]:
    if not scales:
        return []
    first = scales[0]
    kept = first.summary.get("rows:kept", 0)
    reasons = ", ".join(f"{format_count(s.summary.get(f'exclusion:{reason}', 0))} "
                        f"`{reason}`" for reason in ("duplicate_superseded", "no_response",
                                                      "declined", "test_response")
                        for s in scales[-1:])
    large = scales[-1]
    text = [
        "## At scale: 100,000 and 1,000,000 respondents (issue 6, part 2)\n",
        "The generator writes an export of N data rows with `--respondents N` "
        "(`python -m udsyn.synthetic ... --respondents N`): the shipped export's rows, then "
        "repeat submissions (complete, or partial at the configured rate) from municipalities "
        "drawn at random, each with its own answers. The survey is of 98 municipalities, so at "
        "this size almost every row is a repeat: the clean step keeps one row per responding "
        f"municipality ({kept} here) by the configured duplicate rule and logs every other row in "
        f"`exclusions.csv` with its reason (at {format_count(large.size)} rows: {reasons}), and "
        "each name typed in another form in `changes.csv`. That is a stress test of reading, "
        "validating, matching, resolving duplicates and writing the logs, not a realistic "
        "survey.\n",
        f"Runs: {runs} at {format_count(SCALE_SIZES[0])} rows, {scale_runs} at "
        f"{format_count(SCALE_TARGET_ROWS)} (`--scale-runs`), interleaved: the pyarrow read, then "
        "the build, then the in-process run. The floor is `pyarrow.csv.read_csv` of the same "
        "file with the export's delimiter (`newlines_in_values=True`: the export has line "
        "breaks in quoted free text), type inference on, all cores, timed around the call "
        f"alone. The build is `snakemake {SCALE_TARGET} --workflow-profile profiles/default "
        "--configfile <export>.yaml --forcerun validate`: the real validate, clean and "
        "derive rules, each its own Python process, timed from start to end. Peak memory is "
        "the largest resident set of any one process (`getrusage(RUSAGE_CHILDREN)` of a "
        "wrapper; the three jobs run one after another, beside Snakemake's own process of "
        "about 150 MiB). Export sizes: "
        + ", ".join(f"{format_count(s.size)} rows {s.export_bytes / 2**20:.0f} MiB" for s in scales)
        + ".\n",
        scale_table(scales),
        "What each figure is made of (medians; the rules' times are Snakemake's job times, "
        "the in-process ones the same three scripts run one after another in one Python "
        "process, called as Snakemake calls them):\n",
        scale_breakdown(scales),
    ]
    return text


def write(results: Results, runs: int, elapsed: float, scale_runs: int = SCALE_RUNS) -> None:
    rows = results.rows
    main = [r for r in rows if r.kind != "rule" and not r.kind.startswith("scale")]
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
            *[scale_target(s) for s in results.scale if s.size == SCALE_TARGET_ROWS],
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
        *scale_section(results.scale, runs, scale_runs),
    ]
    (ROOT / "benchmarks" / "results.md").write_text("\n".join(text), encoding="utf-8")
    (ROOT / "benchmarks" / "results.csv").write_text(csv_text(rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--scale-runs", type=int, default=SCALE_RUNS,
                        help=f"runs at {format_count(SCALE_TARGET_ROWS)} respondents")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--in-process", nargs=3, metavar=("PROJECT", "CONFIG", "OUT"),
                        help=argparse.SUPPRESS)  # used by the scale measurement itself
    args = parser.parse_args(argv)
    if args.in_process:
        project, override, out = (Path(p) for p in args.in_process)
        print(json.dumps(run_in_process(project, override, out)))
        return 0
    if args.runs < RUNS:
        parser.error(f"at least {RUNS} runs per measurement")
    if args.scale_runs < 1:
        parser.error("at least 1 run at scale")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="udsyn-bench-"))
    print(f"udsyn bench: a temporary copy in {work}, {args.runs} runs each", flush=True)
    try:
        results = measure(args.runs, work, args.scale_runs)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write(results, args.runs, time.perf_counter() - started, args.scale_runs)
    print("udsyn bench: wrote benchmarks/results.md and benchmarks/results.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
