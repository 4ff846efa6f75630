"""The tests' Snakemake server (tests/snakemake_server.py): a forked run is the
``snakemake`` command, in its folder and environment, with its exit status; what it
cannot be is run as the command."""

from __future__ import annotations

import os
import re
import subprocess
from unittest import mock

import pytest
import snakemake_server
from conftest import VENV

SNAKEFILE = """\
import os, time
print("parsed in", os.getcwd(), "with", os.environ.get("UDSYN_TEST_VALUE"))
time.sleep(float(os.environ.get("UDSYN_TEST_SLEEP", "0")))

rule done:
    output: "done.txt"
    shell: "echo done > {output}"
"""


# One hash seed for the server and the commands it is compared with: Snakemake's own
# usage message lists some choices in a set's order.
SEED = {"PYTHONHASHSEED": "0"}


@pytest.fixture(scope="module")
def client():
    with mock.patch.dict(os.environ, SEED):
        started = snakemake_server.Client(VENV / "bin" / "python")
    assert started.usable
    yield started
    started.close()


@pytest.fixture
def workflow(tmp_path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE, encoding="utf-8")
    return tmp_path


def command(folder, *args, env):
    return subprocess.run(
        [str(VENV / "bin" / "snakemake"), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def printed(output: str) -> list[str]:
    """Snakemake's output without its date, run id and job time stamps."""
    return [
        line
        for line in output.splitlines()
        if not re.match(r"\s*(Date|Workflow ID):|\[\w{3} \w{3} ", line)
    ]


@pytest.mark.e2e  # it runs the real command twice (make test, not make test-fast)
def test_a_forked_run_is_the_command(client, workflow):
    env = {**os.environ, **SEED, "UDSYN_TEST_VALUE": "seven"}
    runs = {}
    for args in (["-n", "--cores", "1"], ["--cores", "1", "--bogus"]):
        forked = runs[args[-1]] = client.run(args, workflow, env, timeout=300)
        real = command(workflow, *args, env=env)
        assert forked.returncode == real.returncode, (forked.stderr, real.stderr)
        assert printed(forked.stdout) == printed(real.stdout)  # its command line too
        assert printed(forked.stderr) == printed(real.stderr)
    assert f"parsed in {workflow} with seven" in runs["1"].stdout
    assert runs["1"].returncode == 0 and "Run directory: " + str(workflow) in runs["1"].stdout
    assert runs["--bogus"].returncode == 2
    assert "unrecognized arguments: --bogus" in runs["--bogus"].stderr
    built = client.run(["--cores", "1"], workflow, env, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (workflow / "done.txt").read_text(encoding="utf-8") == "done\n"


def test_a_run_that_must_start_python_anew_is_not_forked(client, workflow):
    """A hash seed (or another variable Python reads when it starts) other than the
    server's: the caller runs the command."""
    other = {**os.environ, "PYTHONHASHSEED": "1"}
    assert client.run(["-n", "--cores", "1"], workflow, other, timeout=300) is None
    assert client.run(["-n", "--cores", "1"], workflow, {**os.environ, **SEED}, timeout=300)


def test_a_run_past_its_timeout_is_killed_and_the_server_goes_on(client, workflow):
    env = {**os.environ, **SEED, "UDSYN_TEST_SLEEP": "60"}
    with pytest.raises(subprocess.TimeoutExpired):
        client.run(["-n", "--cores", "1"], workflow, env, timeout=1)  # it sleeps 60 s
    after = client.run(["-n", "--cores", "1"], workflow, {**os.environ, **SEED}, timeout=300)
    assert after.returncode == 0, after.stderr
