"""Shared fixtures: the project's own config, codebook and register, and a
builder of small SurveyXact-shaped exports for table-driven tests; for the
end-to-end tests, copies of the project and one real build shared by all.

The tests are in three folders: unit/ (the package's functions, in-process),
tools/ (the project's tools: verify, slurm_check, readme, the benchmarks' code,
the Snakefiles' style) and e2e/ (the real workflow through `make` or Snakemake in
a copy of the project; marked ``e2e`` here, like the few end-to-end tests beside
unit tests in the other folders). Test modules import the helpers below with
``from conftest import ...`` (pyproject.toml puts tests/ on the path).
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import gc
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import snakemake_server

from udsyn.clean.cleaning import CleaningSettings, clean_export
from udsyn.core import files
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.ingest.export import load_export
from udsyn.ingest.export_files import labels_file
from udsyn.ingest.questionnaire import Questionnaire, build_questionnaire
from udsyn.ingest.validation import validate_register
from udsyn.synthetic import calibration, formats, generator

ROOT = Path(__file__).resolve().parents[1]

CONFIG = files.read_yaml(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="session")
def config() -> dict:
    return files.read_yaml(ROOT / "config" / "config.yaml")


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return build_questionnaire(files.read_yaml(ROOT / "config" / "questionnaire.yaml"))


@pytest.fixture(scope="session")
def register() -> pd.DataFrame:
    path = ROOT / "data" / "raw" / "register" / "municipalities.csv"
    return validate_register(files.read_text_table(path), str(path))


@pytest.fixture(scope="session")
def aliases() -> pd.DataFrame:
    return files.read_text_table(ROOT / "config" / "municipality_aliases.csv")


@pytest.fixture(scope="session")
def cleaning_settings(config) -> CleaningSettings:
    return CleaningSettings.from_config(config["cleaning"], config["survey"])


@pytest.fixture(scope="session")
def derive_settings(config) -> DeriveSettings:
    return DeriveSettings.from_config(config["derive"])


@pytest.fixture(scope="session")
def calibration_context(config, questionnaire, register, aliases) -> calibration.Context:
    """What a calibration batch reads once (config/calibration.yaml's settings):
    also the tests' way to draw a synthetic export at another seed and clean and
    derive it as the rules do (``clean_and_derive``)."""
    predecessors = files.read_text_table(
        ROOT / config["register"]["predecessors"], what="predecessor table"
    )
    return calibration.Context(
        config,
        files.read_yaml(ROOT / "config" / "synthetic.yaml"),
        files.read_yaml(ROOT / "config" / "calibration.yaml")["calibration"],
        questionnaire,
        register,
        aliases,
        predecessors,
    )


def load_shipped_export(config: dict, questionnaire: Questionnaire):
    """The shipped export read as the rules read it (udsyn.ingest.export.load_export)."""
    survey = config["survey"]
    dataset = str(ROOT / survey["dataset"])
    return load_export(survey, questionnaire, dataset, labels_file(dataset, survey["labels"]))


@pytest.fixture(scope="session")
def shipped_export(config, questionnaire):
    return load_shipped_export(config, questionnaire)


def labels_for(questionnaire: Questionnaire) -> pd.DataFrame:
    """A labels table covering every coded field, from the codebook."""
    rows = []
    for field in questionnaire.coded_fields:
        for code, text in questionnaire.value_sets[field.value_set].items():
            rows.append({"field_name": field.field, "field_value": str(code), "field_text": text})
    return pd.DataFrame(rows)


def make_export(questionnaire: Questionnaire, rows: list[dict]) -> pd.DataFrame:
    """A dataset table with every expected column; cells default to empty.

    Each row dict gives the cells that differ; a row is a completed response
    unless it sets the status columns itself.
    """
    records = []
    for number, cells in enumerate(rows, start=1):
        record = {column: "" for column in questionnaire.expected_columns}
        record.update(
            {
                "respondentid": str(100000 + number),
                "gruppe": "Kommune",
                "navn": "Anne Eksempel",
                "email": "anne@example.invalid",
                "created": "2014-03-03 09:00:00",
                "starttime": "2014-03-04 10:00:00",
                "closetime": "2014-03-04 10:30:00",
                "statoverall_4": "1",
            }
        )
        for column in questionnaire.status_columns:
            record.setdefault(column, "")
            record[column] = record[column] or "0"
        record.update(cells)
        records.append(record)
    return pd.DataFrame(
        records,
        columns=list(
            dict.fromkeys(
                list(questionnaire.expected_columns) + ["email"] + [k for r in rows for k in r]
            )
        ),
    )


# ---- end to end: the README's `make` in a temporary copy of the project ----

VENV = ROOT / ".venv"
IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "results",
    "logs",
    ".snakemake",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
    ".tmp",
)


@pytest.fixture
def no_network(monkeypatch):
    """Opening a connection fails the test: what uses it must work offline (the data
    package's and the RO-Crate's validators fetch nothing)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"the network was used: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def clean_and_derive_rows(
    rows: list[dict], questionnaire, register, aliases, cleaning_settings, derive_settings
):
    """rows (as for make_export) -> the clean tables and the derived municipalities,
    made in-process as the rules make them."""
    clean = clean_export(
        make_export(questionnaire, rows),
        labels_for(questionnaire),
        register,
        aliases,
        questionnaire,
        cleaning_settings,
        dataset_file="d",
        register_file="r",
        aliases_file="a",
        data_origin="synthetic",
    )
    derived = derive_municipalities(
        register, clean.respondents, clean.initiatives, questionnaire, derive_settings, "synthetic"
    )
    return clean, derived


