"""`make test-slurm`: run a target through a real SLURM scheduler and compare it with a local run.

``workflow/slurm/test_slurm.sh`` starts a private single-node SLURM (munge,
slurmctld, slurmd; the recipe in docs/slurm-local.md) and stops it
again on any exit; this module does the rest. ``conf`` writes that scheduler's
slurm.conf; ``run`` copies the project's sources twice (as ``make verify`` does,
sharing this project's .venv), builds the target in one copy locally
(profiles/default) and in the other through profiles/slurm, then checks

* that every job Snakemake did not run itself was submitted to SLURM (Snakemake's
  "submitted with SLURM jobid" lines) and that the scheduler's own log shows each
  of those SLURM jobs submitted and ending with exit status 0, and
* that every generated file under results/ and report/ is byte-identical in the
  two copies (the sha256 and difference helpers of ``tools.verify``; the files in
  ``tools.verify.UNSTABLE`` are never compared).

It exits 1 naming what failed. The parsing and text-building functions are pure
and unit-tested (tests/tools/test_slurm_check.py) without SLURM. Usage, from the
repository root::

    python -m tools.slurm_check conf --host H --cpus 2 --memory-mb 20000 --dir D
    python -m tools.slurm_check run --target all --controller-log D/slurmctld.log
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tools import verify

# The partition the private scheduler has; profiles/slurm asks for it.
PARTITION = "debug"


# ---- the scheduler's configuration ----


def node_memory_mb(meminfo: str, share: float = 0.8) -> int:
    """The memory the node offers to jobs: ``share`` of MemTotal in /proc/meminfo, in MB.

    Slurm drains a node that declares more RealMemory than it has, and without
    RealMemory every job with ``--mem`` is refused, so the node declares a bit less."""
    found = re.search(r"^MemTotal:\s+(\d+)\s+kB", meminfo, flags=re.MULTILINE)
    if not found:
        raise ValueError("no 'MemTotal: N kB' line in the meminfo text")
    return int(int(found.group(1)) / 1024 * share)


def slurm_conf(host: str, cpus: int, memory_mb: int, state_dir: str | Path) -> str:
    """slurm.conf of a one-node cluster on ``host`` whose files all live under ``state_dir``.

    As in docs/slurm-local.md: root runs everything, no cgroups, no
    accounting (so Snakemake asks squeue for job states), one partition."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", host):
        raise ValueError(f"not a short host name: {host!r}")
    if cpus < 1 or memory_mb < 1:
        raise ValueError(f"the node needs CPUs and memory: cpus={cpus}, memory_mb={memory_mb}")
    state = Path(state_dir)
    return "\n".join(
        [
            "# Written by `make test-slurm` (tools.slurm_check conf); rewritten on every run.",
            "ClusterName=udsyn-test",
            f"SlurmctldHost={host}",
            "SlurmUser=root",
            "AuthType=auth/munge",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "MpiDefault=none",
            "ReturnToService=2",
            # Finished jobs stay visible to squeue (Snakemake's status command) this long.
            "MinJobAge=300",
            f"StateSaveLocation={state / 'ctld'}",
            f"SlurmdSpoolDir={state / 'spool'}",
            f"SlurmctldPidFile={state / 'slurmctld.pid'}",
            f"SlurmdPidFile={state / 'slurmd.pid'}",
            f"SlurmctldLogFile={state / 'slurmctld.log'}",
            f"SlurmdLogFile={state / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            f"NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


# ---- reading the logs: which jobs went through the scheduler ----

# Snakemake's SLURM plugin, one line per submitted job, or per job array.
_SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+)\b")
_ARRAY = re.compile(
    r"Submitted array job with Snakemake IDs ([\d,]+) and SLURM job ID "
    r"(\d+)\. The individual task IDs are (\d+)-(\d+)"
)
# Snakemake, for every job that ends well.
_FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: ([^)]+)\)", re.MULTILINE)
# A job's rule block (printed unless `--quiet rules`): `localrule` marks a job that
# Snakemake runs itself, beside a remote executor (such as `rule all`).
_BLOCK = re.compile(r"^(local)?rule (\S+):\n(?:    .*\n)*?    jobid: (\d+)$", re.MULTILINE)
# slurmctld's log (SlurmctldDebug=info): submission, start, end of a job. An array
# task is written JobId=<array>_<task>(<own id>).
_CTLD = re.compile(
    r"^\[(?P<time>[^\]]+)\] (?:(?P<submit>_slurm_rpc_submit_batch_job)|"
    r"(?P<start>sched: Allocate|sched/backfill: _start_job: Started)|"
    r"(?P<end>_job_complete)):? JobId=(?P<job>\d+"
    r"(?:_\d+)?)(?:\(\d+\))?(?: [^\n]*?WEXITSTATUS (?P<status>\d+))?",
    re.MULTILINE,
)


