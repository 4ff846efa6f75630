"""Install requirements.lock into a fresh virtual environment, hash-checked, with
uv where it works and pip where it does not. `make` runs it once per lock.

uv installs the same lock (every package pinned with its sha256 hashes,
``--require-hashes --no-deps``) in a few seconds where pip takes most of a
minute. uv is itself pinned in the lock, so it is fetched first, from its own
hash-checked lines, by the pip of the Python that made the environment (`make`
creates it without pip: putting pip into it costs 3 s of a fresh clone) into a
scratch folder; where that Python has no pip, pip is put into the environment
(``ensurepip``) and fetches it. uv does not read pip's configuration, so the
package sources pip is configured with (``pip config list``: files and ``PIP_*``
variables) are passed to uv as options: index-url, extra-index-url,
find-links, no-index, and cert (as ``SSL_CERT_FILE``). Whatever fails on the uv
path (uv cannot be fetched, or its install fails) is said and the whole lock
is installed by pip instead (``ensurepip`` first), as before. uv does not compile
the libraries' bytecode at install (``--compile-bytecode`` takes about 10 s of a
fresh clone's first ``make``, for thousands of modules the pipeline never
imports): Python compiles each module the first time it is imported and keeps
it, which costs the first build a few seconds. Where PYTHONDONTWRITEBYTECODE is
set nothing would be kept and every build would compile again, so there the
install compiles everything. Then the project itself is installed into the
environment, editable, from this folder, by the same installer (no index: its
build backend, setuptools, is in the lock). Runs with the new environment's
Python, standard library only, given the Python that made it::

    .venv/bin/python -m tools.install_lock requirements.lock python3.11
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def locked_requirement(lock_text: str, name: str) -> str:
    """One package's lines of a pip-compile lock (the pin and its hashes)."""
    match = re.search(
        rf"^{re.escape(name)}==\S+(?: \\\n[ \t]+--hash=sha256:[0-9a-f]+)+",
        lock_text,
        re.M | re.I,
    )
    if match is None:
        raise ValueError(f"{name} is not pinned with hashes in the lock")
    return match.group(0) + "\n"


def pip_settings(config_list: str) -> dict[str, list[str]]:
    """pip's configured package sources from ``pip config list`` (lines such as
    ``global.find-links='/opt/wheels'`` or ``:env:.index-url='...'``): key ->
    values, environment variables first (they win in pip), then the install
    section over the global one. Values listed together are split on spaces."""
    rank = {":env:": 0, "install": 1, "global": 2}
    found: list[tuple[int, str, list[str]]] = []
    for line in config_list.splitlines():
        match = re.match(r"^([^.=]+)\.([a-z-]+)='(.*)'$", line.strip())
        if match and match.group(1) in rank:
            section, key, value = match.groups()
            found.append((rank[section], key, value.split()))
    settings: dict[str, list[str]] = {}
    for _, key, values in sorted(found, key=lambda item: item[0]):
        settings.setdefault(key, [])
        settings[key] += [v for v in values if v not in settings[key]]
    return settings


def uv_options(settings: dict[str, list[str]]) -> tuple[list[str], dict[str, str]]:
    """uv's options and environment for pip's settings. pip looks for each pin
    in every index it is given; uv's ``unsafe-best-match`` strategy does the same
    (the hashes still decide which files are accepted)."""
    options: list[str] = []
    if settings.get("no-index", ["0"])[0].lower() in ("1", "true", "yes", "on"):
        options.append("--no-index")
    if settings.get("index-url"):
        options += ["--default-index", settings["index-url"][0]]
    for url in settings.get("extra-index-url", []):
        options += ["--extra-index-url", url]
    for place in settings.get("find-links", []):
        options += ["--find-links", place]
    if settings.get("extra-index-url"):
        options += ["--index-strategy", "unsafe-best-match"]
    env = {"SSL_CERT_FILE": settings["cert"][0]} if settings.get("cert") else {}
    return options, env


Runner = Callable[[list[str], dict[str, str] | None], int]


