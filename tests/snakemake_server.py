"""Snakemake's command line, run in forks of one Python that imported it once.

The tests start Snakemake some fifty times (dry runs of what a change reruns, the
report re-rendered after an edit, sabotaged rebuilds). Importing Snakemake takes
about 2 s of each start (its persistence imports sqlmodel and SQLAlchemy, its slurm
plugin pandas), so each pytest worker starts this server once (tests/conftest.py,
``snakemake``): it imports ``snakemake.cli`` and then, for each request, forks a
child that is the ``snakemake`` command: the same ``snakemake.cli.main`` with the
request's arguments, working directory, environment and output files, and its own
exit status. The child starts from the server's untouched state, so no run sees
another's; it runs Snakemake's exit handlers as the command does. Everything
Snakemake starts (the rules' jobs, the workflow's warm server) is started as usual.

What cannot be changed in a fork is what Python reads when it starts (PYTHONHASHSEED,
PYTHONPATH, ...): conftest runs the real command instead where a test sets one of
those differently from the server's. So the forked runs of one worker share one hash
seed, where commands would each draw their own: that outputs do not depend on it is
tested by builds that set it (the shared build, tools.verify), not here.

Protocol (one line each, on the server's stdin and stdout): a JSON request
{"args", "cwd", "env", "stdout", "stderr"}; the reply is the child's pid, then its
exit status. The server ends when its stdin is closed.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

# What Python reads only when it starts (hash seed, paths, encodings, time zone): a
# run asking for other values than the server started with is not forked.
STARTUP_VARIABLES = ("PYTHON", "LANG", "LC_", "TZ", "TMP", "TEMP")
# Set to 0 to start every Snakemake of the tests as a new command (tests/conftest.py).
SWITCH = "UDSYN_TEST_SNAKEMAKE_SERVER"


def startup_environment(environ: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in environ.items() if key.startswith(STARTUP_VARIABLES)}


class Client:
    """The test side: starts the server (``python``: the project environment's) and
    runs ``snakemake <args>`` through it; ``run`` answers None where it cannot (the
    caller then starts the command itself)."""

    def __init__(self, python: str | Path) -> None:
        self.environment = dict(os.environ)
        self.folder = tempfile.TemporaryDirectory(prefix="udsyn-snakemake-server-")
        self.process = subprocess.Popen(
            [str(python), __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.environment,
            bufsize=0,
        )
        self.buffer = b""
        self.runs = 0
        try:
            self.usable = self._line(time.monotonic() + 120) == "ready 1"
        except (EOFError, TimeoutError):
            self.usable = False
        if not self.usable:
            self.close()

    def run(
        self, args: list[str], cwd: str | Path, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess | None:
        if not self.usable or startup_environment(env) != startup_environment(self.environment):
            return None
        self.runs += 1  # new files for each run: a killed run's jobs may still write
        out, err = (
            os.path.join(self.folder.name, f"{self.runs}.{name}") for name in ("stdout", "stderr")
        )
        request = {"args": list(args), "cwd": str(cwd), "env": env, "stdout": out, "stderr": err}
        deadline = time.monotonic() + timeout
        try:
            self._send(json.dumps(request) + "\n")
            pid = int(self._line(deadline))
            if pid <= 0:
                raise ValueError(pid)
        except (OSError, EOFError, ValueError, TimeoutError):
            self.usable = False  # out of step or gone: the caller runs the command
            return None
        try:
            status = int(self._line(deadline))
        except TimeoutError:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it ended just now
                pass
            self._settle()
            raise subprocess.TimeoutExpired(["snakemake", *args], timeout) from None
        except (OSError, EOFError, ValueError):  # the run may have begun: not started again
            self.usable = False
            raise RuntimeError(
                f"the tests' Snakemake server ended during `snakemake {' '.join(args)}` "
                f"in {cwd}; run the test again with {SWITCH}=0 to start Snakemake as a command"
            ) from None
        except BaseException:  # an interrupt: passed on as it came, the server given up
            self.usable = False
            raise
        return subprocess.CompletedProcess(["snakemake", *args], status, _read(out), _read(err))

    def _send(self, text: str) -> None:
        data = text.encode()
        while data:
            data = data[os.write(self.process.stdin.fileno(), data) :]

    def _settle(self) -> None:
        """Read the killed run's status, or give the server up."""
        try:
            int(self._line(time.monotonic() + 60))
        except (EOFError, ValueError, TimeoutError):
            self.usable = False

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.folder.cleanup()

    def _line(self, deadline: float) -> str:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if select.select([self.process.stdout], [], [], remaining)[0]:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    raise EOFError
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def main() -> None:
    import snakemake.cli  # noqa: F401  (the import every run would repeat)

    requests, replies = sys.stdin, sys.stdout
    # forking is safe only from a process with one thread
    replies.write(f"ready {threading.active_count()}\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)  # here, not in the child: a bad line ends the server
        pid = os.fork()
        if pid == 0:
            run_child(request)  # never returns
        replies.write(f"{pid}\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(f"{os.waitstatus_to_exitcode(status)}\n")
        replies.flush()


def run_child(request: dict) -> None:
    """Be ``snakemake <args>`` in ``cwd`` with ``env``, writing to the given files."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(handle, fd)
            os.close(handle)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [os.path.join(os.path.dirname(sys.executable), "snakemake"), *request["args"]]
        if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
            sys.path[0] = os.path.dirname(sys.argv[0])  # as for the command: its folder
        import snakemake.workflow
        from snakemake.cli import main as snakemake_main

        # the one value Snakemake takes from its folder when imported (its "Run
        # directory"): set as the command's import would set it
        snakemake.workflow.Workflow._rundir = str(Path.cwd().absolute())

        try:
            snakemake_main(request["args"])
            code = 0
        except SystemExit as exit:  # as the interpreter ends on sys.exit(...)
            if exit.code is None or isinstance(exit.code, int):
                code = exit.code or 0
            else:
                print(exit.code, file=sys.stderr)
                code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            # what the interpreter does at exit: wait for the threads still working
            # (Snakemake's thread pools), then run the exit handlers
            threading._shutdown()
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    main()