def submissions(log: str) -> dict[int, str]:
    """Snakemake job id -> SLURM job id (``<array>_<task>`` for an array task) from
    Snakemake's output. A job submitted again (a retry) keeps its last SLURM id."""
    found: dict[int, tuple[int, str]] = {}
    for match in _SUBMITTED.finditer(log):
        found[int(match.group(1))] = (match.start(), match.group(2))
    for match in _ARRAY.finditer(log):
        jobs = [int(job) for job in match.group(1).split(",")]
        first, last = int(match.group(3)), int(match.group(4))
        if len(jobs) != last - first + 1:
            raise ValueError(
                f"array submission with {len(jobs)} jobs and tasks "
                f"{first}-{last}: {match.group(0)!r}"
            )
        for task, job in enumerate(jobs, start=first):
            found[job] = (match.start(), f"{match.group(2)}_{task}")
    return {
        job: slurm_id for job, (_, slurm_id) in sorted(found.items(), key=lambda item: item[1][0])
    }


def finished_jobs(log: str) -> dict[int, str]:
    """Snakemake job id -> rule of every job that finished, from Snakemake's output."""
    return {int(match.group(1)): match.group(2) for match in _FINISHED.finditer(log)}


def local_jobs(log: str) -> dict[int, str]:
    """Snakemake job id -> rule of the jobs Snakemake ran itself (``localrule`` blocks)."""
    return {
        int(match.group(3)): match.group(2) for match in _BLOCK.finditer(log) if match.group(1)
    }


@dataclass
class ControllerJob:
    """One job as slurmctld's log shows it; times as written there."""

    submitted: str | None = None
    started: str | None = None
    ended: str | None = None
    exit_status: int | None = None


def controller_jobs(log: str) -> dict[str, ControllerJob]:
    """SLURM job id -> what slurmctld logged about it: submission, allocation, end."""
    jobs: dict[str, ControllerJob] = {}
    for match in _CTLD.finditer(log):
        job = jobs.setdefault(match.group("job"), ControllerJob())
        if match.group("submit"):
            job.submitted = match.group("time")
        elif match.group("start"):
            job.started = match.group("time")
        elif match.group("status") is not None:
            job.ended = match.group("time")
            job.exit_status = int(match.group("status"))
    return jobs


def _controller_entry(jobs: dict[str, ControllerJob], slurm_id: str) -> ControllerJob | None:
    """The record of a job, or of an array task (its submission is logged for the array)."""
    job = jobs.get(slurm_id)
    if job is not None and "_" in slurm_id and job.submitted is None:
        parent = jobs.get(slurm_id.split("_")[0])
        if parent is not None and parent.submitted is not None:
            job = ControllerJob(parent.submitted, job.started, job.ended, job.exit_status)
    return job


