"""The whole build in one Python process (part of bench.py, `make bench`): what
the workflow costs beyond the work itself.

A researcher without Snakemake would write one script that calls the package's
functions one after another. This runs exactly that analysis: every rule
script, with the inputs, outputs and settings Snakemake gives it, one after
another in one Python process, so each library is imported once and no process
is started per job. The jobs are the ones a real build ran: Snakemake keeps
each job's generated script (``--skip-script-cleanup``: the rule script behind
a preamble holding the job's inputs, outputs, params and log), and this reads
them back. The outputs are the build's, byte for byte (bench.py checks them
against checksums/expected.sha256).

It also times each job alone in a fresh Python (``-X importtime``), to split a
job's cost into process start and imports against its work. Command line (in
the project's folder, ``results/`` empty; bench.py starts it)::

    .venv/bin/python benchmarks/bench_one_process.py SCRIPTS_DIR

prints one JSON line: the total wall and CPU seconds, and each job's.
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PREAMBLE_START = "######## snakemake preamble start"
PREAMBLE_END = "######## snakemake preamble end"


@dataclass(frozen=True)
class KeptJob:
    """One job of a build, from the script Snakemake generated for it."""

    rule: str
    path: Path
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    logs: tuple[str, ...]

    @property
    def name(self) -> str:
        return job_name(self.rule, self.outputs)


def job_name(rule: str, outputs) -> str:
    """A job's name in the tables: its rule, and its output where the rule has
    one output per job (e.g. one batch file of several)."""
    outputs = sorted(outputs)
    return f"{rule} ({outputs[0]})" if len(outputs) == 1 else rule


def preamble(source: str) -> str:
    """The preamble line of a script Snakemake generated (it unpickles the job's
    ``snakemake`` object)."""
    lines = source.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(PREAMBLE_START):
            if number + 2 >= len(lines) or not lines[number + 2].startswith(PREAMBLE_END):
                break
            return lines[number + 1]
    raise ValueError("not a script Snakemake generated: no one-line preamble")


def kept_job(path: Path) -> KeptJob:
    """The job a kept script runs (its preamble executed, nothing else)."""
    namespace: dict = {"__file__": str(path)}
    exec(preamble(path.read_text("utf-8")), namespace)  # noqa: S102 (Snakemake's own line)
    smk = namespace["snakemake"]
    return KeptJob(
        smk.rule,
        path,
        tuple(str(p) for p in smk.input),
        tuple(str(p) for p in smk.output),
        tuple(str(p) for p in smk.log),
    )


def job_order(jobs: list[KeptJob]) -> list[KeptJob]:
    """The jobs in an order that runs each after the jobs writing its inputs
    (ties by rule and outputs, so the order never depends on file names)."""
    producer = {output: job for job in jobs for output in job.outputs}
    if len(producer) != sum(len(job.outputs) for job in jobs):
        raise ValueError("two jobs write the same output")
    waiting = {job: {producer[i] for i in job.inputs if i in producer} - {job} for job in jobs}
    order: list[KeptJob] = []
    while waiting:
        ready = sorted((j for j, needs in waiting.items() if not needs), key=lambda j: j.name)
        if not ready:
            raise ValueError("dependency cycle among " + ", ".join(j.name for j in waiting))
        for job in ready:
            order.append(job)
            del waiting[job]
        for needs in waiting.values():
            needs.difference_update(ready)
    return order


def kept_jobs(scripts: Path) -> list[KeptJob]:
    """Every job whose script Snakemake kept in ``scripts``, in dependency order."""
    jobs = [kept_job(path) for path in sorted(scripts.glob("*.py"))]
    if not jobs:
        raise ValueError(f"no kept scripts in {scripts} (run snakemake --skip-script-cleanup)")
    return job_order(jobs)


IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$")


def import_seconds(stderr: str) -> float:
    """Seconds a process spent importing, from ``python -X importtime``'s lines:
    the cumulative times of the imports not nested in another import (a module
    imported inside a function, e.g. statsmodels on first use, counts too)."""
    total = 0
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and not match.group(3):
            total += int(match.group(2))
    return total / 1e6


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_jobs(jobs: list[KeptJob]) -> dict:
    """Every job's script in this process, in order, each as its own
    ``__main__``: wall and CPU seconds in all and per job."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    per_job = {}
    for job in jobs:
        for path in job.outputs + job.logs:  # as Snakemake does before a job
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        code = compile(job.path.read_text("utf-8"), str(job.path), "exec")
        job_started, job_cpu = time.perf_counter(), cpu_seconds()
        exec(code, {"__name__": "__main__", "__file__": str(job.path)})  # noqa: S102
        per_job[job.name] = {
            "seconds": time.perf_counter() - job_started,
            "cpu": cpu_seconds() - job_cpu,
        }
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu_started,
        "jobs": per_job,
    }


# ---- bench.py's side: keeping the scripts, running them, timing each job alone ----

SCRIPTS = Path(".snakemake") / "scripts"  # where Snakemake writes (and keeps) job scripts


@dataclass
class OneProcess:
    """The build against the one-process run, per run and per job."""

    seconds: list[float] = field(default_factory=list)  # the one-process run's wall time
    cpu: list[float] = field(default_factory=list)  # ... and its CPU time
    build_cpu: list[float] = field(default_factory=list)  # the full build's CPU time
    jobs: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    identical: bool | None = None  # the one-process outputs match checksums/

    def add(self, job: str, what: str, seconds: float) -> None:
        self.jobs.setdefault(job, {}).setdefault(what, []).append(seconds)


def keep_scripts(project: Path, build: list[str], kept: Path, timed) -> list[KeptJob]:
    """A full build that keeps every job's script (moved to ``kept``): the jobs."""
    shutil.rmtree(project / SCRIPTS, ignore_errors=True)
    timed(build + ["--skip-script-cleanup"], project)
    shutil.rmtree(kept, ignore_errors=True)
    shutil.move(project / SCRIPTS, kept)
    return kept_jobs(kept)


def command(python: str, kept: Path) -> list[str]:
    """The one-process run, this file's own command line."""
    return [python, str(Path(__file__).resolve()), str(kept)]


def time_alone(python: str, job: KeptJob, project: Path, cpu_timed) -> tuple[float, float, float]:
    """One job's script in a fresh Python (its inputs in place): wall seconds,
    CPU seconds and the seconds spent importing."""
    seconds, cpu, output = cpu_timed([python, "-X", "importtime", str(job.path)], project)
    return seconds, cpu, import_seconds(output)


if __name__ == "__main__":
    print(json.dumps(run_jobs(kept_jobs(Path(sys.argv[1])))))
