"""tools/install_lock.py: the lock installed with uv (pip's package sources
passed on), pip where uv fails; the commands are recorded, nothing installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import install_lock

ROOT = Path(__file__).resolve().parents[2]

LOCK = """\
pandas==3.1.1 \\
    --hash=sha256:aa \\
    --hash=sha256:bb
    # via -r requirements.in
uv==0.13.9 \\
    --hash=sha256:cc \\
    --hash=sha256:dd
    # via -r requirements.in
"""


def test_the_uv_lines_are_cut_from_the_lock_with_their_hashes():
    assert install_lock.locked_requirement(LOCK, "uv") == (
        "uv==0.13.9 \\\n    --hash=sha256:cc \\\n    --hash=sha256:dd\n"
    )
    with pytest.raises(ValueError, match="not pinned"):
        install_lock.locked_requirement(LOCK, "numpy")


def test_the_projects_lock_pins_uv_with_hashes():
    text = install_lock.locked_requirement((ROOT / "requirements.lock").read_text(), "uv")
    assert text.startswith("uv==") and "--hash=sha256:" in text


def test_pips_sources_become_uv_options():
    config_list = "\n".join(
        [
            ":env:.find-links='/opt/wheels'",
            ":env:.disable-pip-version-check='1'",
            "global.cert='/etc/ssl/certs/ca.crt'",
            "global.extra-index-url='file:///a/simple file:///b/simple'",
            "global.find-links='/opt/wheels /opt/more'",
            "install.index-url='https://mirror.example/simple'",
        ]
    )
    settings = install_lock.pip_settings(config_list)
    assert settings["find-links"] == ["/opt/wheels", "/opt/more"]  # the variable's first
    options, env = install_lock.uv_options(settings)
    assert options == [
        "--default-index",
        "https://mirror.example/simple",
        "--extra-index-url",
        "file:///a/simple",
        "--extra-index-url",
        "file:///b/simple",
        "--find-links",
        "/opt/wheels",
        "--find-links",
        "/opt/more",
        "--index-strategy",
        "unsafe-best-match",
    ]
    assert env == {"SSL_CERT_FILE": "/etc/ssl/certs/ca.crt"}
    assert install_lock.uv_options(install_lock.pip_settings("")) == ([], {})
    assert install_lock.uv_options({"no-index": ["true"]})[0] == ["--no-index"]


class Recorder:
    """A runner that records each command and fails those containing ``fail``."""

    def __init__(self, fail: str | None = None):
        self.fail, self.commands = fail, []

    def __call__(self, command, env=None):
        self.commands.append((command, env))
        return 1 if self.fail and any(self.fail in part for part in command) else 0


def write_lock(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK)
    return lock


def test_uv_installs_the_lock_and_the_project_with_pips_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    runner = Recorder()
    python = str(tmp_path / ".venv" / "bin" / "python")
    how = install_lock.install(
        write_lock(tmp_path), python, runner, "global.find-links='/opt/wheels'", "python3.11"
    )
    assert how == "uv"
    (first, _), (second, env), (third, _) = runner.commands
    # uv fetched by the making Python's pip into a scratch folder, hash-checked
    assert first[:4] == ["python3.11", "-m", "pip", "install"]
    assert first[-6:-4] == ["--require-hashes", "--no-deps"] and first[-4] == "--target"
    assert second[0] == str(Path(first[-3]) / "bin" / "uv")
    assert ["--find-links", "/opt/wheels"] == second[second.index("--find-links") :][:2]
    assert (
        "--require-hashes" in second
        and "--compile-bytecode" not in second  # Python compiles what is imported
        and second[-2:] == ["-r", str(tmp_path / "requirements.lock")]
    )
    assert third[0] == str(tmp_path / ".venv" / "bin" / "uv") and third[-2:] == ["-e", "."]


def test_without_pip_in_the_making_python_the_environment_gets_pip_to_fetch_uv(tmp_path):
    runner = Recorder("python3.11")
    how = install_lock.install(write_lock(tmp_path), "/x/bin/python", runner, "", "python3.11")
    assert how == "uv"
    commands = [command for command, _ in runner.commands]
    assert commands[1] == ["/x/bin/python", "-m", "ensurepip", "--default-pip"]
    assert (
        commands[2][:4] == ["/x/bin/python", "-m", "pip", "install"] and "--target" in commands[2]
    )


@pytest.mark.parametrize("fail", ["uv.txt", "--python"])
def test_pip_installs_everything_when_uv_fails(tmp_path, fail, capsys):
    """uv cannot be fetched (its lines fail), or its install fails: pip does it all,
    put into the environment first."""
    runner = Recorder(fail)
    how = install_lock.install(write_lock(tmp_path), "/x/bin/python", runner)
    assert how == "pip"
    commands = [command for command, _ in runner.commands]
    assert ["/x/bin/python", "-m", "ensurepip", "--default-pip"] in commands
    assert commands[-2][-1] == str(tmp_path / "requirements.lock") and "pip" in commands[-2]
    assert commands[-1][-2:] == ["-e", "."] and "pip" in commands[-1]
    assert "udsyn: uv could not" in capsys.readouterr().out


def test_a_failing_pip_stops_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="pip could not install"):
        install_lock.install(write_lock(tmp_path), "/x/bin/python", Recorder("-r"))


def test_bytecode_is_compiled_at_install_only_where_python_would_not_keep_it():
    assert install_lock.compile_options({}) == []
    assert install_lock.compile_options({"PYTHONDONTWRITEBYTECODE": "1"}) == ["--compile-bytecode"]
