"""udsyn.core.warm: rule scripts run in forks of one warm server, each in a process of
its own, failing as Snakemake's `python <script>` would, and only where Snakemake would
run plain Python."""

import os
import subprocess
import sys

import pytest

from udsyn.core import warm


@pytest.fixture(scope="module")
def server():
    warm.start()
    assert warm.started()
    return warm


def script(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_script_runs_in_its_own_process_with_the_jobs_environment(server, tmp_path):
    out = tmp_path / "out.txt"
    path = script(
        tmp_path,
        "job.py",
        "import os, sys\n"
        "seen = [os.getpid(), os.environ['OMP_NUM_THREADS'], os.environ['TMPDIR'], sys.argv[0]]\n"
        f"open({str(out)!r}, 'w').write(' '.join(map(str, seen)))\n",
    )
    status = server.run_script(path, warm.job_environment(2, str(tmp_path)))
    assert status == 0
    pid, threads, tmpdir, argv0 = out.read_text().split()
    assert int(pid) != os.getpid()
    assert (threads, tmpdir, argv0) == ("2", str(tmp_path), path)
    # the job's variables were set in its fork only
    assert os.environ.get("TMPDIR") != str(tmp_path)


def test_a_job_starts_from_the_servers_state_not_the_last_jobs(server, tmp_path):
    # a job that changes a library's global state (here the preloaded udsyn.core.warm
    # module and matplotlib's settings) leaves the next job untouched
    out = tmp_path / "seen.txt"
    changer = script(
        tmp_path,
        "change.py",
        "import matplotlib\nfrom udsyn.core import warm\n"
        "warm.MIN_JOBS = 999\nmatplotlib.rcParams['font.size'] = 99\n",
    )
    reader = script(
        tmp_path,
        "read.py",
        "import matplotlib\nfrom udsyn.core import warm\n"
        "seen = [warm.MIN_JOBS, matplotlib.rcParams['font.size']]\n"
        f"open({str(out)!r}, 'w').write(' '.join(map(str, seen)))\n",
    )
    assert server.run_script(changer, warm.job_environment(1, None)) == 0
    assert server.run_script(reader, warm.job_environment(1, None)) == 0
    min_jobs, font_size = out.read_text().split()
    assert min_jobs == str(warm.MIN_JOBS) and float(font_size) != 99


@pytest.mark.parametrize(
    "text, status",
    [("import sys\nsys.exit(1)\n", 1), ("raise RuntimeError('a bug')\n", 1), ("pass\n", 0)],
)
def test_the_exit_status_is_the_scripts(server, tmp_path, text, status):
    path = script(tmp_path, "s.py", text)
    assert server.run_script(path, warm.job_environment(1, None)) == status


class FakeScript:
    """What udsyn.core.warm.install patches: Snakemake's PythonScript, reduced."""

    ran = None

    def __init__(self, **attributes):
        self.threads, self.resources = 1, {}
        self.conda_env = self.container_img = self.env_modules = None
        self.shadow_dir = self.bench_record = None
        self.__dict__.update(attributes)

    def execute_script(self, fname, edit=False):
        FakeScript.ran = ("snakemake", fname)


@pytest.fixture
def patched(monkeypatch):
    class Patched(FakeScript):
        pass

    calls = []

    def fake_run(script_file, environment):
        calls.append((script_file, environment["OMP_NUM_THREADS"]))
        return 0

    monkeypatch.setattr(warm, "run_script", fake_run)
    warm.install([Patched])
    warm.install([Patched])  # a second install does not wrap twice
    return Patched, calls


def test_plain_jobs_go_to_the_server_once_started(patched, monkeypatch):
    Patched, calls = patched
    monkeypatch.setattr(warm, "_context", object())
    Patched(threads=2).execute_script("job.py")
    assert calls == [("job.py", "2")]


@pytest.mark.parametrize(
    "attributes",
    [
        {"conda_env": "env"},
        {"container_img": "img"},
        {"env_modules": ["m"]},
        {"shadow_dir": "shadow"},
        {"bench_record": object()},
    ],
)
def test_other_jobs_keep_snakemakes_way(patched, monkeypatch, attributes):
    Patched, calls = patched
    monkeypatch.setattr(warm, "_context", object())
    FakeScript.ran = None
    Patched(**attributes).execute_script("job.py")
    assert calls == [] and FakeScript.ran == ("snakemake", "job.py")


def test_without_a_server_every_job_keeps_snakemakes_way(patched, monkeypatch):
    Patched, calls = patched
    monkeypatch.setattr(warm, "_context", None)
    FakeScript.ran = None
    Patched().execute_script("job.py")
    assert calls == [] and FakeScript.ran == ("snakemake", "job.py")


def test_a_failed_job_fails_as_snakemakes_python_would(patched, monkeypatch):
    Patched, _ = patched
    monkeypatch.setattr(warm, "_context", object())
    monkeypatch.setattr(warm, "run_script", lambda script_file, environment: 3)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        Patched().execute_script("job.py")
    assert failed.value.returncode == 3 and failed.value.cmd == f"{sys.executable} job.py"


@pytest.mark.parametrize(
    "jobs, environ, wanted",
    [
        (warm.MIN_JOBS, {}, True),
        (warm.MIN_JOBS - 1, {}, False),
        (30, {"UDSYN_WARM_START": "0"}, False),
        (30, {"UDSYN_WARM_START": "1"}, True),
    ],
)
def test_the_server_is_started_for_builds_of_several_jobs(jobs, environ, wanted):
    assert warm.wanted(jobs, environ) is wanted


def test_the_environment_is_what_snakemakes_shell_sets():
    assert warm.job_environment(3, None) == dict.fromkeys(warm.THREAD_VARIABLES, "3")
    with_tmp = warm.job_environment(1, "/scratch")
    assert all(with_tmp[name] == "/scratch" for name in warm.TMPDIR_VARIABLES)


def test_stopping_ends_the_server_and_a_new_start_makes_another(server):
    import multiprocessing.forkserver

    pid = multiprocessing.forkserver._forkserver._forkserver_pid
    warm.stop()
    assert not warm.started()
    with pytest.raises(ChildProcessError):  # already awaited: nothing left behind
        os.waitpid(pid, os.WNOHANG)
    warm.stop()  # twice is harmless
    warm.start()
    assert warm.started() and multiprocessing.forkserver._forkserver._forkserver_pid != pid


def test_a_server_that_cannot_start_leaves_every_job_to_snakemake(monkeypatch, capsys):
    def refuse():
        raise OSError("no sockets here")

    monkeypatch.setattr(warm, "_context", None)
    monkeypatch.setattr(warm.multiprocessing.forkserver, "ensure_running", refuse)
    warm.start()
    assert not warm.started()
    assert "the warm start is off for this run (no sockets here)" in capsys.readouterr().err


def test_a_job_the_server_cannot_start_runs_the_way_snakemake_runs_it(patched, monkeypatch):
    Patched, _ = patched

    def gone(script_file, environment):
        raise ConnectionRefusedError("the server is gone")

    monkeypatch.setattr(warm, "_context", object())
    monkeypatch.setattr(warm, "run_script", gone)
    FakeScript.ran = None
    Patched().execute_script("job.py")
    assert FakeScript.ran == ("snakemake", "job.py")