def run(command: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run(command, env={**os.environ, **(env or {})}).returncode


def install(
    lock: Path,
    venv_python: str,
    runner: Runner = run,
    config_list: str = "",
    bootstrap_python: str | None = None,
) -> str:
    """Install ``lock``, then the project in the current folder (editable), into
    the environment of ``venv_python`` (made by ``bootstrap_python``): "uv" or
    "pip", whichever did it. Raises SystemExit if pip, the fallback, fails too."""
    how = install_lock(lock, venv_python, runner, config_list, bootstrap_python)
    project = ["--no-deps", "--no-build-isolation", "--no-index", "-e", "."]
    uv = [str(Path(venv_python).parent / "uv"), "pip", "install", "--quiet"]
    if how == "uv":
        if runner([*uv, "--python", venv_python, *project], None) == 0:
            return how
        ensure_pip(venv_python, runner)  # the fallback's pip (uv put none there)
    if runner([*pip_install(venv_python), *project], None) != 0:
        raise SystemExit("udsyn: pip could not install the project itself (see above)")
    return how


def compile_options(environ: dict[str, str]) -> list[str]:
    """uv compiles every module at install only where Python would not keep what it
    compiles on import (see the module's docstring)."""
    return ["--compile-bytecode"] if environ.get("PYTHONDONTWRITEBYTECODE") else []


def pip_install(python: str) -> list[str]:
    return [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def ensure_pip(venv_python: str, runner: Runner) -> None:
    """pip in the environment (made without it), for the fallback."""
    runner([venv_python, "-m", "ensurepip", "--default-pip"], None)


def fetch_uv(
    uv_lock: Path, target: Path, venv_python: str, runner: Runner, bootstrap_python: str | None
) -> bool:
    """uv from its locked lines into ``target``, by the making Python's pip, or the
    environment's (put there first) where that has none."""
    fetch = ["--require-hashes", "--no-deps", "--target", str(target), "-r", str(uv_lock)]
    # into a scratch folder, not the system's: pip's warning about root is noise here
    quiet = {"PIP_ROOT_USER_ACTION": "ignore"}
    if bootstrap_python and runner([*pip_install(bootstrap_python), *fetch], quiet) == 0:
        return True
    ensure_pip(venv_python, runner)
    return runner([*pip_install(venv_python), *fetch], None) == 0


def install_lock(
    lock: Path,
    venv_python: str,
    runner: Runner,
    config_list: str,
    bootstrap_python: str | None = None,
) -> str:
    """Install ``lock``: "uv" or "pip", whichever did it."""
    with tempfile.TemporaryDirectory() as folder:
        uv_lock = Path(folder) / "uv.txt"
        uv_lock.write_text(locked_requirement(lock.read_text("utf-8"), "uv"), "utf-8")
        target = Path(folder) / "uv"
        if fetch_uv(uv_lock, target, venv_python, runner, bootstrap_python):
            options, env = uv_options(pip_settings(config_list))
            command = [str(target / "bin" / "uv"), "pip", "install", "--quiet"]
            command += ["--python", venv_python, "--require-hashes", "--no-deps"]
            command += [*compile_options(os.environ), *options, "-r", str(lock)]
            if runner(command, env) == 0:
                return "uv"
            print(f"udsyn: uv could not install {lock} ({shlex.join(command)}); trying pip")
        else:
            print("udsyn: uv could not be fetched from the lock; installing with pip")
    ensure_pip(venv_python, runner)
    if runner([*pip_install(venv_python), "--require-hashes", "--no-deps", "-r", str(lock)], None):
        raise SystemExit(f"udsyn: pip could not install {lock} either (see its message above)")
    return "pip"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        raise SystemExit("usage: python -m tools.install_lock requirements.lock [python3.11]")
    bootstrap_python = args[1] if len(args) == 2 else None
    config_list = subprocess.run(
        [bootstrap_python or sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
    ).stdout
    how = install(
        Path(args[0]), sys.executable, config_list=config_list, bootstrap_python=bootstrap_python
    )
    print(f"udsyn: installed {args[0]} and the project with {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
