"""Provenance records: checksums, sizes, record counts and makers; versions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from udsyn.report.provenance import (
    build_manifest,
    count_records,
    export_rows,
    locked_packages,
    provenance_table,
    software_versions,
)


def test_records_not_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    assert count_records(path) == 2
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert count_records(tmp_path / "empty.csv") == 0


def test_the_exports_rows_are_the_ones_validate_read(tmp_path, monkeypatch):
    """A ;-separated export whose quoted text has a comma and a line break: a comma
    reader would count its lines wrongly; provenance and the manifest take the rows
    the validate rule read with the dialect it detected."""
    monkeypatch.chdir(tmp_path)
    export = Path("dataset.csv")
    export.write_text('id;q1;text\n1;2;"a, b\nand a line"\n2;1;"c"\n', encoding="utf-8")
    assert count_records(export) != 2  # what a comma reader makes of it
    checks = pd.DataFrame(
        [
            {
                "file": "dataset.csv",
                "rows": 2,
                "sha256": hashlib.sha256(export.read_bytes()).hexdigest(),
            }
        ]
    )
    rows_read = export_rows(checks)
    assert rows_read == {"dataset.csv": 2}
    assert provenance_table(["dataset.csv"], {}, rows_read).loc[0, "rows"] == 2
    manifest = build_manifest(["dataset.csv"], {}, "pandas==3.1.1\n", rows_read)
    assert manifest["inputs"]["dataset.csv"]["rows"] == 2
    export.write_text("id;q1\n", encoding="utf-8")  # changed after validate read it
    with pytest.raises(ValueError, match="changed after the validate rule read it"):
        export_rows(checks)


def test_provenance_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.csv").write_text("x\n1\n2\n", encoding="utf-8")
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    table = provenance_table(["b.csv", "a.png", "b.csv"], {"b.csv": "clean"})
    assert list(table["path"]) == ["a.png", "b.csv"]
    assert list(table["rule"]) == ["input", "clean"]
    assert table.loc[1, "rows"] == 2 and table["rows"].isna().iloc[0]
    assert table.loc[0, "bytes"] == 4
    assert table.loc[1, "sha256"] == hashlib.sha256(b"x\n1\n2\n").hexdigest()


def test_versions_of_locked_packages():
    lock = "pandas==3.1.1 \\\n    --hash=sha256:abc\n# via x\npytest==9.2.0 \\\n"
    assert locked_packages(lock) == ["pandas", "pytest"]
    versions = software_versions(lock).set_index("package")["version"]
    assert list(versions.index) == ["python", "pandas", "pytest"]
    assert versions["python"].startswith("3.11")
    assert versions["pandas"] != "not installed"


def _udsyn_imports(path: Path, seen: set[str]) -> set[str]:
    """The udsyn modules a file imports, transitively (by reading the source), as
    "stage/module" paths under workflow/udsyn/."""
    import ast

    package = ROOT / "workflow" / "udsyn"

    def module_of(dotted: str) -> str | None:
        relative = dotted.removeprefix("udsyn.").replace(".", "/")
        return relative if (package / f"{relative}.py").exists() else None

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("udsyn"):
            module = module_of(node.module)
            if module:  # from udsyn.stage.module import names
                found.add(module)
            else:  # from udsyn.stage import module
                found |= {m for a in node.names if (m := module_of(f"{node.module}.{a.name}"))}
        elif isinstance(node, ast.Import):
            found |= {m for a in node.names if (m := module_of(a.name))}
    for module in sorted(found - seen):
        seen.add(module)
        found |= _udsyn_imports(package / f"{module}.py", seen)
    return found


@pytest.mark.e2e
def test_every_rule_declares_the_package_modules_its_script_imports(built):
    """Snakemake does not track imports: a module missing from a rule's code inputs
    would not rerun the rule when the module changes."""
    manifest = json.loads((built / "results/manifest.json").read_text(encoding="utf-8"))
    checked = set()
    for path, record in manifest["outputs"].items():
        if not record.get("script") or record["rule"] in checked:
            continue
        checked.add(record["rule"])
        imported = _udsyn_imports(ROOT / record["script"], set())
        declared = {
            p.removeprefix("workflow/udsyn/").removesuffix(".py")
            for p in record["inputs"]
            if p.startswith("workflow/udsyn/")
        }
        assert imported <= declared, (record["rule"], sorted(imported - declared))
    assert {"multiverse_batch", "figure_headline", "clean"} <= checked
