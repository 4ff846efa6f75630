"""How udsyn's benchmarks measure: repeated runs and their medians, a process'
peak memory (``getrusage``, no psutil), the machine, and Snakemake run in a
temporary copy of the project. Shared by every benchmark (bench*.py); the
tables are written by bench_tables.py. The pure helpers are tested in
tests/tools/test_bench.py, which never times anything.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
if str(ROOT) not in sys.path:  # tools.verify copies the project
    sys.path.insert(0, str(ROOT))
RUNS = 5  # timed runs of every measurement, unless a benchmark says otherwise
# the single edits with a target (Targets.edit_limit)
TEMPLATE_EDIT = "edit: report template (report/template.html.j2)"
CONFIG_EDIT = "edit: config value (analysis.robustness_crisis_cutoffs)"


@dataclass(frozen=True)
class Targets:
    """What the benchmarks are judged against: bench.py's builds, bench_formats.py's
    reads, bench_calibration.py's data sets and bench_tests.py's test commands."""

    noop_ratio: float = 1.3  # no-op within 1.3x of a bare Snakemake no-op
    full_build_s: float = 10.0  # full build within 10 s on 2 cores ...
    one_process_ratio: float = 1.5  # ... and within 1.5x of the one-process run
    template_edit_s: float = 2.0  # a report template edit rebuilt within 2 s
    config_edit_s: float = 4.0  # a config value used by one analysis within 4 s
    fresh_clone_s: float = 30.0  # git clone and make within 30 s on 2 cores
    scale_rows: int = 1_000_000  # at this size, validate + clean + derive ...
    scale_ratio: float = 4.0  # ... within 4x of a pyarrow read (every other format:
    scale_gib: float = 4.0  # ... of its library's plain read), under 4 GiB peak memory
    calibration_data_sets: int = 200  # the calibration: this many synthetic data sets ...
    calibration_s: float = 300.0  # ... within 5 minutes on 2 cores
    test_fast_s: float = 60.0  # `make test-fast` within a minute on 2 cores
    test_s: float = 180.0  # `make test`, every test, within 3 minutes on 2 cores

    def test_limit(self, command: str) -> float:
        """The run time a test command (bench_tests.COMMANDS) must stay within."""
        return {"make test-fast": self.test_fast_s, "make test": self.test_s}[command]

    def edit_limit(self, edit: str) -> float | None:
        """The rebuild time a single edit (its measurement's name) must stay within."""
        return {TEMPLATE_EDIT: self.template_edit_s, CONFIG_EDIT: self.config_edit_s}.get(edit)


# ---- statistics of timed runs ----


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


def ratio(value: float, floor: float | None) -> float | None:
    """value / floor, or None without a positive floor."""
    return value / floor if floor and floor > 0 else None


@dataclass
class Measurement:
    """One timed series and what it is compared with: a row of a results table."""

    kind: str
    measurement: str
    times: list[float]
    floor: float | None = None
    jobs: str | int = ""
    target: str = ""
    target_met: bool | None = None
    peaks_mib: list[float] = field(default_factory=list)  # peak memory per run, if measured
    details: dict = field(default_factory=dict)  # a benchmark's own columns

    @property
    def summary(self) -> Summary:
        return summarize(self.times)


# ---- running a command: its time, its output, its peak memory ----


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without make's variables (a nested make would see them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return {**env, **extra}


def timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> tuple[float, str]:
    """Seconds and output (stdout, then stderr) of ``command``; exits if it fails
    (unless not ``check``: the caller reads the failure from the output)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env or clean_env())
    seconds = time.perf_counter() - started
    if check and done.returncode != 0:
        sys.exit(
            f"bench: `{' '.join(command)}` failed in {cwd} (exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return seconds, done.stdout + done.stderr


def cpu_timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> tuple[float, float, str]:
    """Seconds, CPU seconds (user + system of the command and every process it
    waited for) and output of ``command``: CPU time moves less than wall time
    when other work shares the cores. ``check``: as for ``timed``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, output = timed(command, cwd, env, check)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, output


# Runs a command and reports the peak resident memory of its largest process
# (getrusage's RUSAGE_CHILDREN: the largest of every descendant waited for).
PEAK_MARK = "udsyn-bench-peak-kib"
PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    f"print('{PEAK_MARK}', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
    "file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def parse_peak_kib(text: str) -> int | None:
    """The peak memory (KiB) PEAK_WRAPPER printed, or None."""
    match = re.search(rf"^{PEAK_MARK} (\d+)$", text, re.M)
    return int(match.group(1)) if match else None


def peak_timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """Seconds, peak memory of the largest process (MiB) and output of ``command``."""
    seconds, output = timed([sys.executable, "-c", PEAK_WRAPPER, *command], cwd, env)
    kib = parse_peak_kib(output)
    if kib is None:
        sys.exit(f"bench: no peak memory reported by `{' '.join(command)}`")
    return seconds, kib / 1024, output


# A read measured apart from its process' start-up: the script reads argv[1]
# and prints the read's own seconds and the rows read. The floor of every
# large-export benchmark: pyarrow's CSV reader (argv[2] the encoding, argv[3]
# the delimiter; type inference on; quoted line breaks allowed, as exports have).
PYARROW_READ = (
    "import sys, time\nimport pyarrow.csv as csv\n"
    "started = time.perf_counter()\n"
    "table = csv.read_csv(sys.argv[1],"
    " read_options=csv.ReadOptions(encoding=sys.argv[2]),"
    " parse_options=csv.ParseOptions(delimiter=sys.argv[3], newlines_in_values=True))\n"
    "print(time.perf_counter() - started, table.num_rows)\n"
)


def parse_read(output: str, expected_rows: int, what: str) -> float:
    """Seconds from a measured read's last line ("seconds rows"); the rows must match."""
    lines = [line for line in output.strip().splitlines() if not line.startswith(PEAK_MARK)]
    seconds, rows = lines[-1].split()[:2]
    if int(rows) != expected_rows:
        raise ValueError(f"{what} read {rows} rows, not {expected_rows}")
    return float(seconds)


def timed_read(
    script: str,
    args: list[str],
    rows: int,
    what: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> tuple[float, float]:
    """A read script (see PYARROW_READ) in a fresh Python: the read's seconds and
    the process' peak memory (MiB)."""
    _, peak, output = peak_timed([python(cwd), "-c", script, *args], cwd, env)
    return parse_read(output, rows, what), peak


# ---- the machine ----


def parse_meminfo(text: str) -> float | None:
    """MemTotal from /proc/meminfo, in GiB."""
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    return int(match.group(1)) / 1024**2 if match else None


def parse_cpu_model(text: str) -> str | None:
    """The first "model name" in /proc/cpuinfo."""
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else None


# A fixed pure-Python loop, timed in a fresh interpreter. The same virtual machine
# (same CPU name, cores and memory) ran it in 1.2 s to 2.3 s on one day, and every
# timing moved with it: each table says how fast the machine was when its run began,
# so runs are compared like for like.
SPEED_STEPS = 10_000_000
SPEED_LOOP = f"total = 0\nfor step in range({SPEED_STEPS}):\n    total += step\n"
SPEED_RUNS = 5


def speed_check(runs: int = SPEED_RUNS) -> float:
    """Median wall seconds of ``SPEED_LOOP`` in a fresh Python (this interpreter),
    ``runs`` times: one core's speed, whatever the machine's name says."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", SPEED_LOOP], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def speed_row(seconds: float | None, runs: int = SPEED_RUNS) -> tuple[str, str]:
    """The machine table's row for ``speed_check``'s result (``runs`` runs; None:
    not run, as in a quick run, which times nothing)."""
    if seconds is None:
        return (
            f"single-core speed ({SPEED_STEPS:,}-step Python loop in a new Python)",
            "not measured (a quick run times nothing)",
        )
    return (
        f"single-core speed ({SPEED_STEPS:,}-step Python loop in a new Python, median of "
        f"{runs}; lower is faster)",
        f"{seconds:.2f} s",
    )


def machine(speed_runs: int = SPEED_RUNS) -> list[tuple[str, str]]:
    """What the timings were taken on: (what, value) pairs; the speed check run
    ``speed_runs`` times (0: not run, for a quick run, which times nothing)."""

    def read(path):
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    memory = parse_meminfo(read("/proc/meminfo"))
    # the installed distribution's version, what `snakemake --version` prints, without
    # the 2 s of starting Snakemake
    snakemake = importlib.metadata.version("snakemake")
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("cores (nproc)", str(os.cpu_count())),
        ("memory", f"{memory:.1f} GiB" if memory else "unknown"),
        ("CPU", parse_cpu_model(read("/proc/cpuinfo")) or platform.processor() or "unknown"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("Snakemake", snakemake),
        speed_row(speed_check(speed_runs) if speed_runs else None, speed_runs),
    ]


# ---- the project: a temporary copy, Snakemake in it, the generator ----


def copy_project(work: Path) -> Path:
    """A copy of the project's sources in ``work`` (what `make verify` copies),
    reusing this project's .venv; the working tree is never built in."""
    from tools.verify import copy_sources, source_files

    project = work / "udsyn"
    copy_sources(ROOT, source_files(ROOT), project)
    return project


def python(project: Path) -> str:
    return str(project / ".venv" / "bin" / "python")


def snakemake(project: Path, *args: str) -> list[str]:
    """The build command: snakemake with the workflow profile, then ``args``
    (targets before options such as --forcerun and --configfile, which take
    every word after them)."""
    return [
        str(project / ".venv" / "bin" / "snakemake"),
        "--workflow-profile",
        "profiles/default",
        *args,
    ]


def generator(project: Path, out: Path, respondents: int, fmt: str | None = None) -> list[str]:
    """udsyn's synthetic generator writing an export of ``respondents`` rows (as
    `make synthetic` calls it)."""
    return [
        python(project),
        "-m",
        "udsyn.synthetic.generator",
        "--config",
        "config/synthetic.yaml",
        "--questionnaire",
        "config/questionnaire.yaml",
        "--register",
        "data/raw/register/municipalities.csv",
        "--out",
        str(out),
        "--respondents",
        str(respondents),
        *(["--format", fmt] if fmt else []),
    ]


def udsyn_env(project: Path) -> dict[str, str]:
    """An environment in which ``python`` imports the copy's own udsyn."""
    return clean_env(PYTHONPATH=str(project / "workflow"))


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
    for line in lines[start + 1 :]:
        parts = line.split()
        if not parts:
            break
        if parts[0] == "job" or set(parts[0]) == {"-"}:
            continue
        if len(parts) != 2 or not parts[1].isdigit() or parts[0] == "total":
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
    of one job share its rule and ``job_hash``; Snakemake stamps each output's start
    and end separately (the end is the output's own modification time, so a job that
    writes its files a moment apart has several), so a job starts at the earliest
    start and ends at the latest end. The ``job_hash`` is the job object's identity
    in the run that made it, which a later run may reuse for another job of the same
    rule, so the log files (one set per job) are part of the key. (Records without a
    ``job_hash`` are grouped by rule and end time.)"""
    grouped: dict[tuple[str, object, tuple], dict] = {}
    for output, record in records.items():
        if record.get("starttime") is None or record.get("endtime") is None:
            continue
        key = (
            record["rule"],
            record.get("job_hash", record["endtime"]),
            tuple(record.get("log") or []),
        )
        job = grouped.setdefault(
            key,
            {
                "start": record["starttime"],
                "end": record["endtime"],
                "outputs": set(),
                "inputs": set(),
            },
        )
        job["outputs"].add(output)
        job["inputs"].update(record.get("input") or [])
        job["start"] = min(job["start"], record["starttime"])
        job["end"] = max(job["end"], record["endtime"])
    return sorted(
        (
            Job(rule, g["start"], g["end"], frozenset(g["outputs"]), frozenset(g["inputs"]))
            for (rule, _, _), g in grouped.items()
        ),
        key=lambda j: (j.start, j.rule),
    )


def last_jobs(project: Path) -> list[Job]:
    """Every job Snakemake's metadata in ``project`` records (each output's last run)."""
    records = {}
    for path in (project / ".snakemake" / "metadata").iterdir():
        try:
            records[decode_metadata_name(path.name)] = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return jobs_from_metadata(records)


# ---- a benchmark's command line and temporary folder ----


def command_line(doc: str, runs: int | None = RUNS) -> argparse.ArgumentParser:
    """The options every benchmark takes (--runs unless ``runs`` is None); a
    benchmark adds its own."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if runs is not None:
        parser.add_argument("--runs", type=int, default=runs, help=f"timed runs (default {runs})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: one run of each measurement on tiny inputs, the "
        "tables written to a new temporary folder (not benchmarks/)",
    )
    parser.add_argument("--out", type=Path, help="folder for the tables (default: benchmarks/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    return parser


def parse(
    parser: argparse.ArgumentParser, argv: list[str] | None, min_runs: int = 1, **quick
) -> argparse.Namespace:
    """The arguments; with --quick, one run and the ``quick`` settings, written
    to a temporary folder unless --out says where."""
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in {"runs": 1, **quick}.items():
            setattr(args, name, value)
    elif getattr(args, "runs", min_runs) < min_runs:
        parser.error(f"at least {min_runs} runs per measurement")
    if args.out is None:
        args.out = (
            Path(tempfile.mkdtemp(prefix="udsyn-bench-quick-")) if args.quick else BENCHMARKS
        )
    return args


def wrote(names: str, out: Path, started: float) -> None:
    """Says which tables a benchmark wrote where, and how long it took since ``started``."""
    print(f"udsyn bench: wrote {names} in {out} ({time.perf_counter() - started:.0f} s)")


@contextmanager
def workspace(name: str, keep: bool = False) -> Iterator[Path]:
    """A new temporary folder, removed afterwards unless ``keep``."""
    work = Path(tempfile.mkdtemp(prefix=f"udsyn-bench-{name}-"))
    print(f"udsyn bench ({name}): working in {work}", flush=True)
    try:
        yield work
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