def scheduler_problems(local_log: str, slurm_log: str, controller_log: str) -> list[str]:
    """Why the SLURM build did not demonstrably go through the scheduler; [] if it did.

    Every job of the SLURM build that Snakemake did not run itself (``localrule``)
    must have been submitted to SLURM, and slurmctld must have logged that SLURM
    job's submission, start and exit status 0; the two builds must have run the same
    jobs (rules, with their counts)."""
    finished, submitted = finished_jobs(slurm_log), submissions(slurm_log)
    local, controller = local_jobs(slurm_log), controller_jobs(controller_log)
    problems = []
    if not finished:
        problems.append("the SLURM build finished no job")
    elif not submitted:
        problems.append(
            "the SLURM build submitted no job to SLURM (no 'submitted with "
            "SLURM jobid' line): did it run with the SLURM executor?"
        )
    for job, rule in sorted(finished.items()):
        if job in submitted:
            slurm_id = submitted[job]
            entry = _controller_entry(controller, slurm_id)
            if entry is None or entry.submitted is None:
                problems.append(
                    f"job {job} ({rule}): SLURM job {slurm_id} is not in "
                    "slurmctld's log as submitted"
                )
            elif entry.started is None:
                problems.append(
                    f"job {job} ({rule}): SLURM job {slurm_id} never started "
                    "according to slurmctld's log"
                )
            elif entry.exit_status != 0:
                state = (
                    "no end" if entry.exit_status is None else f"exit status {entry.exit_status}"
                )
                problems.append(
                    f"job {job} ({rule}): slurmctld's log shows {state} for SLURM job {slurm_id}"
                )
        elif job not in local:
            problems.append(
                f"job {job} ({rule}) finished without going through SLURM "
                "(no submission, and not a localrule)"
            )
    ran_locally, ran_on_slurm = _counts(finished_jobs(local_log)), _counts(finished)
    if ran_locally != ran_on_slurm:
        for rule in sorted(set(ran_locally) | set(ran_on_slurm)):
            if ran_locally.get(rule, 0) != ran_on_slurm.get(rule, 0):
                problems.append(
                    f"rule {rule}: {ran_locally.get(rule, 0)} job(s) in the local "
                    f"build, {ran_on_slurm.get(rule, 0)} in the SLURM build"
                )
    return problems