@pytest.fixture
def derive(questionnaire, register, aliases, cleaning_settings, derive_settings):
    """rows (as for make_export) -> the derived municipalities, indexed by code,
    cleaned and derived in-process as the rules do; keyword overrides replace
    derive settings."""

    def run(rows, **overrides):
        settings = dataclasses.replace(derive_settings, **overrides)
        _, derived = clean_and_derive_rows(
            rows, questionnaire, register, aliases, cleaning_settings, settings
        )
        return derived.set_index("code")

    return run


def quick_benchmark(script: str, out: Path) -> subprocess.CompletedProcess:
    """``benchmarks/<script> --quick --out <out>``: one small run (seconds; not a timing)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def copy_project(destination: Path) -> Path:
    """A copy of the project sharing this environment (no reinstall)."""
    shutil.copytree(ROOT, destination, ignore=IGNORE)
    (destination / ".venv").symlink_to(VENV)
    return destination


def run(project: Path, *command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


def make(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run(project, "make", "--no-print-directory", *args, env=env)


_snakemake_server: snakemake_server.Client | None = None


def snakemake(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``snakemake <args>`` (the project environment's) in ``project``: forked from
    this worker's warm Python that imported Snakemake once (tests/snakemake_server.py,
    about 2 s less per run), or run as the command where that cannot be (a test
    that sets the hash seed or another start-up variable, or the switch at 0)."""
    global _snakemake_server
    environment = {**os.environ, **(env or {})}
    if environment.get(snakemake_server.SWITCH, "1") != "0":
        if _snakemake_server is None:
            _snakemake_server = snakemake_server.Client(VENV / "bin" / "python")
        result = _snakemake_server.run(list(args), project, environment, timeout=900)
        if result is not None:
            return result
    return run(project, str(VENV / "bin" / "snakemake"), *args, env=env)


def result_files(project: Path) -> dict[str, str]:
    """sha256 of every file under results/."""
    return {
        str(path.relative_to(project)): files.sha256_of(path)
        for path in sorted((project / "results").rglob("*"))
        if path.is_file()
    }


# The shared build's conditions: a hash seed and time zone that neither of `make
# verify`'s two builds uses (tools.verify.conditions), in another folder, so that its
# bytes compared with the committed checksums (written from those builds) test a build
# elsewhere (tests/tools/test_verify.py).
SHARED_BUILD_ENV = {"PYTHONHASHSEED": "31337", "TZ": "America/Los_Angeles", "LC_ALL": "C.UTF-8"}


def build(project: Path) -> Path:
    """``make`` in a fresh copy of the project at ``project``, under SHARED_BUILD_ENV;
    fails the test if it fails."""
    copy_project(project)
    first = make(project, env=SHARED_BUILD_ENV)
    assert first.returncode == 0, first.stdout + first.stderr
    return project


