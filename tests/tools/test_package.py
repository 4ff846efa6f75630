"""make package: a Workflow Run RO-Crate of the build that roc-validator (a
validator udsyn did not write) accepts offline under the Workflow RO-Crate,
Workflow Run Crate and Provenance Run Crate profiles; deterministic; and without
the raw survey files when the data are real."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import requests
import rocrate
import urllib3
from requests.structures import CaseInsensitiveDict
from requests_cache import CachedSession

from tools.package import (
    ZIP_TIME,
    job_runs,
    package,
    project_version,
    snakemake_records,
    withheld_files,
    write_zip,
    zip_name,
)

# ---- the pure functions


def test_the_zip_is_named_by_version_and_commit():
    assert project_version('[project]\nname = "udsyn"\nversion = "0.1.0"\n') == "0.1.0"
    assert zip_name("0.1.0", "3ecca61") == "udsyn-0.1.0-3ecca61.zip"


def test_real_data_withhold_the_export_and_the_municipality_level_tables():
    files = [
        "data/raw/survey/dataset.csv",
        "data/raw/register/municipalities.csv",
        "results/clean/respondents.csv",
        "results/derived/municipalities.csv",
        "results/multiverse/clean/respondents_first.csv",
        "results/analysis/headline.csv",
    ]
    survey = ["data/raw/real/export.xlsx"]
    assert withheld_files(files, survey, "synthetic") == []
    assert withheld_files(files, survey, "real") == [
        "data/raw/real/export.xlsx",
        "results/clean/respondents.csv",
        "results/derived/municipalities.csv",
        "results/multiverse/clean/respondents_first.csv",
    ]
    files_with_export = [*files, "data/raw/survey/dataset.csv"]
    assert "data/raw/survey/dataset.csv" in withheld_files(
        files_with_export, ["data/raw/survey/dataset.csv"], "real"
    )


def write_record(folder: Path, output: str, record: dict) -> None:
    name = base64.urlsafe_b64encode(output.encode()).decode()
    (folder / ".snakemake/metadata").mkdir(parents=True, exist_ok=True)
    (folder / ".snakemake/metadata" / name).write_text(json.dumps(record), encoding="utf-8")


def test_jobs_are_read_from_snakemakes_records(tmp_path):
    job = {"rule": "clean", "job_hash": 7, "log": ["logs/clean.log"], "params": ["{'a': 1}", "2"]}
    # Snakemake's end is each output file's modification time: a job's outputs may
    # end a clock tick apart and are still one job.
    write_record(
        tmp_path,
        "results/a.csv",
        {**job, "starttime": 11.0, "endtime": 20.004, "input": ["x", "y"]},
    )
    write_record(
        tmp_path,
        "results/b.csv",
        {**job, "starttime": 10.0, "endtime": 20.0, "input": ["x", "y"]},
    )
    write_record(
        tmp_path,
        "results/c.csv",
        {"rule": "derive", "job_hash": 8, "starttime": 21.0, "endtime": 22.0, "input": "['a']"},
    )
    # Two jobs of one rule (other wildcards) with the same hash: one object's
    # identity reused in two runs. Their log files tell them apart.
    for name in ("x", "y"):
        write_record(
            tmp_path,
            f"results/figures/{name}.png",
            {
                "rule": "figure",
                "job_hash": 9,
                "log": [f"logs/figure_{name}.log"],
                "starttime": 30.0,
            },
        )
    write_record(
        tmp_path, "results/gone.csv", {**job, "starttime": 1.0, "endtime": 2.0, "input": []}
    )
    records = snakemake_records(tmp_path)
    assert sorted(records) == [
        "results/a.csv",
        "results/b.csv",
        "results/c.csv",
        "results/figures/x.png",
        "results/figures/y.png",
        "results/gone.csv",
    ]
    made = {"results/a.csv", "results/b.csv", "results/c.csv"}
    runs = job_runs(records, made | {"results/figures/x.png", "results/figures/y.png"})
    assert [(run["rule"], run["outputs"], run["start"]) for run in runs] == [
        ("clean", ["results/a.csv", "results/b.csv"], 10.0),
        ("derive", ["results/c.csv"], 21.0),
        ("figure", ["results/figures/x.png"], 30.0),
        ("figure", ["results/figures/y.png"], 30.0),
    ]
    assert (runs[0]["start"], runs[0]["end"]) == (10.0, 20.004)
    assert runs[0]["params"] == "{'a': 1}\n2"
    assert runs[1]["inputs"] == ["a"]  # an older record's list, written as its repr


def test_the_zip_is_deterministic_and_sorted(tmp_path):
    entries = {"b.txt": b"2", "a/c.txt": b"3", "a.txt": b"1"}
    write_zip(entries, tmp_path / "one.zip")
    write_zip(dict(reversed(entries.items())), tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert archive.namelist() == ["a.txt", "a/c.txt", "b.txt"]
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}


# ---- the package of the real build, validated offline

# RO-Crate 1.1's JSON-LD context (the version the profiles build on), for the
# validator's HTTP cache: the copy of the RO-Crate context the rocrate library ships
# (1.3) maps every term 1.1 defines to the same IRI except Bioschemas' four, which
# 1.1 maps as here.
CONTEXT_URL = "https://w3id.org/ro/crate/1.1/context"
BIOSCHEMAS_1_1 = {
    "ComputationalWorkflow": "https://bioschemas.org/ComputationalWorkflow",
    "input": "https://bioschemas.org/ComputationalWorkflow#input",
    "output": "https://bioschemas.org/ComputationalWorkflow#output",
    "FormalParameter": "https://bioschemas.org/FormalParameter",
}
PROFILES = ("workflow-ro-crate", "workflow-run-crate", "provenance-run-crate")


def seeded_cache(folder: Path) -> Path:
    """An HTTP cache (as roc-validator keeps it: requests-cache, SQLite) holding
    the RO-Crate 1.1 context, so that validation fetches nothing."""
    shipped = Path(rocrate.__file__).parent / "data" / "ro-crate.jsonld"
    context = json.loads(shipped.read_text(encoding="utf-8"))
    context["@id"] = CONTEXT_URL
    context["@context"].update(BIOSCHEMAS_1_1)
    body = json.dumps(context).encode("utf-8")
    path = folder / "http_cache"
    session = CachedSession(cache_name=str(path), backend="sqlite", expire_after=-1)
    response = requests.Response()
    response.status_code, response.reason, response.url = 200, "OK", CONTEXT_URL
    response.headers = CaseInsensitiveDict({"Content-Type": "application/ld+json"})
    response._content, response.encoding = body, "utf-8"
    response.request = requests.Request("GET", CONTEXT_URL).prepare()
    response.raw = urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers=dict(response.headers),
        status=200,
        preload_content=False,
        request_url=CONTEXT_URL,
    )
    session.cache.save_response(response)
    session.close()
    return path


def validate(crate: Path, profile: str, cache: Path, severity: str = "REQUIRED"):
    from rocrate_validator import services

    settings = services.ValidationSettings(
        rocrate_uri=str(crate),
        profile_identifier=profile,
        requirement_severity=severity,
        offline=True,
        cache_path=cache,
    )
    return services.validate(settings)


def issues(result) -> list[tuple[str, str]]:
    return sorted({(issue.check.identifier, issue.check.name) for issue in result.get_issues()})


@pytest.fixture(scope="module")
def packaged(built, tmp_path_factory):
    """The shared build, packaged twice (the second to compare bytes)."""
    out = tmp_path_factory.mktemp("dist")
    first = package(built, out / "first", commit="test")
    second = package(built, out / "second", commit="test")
    return built, first, second


@pytest.mark.e2e
def test_the_package_is_deterministic_and_holds_the_build(packaged):
    built, first, second = packaged
    assert first.name == "udsyn-0.1.0-test.zip"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = set(archive.namelist())
        metadata = json.loads(archive.read("ro-crate-metadata.json"))
    for expected in (
        "Snakefile",
        "Makefile",
        "requirements.lock",
        "LICENSE",
        "CITATION.cff",
        "PACKAGE.md",
        "report/report.html",
        "results/manifest.json",
        "results/datapackage.json",
        "results/software_versions.csv",
        "data/raw/survey/dataset.csv",
    ):
        assert expected in names, expected
    assert not any("__pycache__" in name for name in names)
    graph = {entity["@id"]: entity for entity in metadata["@graph"]}
    clean = [e for e in graph.values() if e.get("instrument") == {"@id": "#rule-clean"}]
    assert len(clean) == 1 and clean[0]["@type"] == "CreateAction"
    assert {"@id": "results/clean/respondents.csv"} in clean[0]["result"]
    assert {"@id": "data/raw/survey/dataset.csv"} in clean[0]["object"]
    objects = [graph[o["@id"]] for o in clean[0]["object"]]
    parameters = [entity for entity in objects if entity["@type"] == "PropertyValue"]
    assert len(parameters) == 1
    assert "most_complete_then_latest" in parameters[0]["value"]  # its configured params


@pytest.mark.e2e
def test_roc_validator_accepts_the_package_offline(packaged, tmp_path, no_network):
    """Valid as a Provenance Run Crate. roc-validator checks a profile together with
    the profiles it extends (Workflow Run Crate, Workflow RO-Crate, Process Run Crate,
    RO-Crate), where a check the more specific profile redefines replaces the
    inherited one: one validation instead of one per profile."""
    _, crate, _ = packaged
    result = validate(crate, PROFILES[-1], seeded_cache(tmp_path))
    assert result.passed(), issues(result)
    checked = {profile.identifier.rsplit("-", 1)[0] for profile in result.context.profiles}
    assert set(PROFILES) <= checked, checked


@pytest.mark.e2e
def test_roc_validator_rejects_a_broken_package(packaged, tmp_path, no_network):
    """The workflow no longer lists its steps: each step is an orphan (a MUST)."""
    _, crate, _ = packaged
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(crate) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "ro-crate-metadata.json":
                metadata = json.loads(data)
                for entity in metadata["@graph"]:
                    if entity["@id"] == "Snakefile":
                        del entity["step"]
                data = json.dumps(metadata).encode("utf-8")
            target.writestr(info, data)
    result = validate(broken, "provenance-run-crate", seeded_cache(tmp_path))
    assert not result.passed()
    assert {name for _, name in issues(result)} == {"HowToStep inverse step"}


@pytest.mark.e2e
def test_real_data_leave_the_survey_files_out(built, tmp_path):
    """A build of real data (its validation recorded data_origin real): the raw
    survey files and municipality-level tables are replaced by their sha256."""
    checks = built / "results/validated/checks.csv"
    original = checks.read_text(encoding="utf-8")
    with open(checks, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    survey = sorted(row["file"] for row in rows if row["role"] in ("dataset", "labels"))
    try:
        with open(checks, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({**row, "data_origin": "real"} for row in rows)
        crate = package(built, tmp_path, commit="real")
    finally:
        checks.write_text(original, encoding="utf-8")
    with zipfile.ZipFile(crate) as archive:
        names = set(archive.namelist())
        withheld = archive.read("WITHHELD.md").decode("utf-8")
    assert survey and not set(survey) & names
    assert not any(name.startswith(("results/clean/", "results/derived/")) for name in names)
    for path in survey:
        digest = hashlib.sha256((built / path).read_bytes()).hexdigest()
        assert f"`{path}`" in withheld and digest in withheld
    assert "results/analysis/headline.csv" in names  # aggregates stay