def _counts(jobs: dict[int, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rule in jobs.values():
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def job_timings(jobs: dict[str, ControllerJob]) -> tuple[list[float], list[float]]:
    """Seconds each finished job waited in the queue (submitted to started) and ran
    (started to ended), from slurmctld's timestamps."""
    waits, runs = [], []
    for job in jobs.values():
        if job.submitted and job.started and job.ended:
            submitted, started, ended = (
                datetime.fromisoformat(time) for time in (job.submitted, job.started, job.ended)
            )
            waits.append((started - submitted).total_seconds())
            runs.append((ended - started).total_seconds())
    return waits, runs


# ---- comparing the outputs ----


def compare_outputs(
    local_root: Path, slurm_root: Path, sources: set[str]
) -> tuple[int, list[str]]:
    """(files compared, one line per differing file) for the generated files under
    results/ and report/ of both builds, with ``tools.verify``'s checksums and
    descriptions; the files in ``tools.verify.UNSTABLE`` are never compared."""
    local, slurm = (
        verify.checksum_tree(local_root, sources),
        verify.checksum_tree(slurm_root, sources),
    )
    comparison = verify.compare_checksums(local, slurm)
    return len(local), verify.report_builds(comparison, local_root, slurm_root, "local", "slurm")


# ---- running the two builds ----


@dataclass(frozen=True)
class Build:
    """One copy of the project, built with one workflow profile."""

    name: str  # "local" or "slurm"
    profile: str  # relative to the project root
    root: Path  # the copy
    log: Path  # make's and Snakemake's output
    options: tuple[str, ...] = ()  # Snakemake options beside the profile's

    def command(self, target: str) -> list[str]:
        """The README's command with this profile: ``make PROFILE=...``, the target, options."""
        return [
            "make",
            "--no-print-directory",
            "all",
            f"PROFILE={self.profile}",
            "SNAKEMAKE_ARGS=" + " ".join((target, *self.options)),
        ]


# Two options beside profiles/slurm, which is otherwise used as it is:
# * The SLURM plugin asks the scheduler for its jobs' states 40 s after a job
#   ends (then every 40 + 10n s while none ends): right for a shared cluster,
#   but each of udsyn's jobs runs for seconds, so on the test's private
#   scheduler it asks every few seconds.
# * `--quiet host` (instead of the profile's host and rules) prints each job's
#   rule block, where `localrule` marks the jobs Snakemake runs itself.
TEST_POLL_SECONDS = 3
SLURM_TEST_OPTIONS = (
    f"--slurm-init-seconds-before-status-checks={TEST_POLL_SECONDS}",
    "--quiet",
    "host",
)


class Stopped(Exception):
    """SIGTERM or SIGINT arrived (the shell's trap is stopping the test)."""


def _stop(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


GRACES = ((signal.SIGINT, 60.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0))


def interrupt(process: subprocess.Popen, graces=GRACES) -> None:
    """Stop a build's whole process group (make, Snakemake and its children): SIGINT
    first, on which Snakemake cancels its SLURM jobs (on SIGTERM it would wait for them
    to finish), then SIGTERM, then SIGKILL; each time until no process of it is left."""
    for signum, grace in graces:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            process.poll()  # reap make, the group's leader, once it has ended
            if not _group_alive(process.pid):
                return
            time.sleep(0.2)
    process.wait()


def run_build(build: Build, target: str, timeout: float) -> float:
    """Run the build to its end; its seconds. Exits 1 (with its last lines) on failure
    or timeout; on a signal, stops the build's process group first."""
    started = time.monotonic()
    env = verify.build_env(verify.Condition(build.name, "", 0, {}))
    with open(build.log, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            build.command(target),
            cwd=build.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except (subprocess.TimeoutExpired, Stopped, KeyboardInterrupt) as stop:
            interrupt(process)
            if not isinstance(stop, subprocess.TimeoutExpired):
                raise
            print(
                f"test-slurm: the {build.name} build did not finish within {timeout:.0f} s "
                f"and was stopped; its output: {build.log}"
            )
            sys.exit(1)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        lines = build.log.read_text(encoding="utf-8", errors="replace").splitlines()
        print(
            f"test-slurm: the {build.name} build failed (exit {process.returncode}) after "
            f"{seconds:.0f} s; its last lines ({build.log}):\n" + "\n".join(lines[-30:])
        )
        sys.exit(1)
    return seconds


def run(project: Path, target: str, controller_log: Path, timeout: float, keep: bool) -> int:
    # Started in the background by the shell script, this process inherits SIGINT
    # ignored; a handler of its own gives the builds Snakemake's normal SIGINT.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    workdir = Path(tempfile.mkdtemp(prefix="udsyn-slurm-"))
    sources = verify.source_files(project)
    builds = [
        Build("local", "profiles/default", workdir / "local/udsyn", workdir / "local.log"),
        Build(
            "slurm",
            "profiles/slurm",
            workdir / "slurm/udsyn",
            workdir / "slurm.log",
            SLURM_TEST_OPTIONS,
        ),
    ]
    seconds = {}
    try:
        for build in builds:
            verify.copy_sources(project, sources, build.root)
        print(f"test-slurm: target {target!r}, built in two copies of the project ({workdir}):")
        for build in builds:
            print(f"  {build.name}: {' '.join(build.command(target)[3:])} ...", flush=True)
            seconds[build.name] = run_build(build, target, timeout)
            print(f"    finished in {seconds[build.name]:.1f} s", flush=True)
    except (Stopped, KeyboardInterrupt):
        print(f"test-slurm: stopped; the copies are kept: {workdir}")
        return 130
    local, slurm = builds
    logs = [build.log.read_text(encoding="utf-8", errors="replace") for build in builds]
    controller = controller_log.read_text(encoding="utf-8", errors="replace")
    failed = False

    problems = scheduler_problems(logs[0], logs[1], controller)
    submitted, ran_itself = submissions(logs[1]), local_jobs(logs[1])
    if problems:
        failed = True
        print(
            f"\ntest-slurm: the jobs did not all go through the scheduler "
            f"({len(problems)} problem(s)):"
        )
        for line in problems:
            print(f"  {line}")
    else:
        itself = ", ".join(sorted(set(ran_itself.values()))) or "none"
        print(
            f"  scheduler: all {len(submitted)} jobs submitted to SLURM (Snakemake's log) "
            f"were submitted, started and ended with exit status 0 (slurmctld's log); "
            f"{len(ran_itself)} job(s) Snakemake ran itself (localrule: {itself})"
        )
    waits, runs = job_timings(
        {
            slurm_id: job
            for slurm_id, job in controller_jobs(controller).items()
            if slurm_id in set(submitted.values())
        }
    )
    if runs:
        print(
            f"  timing: local {seconds['local']:.1f} s, SLURM {seconds['slurm']:.1f} s for "
            f"{len(runs)} SLURM jobs; per job (slurmctld's times): queue wait min "
            f"{min(waits):.1f} s, median {statistics.median(waits):.1f} s (waiting for a "
            f"free CPU included); run min {min(runs):.1f} s, median "
            f"{statistics.median(runs):.1f} s (each job starts Snakemake again and re-imports "
            f"the project); {(seconds['slurm'] - seconds['local']) / len(runs):.1f} s more "
            f"wall time per job than the local build"
        )

    compared, differing = compare_outputs(local.root, slurm.root, set(sources))
    if differing:
        failed = True
        print(
            f"\ntest-slurm: the SLURM build's outputs differ from the local build's in "
            f"{len(differing)} file(s):"
        )
        for line in differing:
            print(f"  {line}")
    elif compared == 0:
        failed = True
        print(
            f"\ntest-slurm: target {target!r} generated no file under "
            f"{' or '.join(f'{folder}/' for folder in verify.COMPARED)}: nothing to compare"
        )
    else:
        print(
            f"  outputs: all {compared} generated files under "
            f"{' and '.join(f'{folder}/' for folder in verify.COMPARED)} byte-identical "
            f"(never compared: tools.verify.UNSTABLE, e.g. logs/ and .snakemake/)"
        )
    if failed:
        print(f"\ntest-slurm: FAILED. Both builds are kept for inspection: {workdir}")
        return 1
    if keep:
        print(f"  builds kept: {workdir}")
    else:
        shutil.rmtree(workdir)
    return 0


# ---- the command line ----


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.slurm_check", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    conf_parser = commands.add_parser("conf", help="print the test cluster's slurm.conf")
    conf_parser.add_argument("--host", required=True)
    conf_parser.add_argument("--cpus", type=int, required=True)
    conf_parser.add_argument("--memory-mb", type=int, required=True)
    conf_parser.add_argument("--dir", required=True, help="where the cluster's files live")
    run_parser = commands.add_parser("run", help="build locally and through SLURM; compare")
    run_parser.add_argument("--project", default=".")
    run_parser.add_argument("--target", default="all", help="the Snakemake target")
    run_parser.add_argument("--controller-log", required=True, help="slurmctld's log file")
    run_parser.add_argument(
        "--timeout", type=float, default=1200, help="seconds allowed for each build"
    )
    run_parser.add_argument("--keep", action="store_true", help="keep the copies on success")
    args = parser.parse_args(argv)
    if args.command == "conf":
        sys.stdout.write(slurm_conf(args.host, args.cpus, args.memory_mb, args.dir))
        return 0
    return run(
        Path(args.project).resolve(),
        args.target,
        Path(args.controller_log),
        args.timeout,
        args.keep,
    )


if __name__ == "__main__":
    sys.exit(main())