@pytest.fixture(scope="session")
def built(tmp_path_factory, pytestconfig) -> Path:
    """The project built by `make` once per test run.

    Under pytest-xdist (``make test``) the first worker to ask builds it, under a
    lock, in the run's shared temporary folder; each worker then gets its own copy
    (results and Snakemake's records included), so no test sees another worker's
    changes and the build is not repeated per worker."""
    if not (VENV / ".installed").exists():
        pytest.fail("run the tests through `make test` (the project environment is missing)")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(tmp_path_factory.mktemp("e2e") / "udsyn")
    shared = tmp_path_factory.getbasetemp().parent / "built"  # one per run, beside the workers'
    shared.mkdir(exist_ok=True)
    status = shared / "status"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not status.exists():
            started = time.monotonic()
            try:
                build(shared / "udsyn")
            except BaseException as error:
                status.write_text(f"failed in another worker:\n{error}", encoding="utf-8")
                raise
            status.write_text("built", encoding="utf-8")
            if getattr(pytestconfig, "cache", None) is not None:  # for the next run's order
                pytestconfig.cache.set(SHARED_BUILD_SECONDS, round(time.monotonic() - started, 1))
    if status.read_text(encoding="utf-8") != "built":
        pytest.fail("the shared build " + status.read_text(encoding="utf-8"))
    project = tmp_path_factory.mktemp("e2e") / "udsyn"
    shutil.copytree(shared / "udsyn", project, symlinks=True)
    return project


