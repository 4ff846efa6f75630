"""Rule scripts in processes forked from one warm Python (a "warm start").

Snakemake runs each ``script:`` job as a new Python process, which then imports
pandas, matplotlib, statsmodels and udsyn again: 0.4-1.5 s per job, most of a
job's time at udsyn's size (benchmarks/results.md, "The build against one Python
process"). When a build runs several jobs, udsyn starts one server process for the
build that imports those libraries once (the standard library's multiprocessing
"forkserver", preloading :mod:`udsyn.core.preload`), and runs each job's script in
a fresh fork of it. Every job is still a process of its own, started from the
server's untouched state, so nothing one job does (matplotlib's settings, a
library's caches) reaches another; it only skips the imports. (Python's ``random`` is
reseeded in every fork; numpy's legacy global generator is not, and would repeat its
numbers from job to job of one build: udsyn draws only from generators it seeds.)

What is replaced is one step of Snakemake, ``PythonScript.execute_script``, which
would run ``python <script>`` through the shell: the script file Snakemake writes
(its preamble with the job's ``snakemake`` object, then the rule's script) is the
same, it runs in the same working directory, and with the environment variables
Snakemake's shell sets for the job's threads. A failing script fails the job as
before: its message on the terminal and in its log, a non-zero exit status.

Snakemake's own way is kept for every job with a conda environment, container,
environment modules, shadow directory, benchmark or notebook edit; for every job of
a run that did not start the server (fewer than ``MIN_JOBS`` jobs to run, a cluster
node, or ``UDSYN_WARM_START=0``, for comparison and debugging); and where the
platform has no forkserver.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.forkserver
import os
import runpy
import subprocess
import sys
import threading
from collections.abc import Iterable
from typing import Any

# The module the server imports once (the libraries every rule needs).
PRELOAD_MODULE = "udsyn.core.preload"
# Set to 0 to run every job as Snakemake does (a new Python each).
SWITCH = "UDSYN_WARM_START"
# Below this many jobs the server's imports (about 1.5 s, all libraries) cost more
# than the new processes they save (about 0.5 s each, each its own libraries).
MIN_JOBS = 3
# What Snakemake's shell sets to a job's threads (snakemake.shell); the libraries
# read most of them when imported, so the server sets them to 1 (udsyn.core.preload)
# and a job with more threads sets them again in its fork.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
TMPDIR_VARIABLES = ("TMPDIR", "TMP", "TEMPDIR", "TEMP")

_lock = threading.Lock()
_context: Any = None


def wanted(jobs_to_run: int, environ: dict[str, str] | None = None) -> bool:
    """Whether a run of ``jobs_to_run`` jobs should start the server."""
    environ = os.environ if environ is None else environ
    return (
        environ.get(SWITCH, "1") != "0"
        and jobs_to_run >= MIN_JOBS
        and "forkserver" in multiprocessing.get_all_start_methods()
    )


def start() -> None:
    """Start the server; its imports run while Snakemake schedules the first jobs."""
    global _context
    with _lock:
        if _context is not None:
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([PRELOAD_MODULE])
        try:
            multiprocessing.forkserver.ensure_running()
        except Exception as error:  # e.g. no Unix sockets here: the jobs start as before
            print(
                f"udsyn: the warm start is off for this run ({error}); every job starts "
                "a new Python",
                file=sys.stderr,
            )
            return
        _context = context


def stop() -> None:
    """Stop the server when the run ends, and wait for it: no process outlives the
    build, and the jobs' CPU time is counted with the run's (the server collects its
    forks; Snakemake would not collect the server, so `time` and make bench would miss
    every job). Python 3.11's forkserver has no public way to stop it: its alive pipe
    is closed (the server then exits) and its process awaited."""
    global _context
    with _lock:
        server = multiprocessing.forkserver._forkserver
        pid = getattr(server, "_forkserver_pid", None)
        alive = getattr(server, "_forkserver_alive_fd", None)
        if _context is None or pid is None or alive is None:
            return
        os.close(alive)
        os.waitpid(pid, 0)
        server._forkserver_pid = server._forkserver_alive_fd = None
        server._forkserver_address = None
        _context = None


def started() -> bool:
    return _context is not None


def job_environment(threads: int, tmpdir: str | None) -> dict[str, str]:
    """The variables Snakemake's shell would set for the job (snakemake.shell)."""
    environment = dict.fromkeys(THREAD_VARIABLES, str(threads))
    if tmpdir:
        environment.update(dict.fromkeys(TMPDIR_VARIABLES, str(tmpdir)))
    return environment


def run_script(script_file: str, environment: dict[str, str]) -> int:
    """Run a script Snakemake wrote in a fork of the server, wait for it, and
    return its exit status."""
    process = _context.Process(
        target=_run_in_fork,
        args=(script_file, os.getcwd(), environment),
        name=f"udsyn job {os.path.basename(script_file)}",
    )
    process.start()
    process.join()
    status = process.exitcode
    process.close()
    return status


def _run_in_fork(script_file: str, cwd: str, environment: dict[str, str]) -> None:
    os.chdir(cwd)
    os.environ.update(environment)
    if "pyarrow" in sys.modules:
        # pyarrow's thread pool reads OMP_NUM_THREADS when first used; set it anyway
        # in case the server's imports used it
        sys.modules["pyarrow"].set_cpu_count(int(environment["OMP_NUM_THREADS"]))
    sys.argv = [script_file]
    runpy.run_path(script_file, run_name="__main__")


def _plain(script: Any, edit: Any) -> bool:
    """A job Snakemake would run as plain ``python <script>`` here."""
    return not edit and all(
        getattr(script, name, None) is None
        for name in (
            "conda_env",
            "container_img",
            "env_modules",
            "shadow_dir",
            "bench_record",
        )
    )


def install(script_classes: Iterable[type] | None = None) -> None:
    """Route Snakemake's Python rule scripts through the server once it is started."""
    if script_classes is None:
        from snakemake.script import PythonScript

        script_classes = (PythonScript,)
    for script_class in script_classes:
        original = script_class.execute_script
        if getattr(original, "udsyn_warm", False):
            continue

        @functools.wraps(original)
        def execute_script(self, fname, edit=False, _original=original):
            if not (started() and _plain(self, edit)):
                return _original(self, fname, edit)
            resources = getattr(self, "resources", None) or {}
            environment = job_environment(self.threads, resources.get("tmpdir"))
            try:
                status = run_script(str(fname), environment)
            except (OSError, EOFError):
                # the server is gone (it could not fork, or was killed): the job has not
                # started, so it runs the way Snakemake runs it
                return _original(self, fname, edit)
            if status != 0:
                # as Snakemake's shell fails for `python <script>` (the script has
                # printed its message); raised here, Snakemake's report of the error
                # shows one line of this module and nothing else of it
                raise subprocess.CalledProcessError(status, f"{sys.executable} {fname}")

        execute_script.udsyn_warm = True
        script_class.execute_script = execute_script
