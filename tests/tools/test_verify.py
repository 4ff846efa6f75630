"""Reproducibility checks (tools.verify) and the provenance manifest.

Unit tests of the checksum, comparison and CSV-difference functions; a copy of
the project whose drivers table gets a random value written in, which the
comparison must catch, naming the file, row and column; the manifest
results/manifest.json complete; the rule graph and profiles in place."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SHARED_BUILD_ENV, copy_project, make, snakemake

from tools import verify
from udsyn.core import files
from udsyn.report.provenance import build_manifest, manifest_json


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.verify", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # tools/ from any folder


# ---- checksums of a tree ----


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "project"
    write(root / "results/a.csv", "x,y\n1,2\n")
    write(root / "results/figures/f.png", b"\x89PNG\x00")
    write(root / "results/README.md", "source\n")
    write(root / "report/report.html", "<html></html>\n")
    write(root / "report/template.html.j2", "{{ x }}\n")
    write(root / "results/run.log", "INFO took 3.2 s\n")
    write(root / "logs/clean.log", "INFO\n")
    write(root / "data/raw/x.csv", "a\n")
    return root


def test_checksums_of_the_generated_files_only(tree):
    sources = {"results/README.md", "report/template.html.j2", "data/raw/x.csv"}
    assert verify.checksum_tree(tree, sources) == {
        "report/report.html": sha(b"<html></html>\n"),
        "results/a.csv": sha(b"x,y\n1,2\n"),
        "results/figures/f.png": sha(b"\x89PNG\x00"),
    }
    # without knowing the sources, committed files under results/ and report/ count too;
    # logs never do (results/run.log: unstable by nature; logs/: not compared)
    assert set(verify.checksum_tree(tree)) == {
        "report/report.html",
        "report/template.html.j2",
        "results/README.md",
        "results/a.csv",
        "results/figures/f.png",
    }


def test_unstable_files_are_named_with_a_reason():
    for path in (
        "logs/clean.log",
        ".snakemake/log/2026.snakemake.log",
        "benchmarks/x.tsv",
        "report/snakemake_report.html",
        "results/run.log",
        "results/x.benchmark.tsv",
    ):
        assert verify.unstable_reason(path), path
    for path in (
        "report/report.html",
        "results/manifest.json",
        "results/provenance.csv",
        "results/software_versions.csv",
        "results/figures/capital.png",
    ):
        assert verify.unstable_reason(path) is None, path
    assert all(len(reason) > 20 for reason in verify.UNSTABLE.values())


def test_checksum_file_is_sha256sum_format(tree, tmp_path):
    checksums = verify.checksum_tree(tree, {"results/README.md"})
    text = verify.format_checksums(checksums)
    assert text.endswith("\n") and text.splitlines() == sorted(
        text.splitlines(), key=lambda line: line[66:]
    )
    assert verify.parse_checksums(text) == checksums
    if shutil.which("sha256sum"):
        (tmp_path / "sums").write_text(text, encoding="utf-8")
        checked = subprocess.run(
            ["sha256sum", "-c", str(tmp_path / "sums")], cwd=tree, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    with pytest.raises(ValueError, match="line 5 is not"):
        verify.parse_checksums(text + "not a checksum line\n")


def test_the_committed_checksums_are_well_formed():
    expected = verify.parse_checksums((ROOT / verify.EXPECTED).read_text(encoding="utf-8"))
    assert "report/report.html" in expected and "results/manifest.json" in expected
    assert not [path for path in expected if verify.unstable_reason(path)]
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in expected.values())


# ---- comparing ----


def test_comparison_names_added_removed_and_changed_files():
    expected = {"a.csv": "1" * 64, "b.png": "2" * 64, "c.json": "3" * 64}
    actual = {"a.csv": "1" * 64, "b.png": "9" * 64, "d.svg": "4" * 64}
    comparison = verify.compare_checksums(expected, actual)
    assert comparison.added == ["d.svg"]
    assert comparison.removed == ["c.json"]
    assert comparison.changed == ["b.png"]
    assert comparison.differing == ["b.png", "c.json", "d.svg"]
    assert not comparison.identical
    assert verify.compare_checksums(expected, dict(expected)).identical
    lines = verify.report_expected(comparison, expected, actual, "sums")
    assert "b.png: sha256 999999999999… where sums has 222222222222…" in lines
    assert "c.json: in sums, but not built" in lines and "d.svg: built, but not in sums" in lines


@pytest.mark.parametrize(
    "left, right, row, column, a, b",
    [
        ("k,v\n1,x\n2,y\n", "k,v\n1,x\n2,z\n", 2, "v", "y", "z"),  # a changed cell
        ("k,v\n1,x\n", "k,w\n1,x\n", 0, "#2", "v", "w"),  # header
        ("k,v\n1,x\n", "k,v\n1,x\n2,y\n", 2, "k", None, "2"),  # an extra row
        ("k,v\n1,x\n2,y\n", "k,v\n1,x\n", 2, "k", "2", None),  # a missing row
        ("k,v\n1,x\n", "k,v\n1,x,extra\n", 1, "#3", None, "extra"),  # a ragged row
        (
            'k,v\n1,"two\nlines"\n3,a\n',
            'k,v\n1,"two\nlines"\n3,b\n',
            2,
            "v",
            "a",
            "b",
        ),  # quoted \n
    ],
)
def test_first_differing_csv_cell(tmp_path, left, right, row, column, a, b):
    difference = verify.first_csv_difference(
        write(tmp_path / "l.csv", left), write(tmp_path / "r.csv", right)
    )
    assert difference == verify.CellDifference(row, column, a, b)


def test_equal_cells_in_different_bytes(tmp_path):
    left, right = (
        write(tmp_path / "a/t.csv", "k,v\n1,x\n"),
        write(tmp_path / "b/t.csv", 'k,v\n1,"x"\n'),
    )
    assert verify.first_csv_difference(left, right) is None
    message = verify.describe_difference("t.csv", tmp_path / "a", tmp_path / "b")
    assert "every cell equal" in message


def test_differences_are_described_per_kind(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a / "t.csv", "quantity,estimate\nslope,0.975200\n")
    write(b / "t.csv", "quantity,estimate\nslope,0.975201\n")
    write(a / "m.json", '{\n  "files": {"t.csv": {"rows": 1}}\n}\n')
    write(b / "m.json", '{\n  "files": {"t.csv": {"rows": 2}}\n}\n')
    write(a / "r.html", "<h1>x</h1>\n<p>" + "y" * 200 + "1</p>\n")
    write(b / "r.html", "<h1>x</h1>\n<p>" + "y" * 200 + "2</p>\n")
    write(a / "f.png", b"\x89PNG1")
    write(b / "f.png", b"\x89PNG22")
    comparison = verify.compare_checksums(
        verify.checksum_tree(a, folders=(".",)), verify.checksum_tree(b, folders=(".",))
    )
    assert comparison.changed == ["f.png", "m.json", "r.html", "t.csv"]
    lines = verify.report_builds(comparison, a, b)
    assert "t.csv: row 1, column 'estimate': '0.975200' (A) vs '0.975201' (B)" in lines
    assert "m.json: at files > t.csv > rows: 1 (A) vs 2 (B)" in lines
    # a long line is shown around its first difference
    assert "r.html: line 2: '…" + "y" * 30 + "1</p>' (A) vs '…" + "y" * 30 + "2</p>' (B)" in lines
    assert "f.png: binary content differs (5 bytes in A, 6 in B)" in lines


@pytest.mark.parametrize(
    "left, right, found",
    [
        ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}, (("b", 1), 2, 3)),
        ({"a": {"x": 1}}, {"a": {}}, (("a", "x"), 1, verify._ABSENT)),
        ({"a": 1}, {"a": 1.0}, (("a",), 1, 1.0)),
        ({"a": [1]}, {"a": [1]}, None),
    ],
)
def test_first_differing_json_value(left, right, found):
    assert verify.first_json_difference(left, right) == found


def test_cli_compare_names_the_file_row_and_column(tmp_path):
    for name, value in (("a", "0.1"), ("b", "0.2")):
        write(tmp_path / name / "results/analysis/t.csv", f"quantity,estimate\nx,1\ny,{value}\n")
        write(tmp_path / name / "report/report.html", "<p>same</p>\n")
    result = run_cli("compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.returncode == 1
    assert (
        "results/analysis/t.csv: row 2, column 'estimate': '0.1' (A) vs '0.2' (B)" in result.stdout
    )
    assert "report.html" not in result.stdout
    same = run_cli("compare", str(tmp_path / "a"), str(tmp_path / "a"))
    assert same.returncode == 0 and "identical: 2 files" in same.stdout


# ---- the two builds' conditions and the copy ----


def test_the_two_builds_differ_in_every_condition():
    first, second = verify.conditions(["C", "C.utf8", "POSIX"])
    assert first.folder != second.folder
    assert Path(first.folder).name != Path(second.folder).name
    assert first.cores != second.cores
    for key in ("PYTHONHASHSEED", "TZ", "LC_ALL"):
        assert first.env[key] != second.env[key], key
    assert "LC_ALL=C.UTF-8" in first.describe() and "--cores 2" in first.describe()
    # one build forks every job from the warm server, the other starts a new Python each
    assert first.env.get("UDSYN_WARM_START", "1") != second.env["UDSYN_WARM_START"]


@pytest.mark.parametrize(
    "available, chosen",
    [
        (["C", "C.utf8", "POSIX"], "C"),
        (["C", "C.utf8", "en_US.utf8", "da_DK.utf8"], "da_DK.utf8"),
        (["C", "de_DE.UTF-8"], "de_DE.UTF-8"),
    ],
)
def test_second_locale(available, chosen):
    assert verify.second_locale(available) == chosen


def test_build_env_sets_the_condition_and_drops_the_rest(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setenv("LC_NUMERIC", "da_DK.UTF-8")
    monkeypatch.setenv("MAKEFLAGS", "-j8")
    env = verify.build_env(verify.conditions([])[1])
    assert env["TZ"] == "Pacific/Chatham" and env["LC_ALL"] == "C"
    assert not {"SOURCE_DATE_EPOCH", "LC_NUMERIC", "MAKEFLAGS"} & set(env)


def test_sources_from_git_and_without_it(tmp_path):
    project = tmp_path / "p"
    write(project / "Snakefile", "x\n")
    write(project / "results/README.md", "r\n")
    write(project / "results/clean/t.csv", "generated\n")
    write(project / "report/report.html", "generated\n")
    write(project / "report/template.html.j2", "t\n")
    write(project / ".venv/bin/python", "")
    write(project / "logs/x.log", "")
    write(project / "results/.x.csv.tmp", "")
    expected = ["Snakefile", "report/template.html.j2", "results/README.md"]
    assert verify.source_files(project) == expected  # no git: the fixed ignore rules
    write(
        project / ".gitignore",
        ".venv/\nlogs/\nresults/*\n!results/README.md\nreport/report.html\n",
    )
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(["git", "-C", str(project), "add", "Snakefile"], check=True)
    write(project / "new_module.py", "untracked, not ignored: copied\n")
    assert verify.source_files(project) == sorted([".gitignore", "new_module.py", *expected])


def test_copy_shares_the_environment(tmp_path):
    project = tmp_path / "p"
    write(project / "requirements.lock", "x==1\n")
    write(project / ".venv/.installed", "")
    copy = tmp_path / "copy"
    verify.copy_sources(project, ["requirements.lock"], copy)
    assert (copy / ".venv").resolve() == (project / ".venv").resolve()
    assert (copy / "requirements.lock").stat().st_mtime_ns == (
        project / "requirements.lock"
    ).stat().st_mtime_ns


# ---- the manifest ----


def test_manifest_records_and_deterministic_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "data/raw/in.csv", 'a,b\n1,"x\ny"\n2,z\n')
    write(tmp_path / "results/out.csv", "a\n1\n")
    write(tmp_path / "results/f.png", b"\x89PNG")
    made = {
        "rule": "clean",
        "script": "workflow/scripts/clean.py",
        "inputs": ["data/raw/in.csv", "workflow/udsyn/core/files.py", "data/raw/in.csv"],
    }
    manifest = build_manifest(
        ["data/raw/in.csv"],
        {"results/out.csv": made, "results/f.png": {**made, "rule": "f"}},
        "pandas==3.0.0 \\\n    --hash=sha256:abc\n",
    )
    assert manifest["inputs"]["data/raw/in.csv"]["rows"] == 2
    out = manifest["outputs"]["results/out.csv"]
    assert out == {
        "sha256": sha(b"a\n1\n"),
        "bytes": 4,
        "rows": 1,
        "rule": "clean",
        "script": "workflow/scripts/clean.py",
        "inputs": ["data/raw/in.csv", "workflow/udsyn/core/files.py"],
    }
    assert manifest["outputs"]["results/f.png"]["rows"] is None
    assert manifest["software"]["python"] == platform.python_version()
    assert list(manifest["software"]["packages"]) == ["pandas"]
    text = manifest_json(manifest)
    assert text.endswith("}\n") and "\r" not in text
    assert text == manifest_json(json.loads(text))  # sorted keys, fixed indent
    assert text.index('"inputs"') < text.index('"outputs"') < text.index('"software"')


# ---- end to end ----


@pytest.mark.e2e
def test_manifest_is_complete(built):
    text = (built / "results/manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == manifest_json(manifest)
    results = {
        path.relative_to(built).as_posix()
        for path in (built / "results").rglob("*")
        if path.is_file()
    }
    assert set(manifest["outputs"]) == results - {"results/manifest.json"}
    assert "report/report.html" not in manifest["outputs"]
    assert set(manifest["not_listed"]) == {"results/manifest.json", "report/report.html"}
    raw = {path.relative_to(built).as_posix() for path in (built / "data/raw").rglob("*.csv")}
    read = {
        path
        for made in manifest["outputs"].values()
        for path in made["inputs"]
        if path.startswith(("data/", "config/"))
    }
    assert raw | read | {"config/config.yaml"} == set(manifest["inputs"])
    for path, record in {**manifest["inputs"], **manifest["outputs"]}.items():
        assert record["sha256"] == files.sha256_of(built / path), path
        assert record["bytes"] == (built / path).stat().st_size, path
        assert (record["rows"] is None) == (not path.endswith(".csv")), path
    for path, made in manifest["outputs"].items():
        assert made["rule"] and (built / made["script"]).is_file(), path
        assert made["inputs"] and all((built / p).is_file() for p in made["inputs"]), path
        assert "requirements.lock" in made["inputs"], path
    outputs = manifest["outputs"]
    assert outputs["results/clean/respondents.csv"]["rule"] == "clean"
    assert "data/raw/survey/dataset.csv" in outputs["results/clean/respondents.csv"]["inputs"]
    assert outputs["results/software_versions.csv"]["rule"] == "provenance"
    assert "results/analysis/headline.csv" in outputs["results/data_dictionary.csv"]["inputs"]
    lock = (built / "requirements.lock").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, flags=re.M))
    assert manifest["software"]["packages"] == pinned
    assert manifest["software"]["python"] == platform.python_version()


@pytest.mark.e2e
def test_the_shared_build_has_the_committed_bytes(built):
    """A build elsewhere gives the bytes `make verify`'s two builds gave: the shared
    build ran in another folder, under a hash seed and time zone neither of them used
    (conftest.SHARED_BUILD_ENV), and every generated file has the committed checksum.
    (After an intended change of an output: `make update-checksums`, and commit.)"""
    assert SHARED_BUILD_ENV["PYTHONHASHSEED"] not in {
        condition.env["PYTHONHASHSEED"] for condition in verify.conditions([])
    }
    assert SHARED_BUILD_ENV["TZ"] not in {
        condition.env["TZ"] for condition in verify.conditions([])
    }
    expected = verify.parse_checksums((ROOT / verify.EXPECTED).read_text(encoding="utf-8"))
    comparison = verify.compare_checksums(
        expected, verify.checksum_tree(built, set(verify.source_files(ROOT)))
    )
    assert comparison.identical, (
        f"not the committed bytes ({verify.EXPECTED}): changed {comparison.changed}, "
        f"new {comparison.added}, missing {comparison.removed}; if the change is intended, "
        "run `make update-checksums` and commit the checksums"
    )


@pytest.fixture
def sabotaged(built, tmp_path) -> tuple[Path, Path]:
    """Two builds of a project whose drivers table gets a random value written in:
    a built copy with the sabotaged script rebuilt, and a copy of that with the rule
    run again (the random value is drawn anew). (The drivers table: no figure is
    drawn from it, so only the rule, the report and the records run again.)"""
    first = tmp_path / "first"
    shutil.copytree(built, first, symlinks=True)
    script = first / "workflow/scripts/analysis_drivers.py"
    text = script.read_text(encoding="utf-8")
    marker = "    files.write_table(table, smk.output.table)"
    assert marker in text
    script.write_text(
        text.replace(
            marker,
            "    import random\n\n    table.loc[0, 'estimate'] = random.random()\n" + marker,
        ),
        encoding="utf-8",
    )
    rebuilt = snakemake(first, "--cores", "2")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    second = tmp_path / "second"
    shutil.copytree(first, second, symlinks=True)
    again = snakemake(second, "--cores", "1", "--forcerun", "drivers")
    assert again.returncode == 0, again.stdout + again.stderr
    return first, second


@pytest.mark.e2e
def test_a_nondeterministic_output_fails_the_comparison(sabotaged):
    first, second = sabotaged
    result = run_cli("compare", str(first), str(second))
    assert result.returncode == 1, result.stdout + result.stderr
    found = re.search(
        r"results/analysis/drivers\.csv: row 1, column 'estimate': "
        r"'(0\.\d+)' \(A\) vs '(0\.\d+)' \(B\)",
        result.stdout,
    )
    assert found and found.group(1) != found.group(2), result.stdout
    # what depends on the table differs with it, each named
    assert (
        "results/manifest.json: at outputs > results/analysis/drivers.csv > sha256"
        in result.stdout
    )
    for path in ("results/provenance.csv", "report/report.html"):
        assert f"  {path}: " in result.stdout, path
    for path in ("results/clean/respondents.csv", "results/analysis/headline.csv"):
        assert path not in result.stdout, path
    # and against the committed checksums, the sabotaged table is named too
    check = run_cli("check", str(first))
    assert check.returncode == 1 and "results/analysis/drivers.csv: sha256" in check.stdout


@pytest.mark.e2e
def test_rulegraph_doc_is_current(tmp_path):
    project = copy_project(tmp_path / "graph")
    result = make(project, "rulegraph")
    assert result.returncode == 0, result.stdout + result.stderr
    written = (project / "docs/rulegraph.md").read_text(encoding="utf-8")
    assert "```mermaid" in written and "id0[all]" in written and "[manifest]" in written
    assert written == (ROOT / "docs/rulegraph.md").read_text(encoding="utf-8"), (
        "docs/rulegraph.md is out of date: run `make rulegraph`"
    )


def test_profiles():
    default = yaml.safe_load((ROOT / "profiles/default/config.yaml").read_text(encoding="utf-8"))
    assert default["cores"] >= 1 and set(default["quiet"]) == {"host", "rules"}
    slurm = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text(encoding="utf-8"))
    assert slurm["executor"] == "slurm" and slurm["slurm-status-command"] == "squeue"
    assert {"slurm_partition", "mem_mb", "runtime"} <= set(slurm["default-resources"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--workflow-profile $(PROFILE)" in makefile and "--quiet host" not in makefile


def test_ci_verifies_after_testing():
    steps = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip().startswith("make ")
    ]
    assert steps[:2] == ["make test", "make verify"]  # then make test-slurm (test_slurm_check)