def edit_keeping_time(table: pd.DataFrame, path: Path) -> None:
    """Write a results table edited by hand, keeping the file's time, so that only what
    is forced runs again (render_report_again): a test of the report's text need not
    draw the figures again. What an edit reruns is tested by dry runs (planned_jobs;
    tests/e2e/test_workflow.py). The provenance records are not made again, so the
    report's appendix still names the file's checksum before the edit."""
    before = path.stat()
    files.write_table(table, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def render_report_again(project: Path) -> None:
    """Render the report of a built project again: the report rule alone, forced."""
    result = snakemake(project, "--cores", "1", "--forcerun", "report", "report/report.html")
    assert result.returncode == 0, result.stdout + result.stderr


def unlinked(html: str) -> str:
    """A report's HTML as read: the citation links' tags left out (their text kept;
    tests/e2e/test_report_citations.py checks the links)."""
    return re.sub(r'<a class="cite" [^>]*>(.*?)</a>', r"\1", html)


def planned_jobs(project: Path, *args: str) -> set[str]:
    """The rules a dry run plans (the 'Job stats' table); empty if nothing to do."""
    result = snakemake(project, "-n", "--quiet", "host", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    if "Nothing to be done" in output:
        return set()
    table = output.split("Job stats:")[1].split("\n\n")[0]
    rules = {rule for rule, _ in re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)}
    return rules - {"total", "all"}


# ---- the shipped answers in other formats (tests/unit/test_format_matrix.py, tests/e2e) ----

SYNTHETIC = files.read_yaml(ROOT / "config" / "synthetic.yaml")
QUESTIONNAIRE_SPEC = files.read_yaml(ROOT / "config" / "questionnaire.yaml")
REGISTER_FILE = ROOT / "data" / "raw" / "register" / "municipalities.csv"


@functools.cache
def canonical_export() -> tuple:
    """The synthetic export as the generator makes it (the shipped files' content):
    header, rows and labels."""
    questionnaire = build_questionnaire(QUESTIONNAIRE_SPEC)
    register = files.read_text_table(REGISTER_FILE).to_dict("records")
    aliases = files.read_text_table(ROOT / "config" / "municipality_aliases.csv")["alias"].tolist()
    header, rows, _, labels, _ = generator.generate_export(
        SYNTHETIC, questionnaire, register, aliases
    )
    return header, [list(row) for row in rows], labels


def write_format(format_value: str, folder: Path) -> Path:
    """The shipped answers in ``format_value`` (as `make synthetic FORMAT=...` writes
    them) under ``folder``; the dataset file."""
    header, rows, labels = canonical_export()
    written = formats.write_export(
        folder,
        format_value,
        header,
        rows,
        labels,
        build_questionnaire(QUESTIONNAIRE_SPEC),
        SYNTHETIC,
    )
    return next(path for path in written if path.name != "labels.csv")


# ---- the folders ----

E2E = Path(__file__).resolve().parent / "e2e"


def pytest_itemcollected(item) -> None:
    """Every test under tests/e2e/ is an ``e2e`` test (marked as it is collected, so
    that -m selects by it)."""
    if E2E in Path(item.path).resolve().parents:
        item.add_marker(pytest.mark.e2e)


def pytest_collection_finish(session) -> None:
    """Freeze what collection made (the imported libraries, the test modules): they
    live for the whole run, and Python's garbage collector would scan them again at
    every full collection (about half of its time; 2 % of the tests' time)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)  # after -m and -k: the tests that will run
def pytest_collection_modifyitems(config, items) -> None:
    """The files in the order pytest-xdist hands them out (`make test` runs it with
    --no-loadscope-reorder)."""
    order = file_order(items, recorded_seconds(config), recorded_build_seconds(config))
    items[:] = sorted(items, key=lambda item: schedule_key(order, item))


# How long each test took in the last run that ran it (set up, call, tear down), kept
# in pytest's cache folder (.pytest_cache) for the next run's order.
TEST_SECONDS = "udsyn/test_seconds"
UNTIMED_TEST_SECONDS = 0.1  # a test not timed here yet: most take less
# How long the shared build took last time (written by the worker that made it).
SHARED_BUILD_SECONDS = "udsyn/shared_build_seconds"


def _recorded(config, key: str, default):
    """A value kept in pytest's cache: under pytest-xdist, as the controller read it for
    every worker (pytest_configure_node), so that each worker orders the same way."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return workerinput.get(key, default)
    cache = getattr(config, "cache", None)  # None under -p no:cacheprovider
    return cache.get(key, default) if cache is not None else default


def recorded_seconds(config) -> dict[str, float]:
    """The tests' times in the last runs that ran them."""
    return _recorded(config, TEST_SECONDS, {})


def recorded_build_seconds(config) -> float:
    """How long the shared build took last time (0 if it has not been timed)."""
    return _recorded(config, SHARED_BUILD_SECONDS, 0.0)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist's controller, for each worker: the times, read once."""
    node.workerinput[TEST_SECONDS] = recorded_seconds(node.config)
    node.workerinput[SHARED_BUILD_SECONDS] = recorded_build_seconds(node.config)


def file_order(
    items, seconds: dict[str, float], build_seconds: float = 0.0
) -> dict[Path, tuple[int]]:
    """Each test file's place in the run. Under pytest-xdist a file's tests run in one
    worker, and a worker is sent the next file once it has two or fewer tests left,
    so a run ends when its last long file does. Long files go first, by how long
    their tests took last time (a test not timed yet counts as UNTIMED_TEST_SECONDS),
    so that short files fill the end; the files with end-to-end tests before the
    rest. The first is the longest file that needs the shared build: the worker that
    takes it makes the build, and a test of another worker that needs the build waits
    for it. So next come the longest files without end-to-end tests, as many as fill
    the time the build took last time (``build_seconds``), for the other worker, and
    only then the other end-to-end files. In a file, the tests that need the shared
    build come first, so that the build starts as soon as a worker takes the file."""
    tests: dict[Path, list] = {}
    for item in items:
        tests.setdefault(Path(item.path), []).append(item)
    took = {
        path: sum(seconds.get(item.nodeid, UNTIMED_TEST_SECONDS) for item in file_items)
        for path, file_items in tests.items()
    }
    longest_first = sorted(tests, key=lambda path: (-took[path], str(path)))
    end_to_end = [p for p in longest_first if any(i.get_closest_marker("e2e") for i in tests[p])]
    others = [p for p in longest_first if p not in end_to_end]
    builder = next(
        (
            p
            for p in end_to_end
            if any("built" in getattr(i, "fixturenames", ()) for i in tests[p])
        ),
        None,
    )
    fill: list[Path] = []
    if builder is not None:
        end_to_end.remove(builder)
        end_to_end.insert(0, builder)
        while len(fill) < len(others) and sum(took[p] for p in fill) < build_seconds:
            fill.append(others[len(fill)])
    queue = [*end_to_end[:1], *fill, *end_to_end[1:], *others[len(fill) :]]
    return {path: (place,) for place, path in enumerate(queue)}


def schedule_key(order: dict[Path, tuple], item) -> tuple:
    return (*order[Path(item.path)], "built" not in getattr(item, "fixturenames", ()))


_timed: dict[str, float] = {}


def pytest_runtest_logreport(report) -> None:
    """Time each test: set up, call and tear down (under pytest-xdist, the controller
    sees every worker's reports)."""
    _timed[report.nodeid] = _timed.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session) -> None:
    """Keep this run's times for the next run's order (written by the run's controller,
    or by pytest without workers); forget the tests of files that are gone. Stop
    this process's Snakemake server."""
    if _snakemake_server is not None:
        _snakemake_server.close()
    cache = getattr(session.config, "cache", None)
    if os.environ.get("PYTEST_XDIST_WORKER") or cache is None or not _timed:
        return
    root = session.config.rootpath
    seconds = {
        nodeid: duration
        for nodeid, duration in cache.get(TEST_SECONDS, {}).items()
        if (root / nodeid.split("::")[0]).is_file()
    }
    seconds.update({nodeid: round(duration, 3) for nodeid, duration in _timed.items()})
    cache.set(TEST_SECONDS, seconds)
