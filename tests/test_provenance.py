"""Provenance records: checksums, sizes, record counts and makers; versions."""

from __future__ import annotations

import hashlib

from udsyn.provenance import count_records, locked_packages, provenance_table, software_versions


def test_records_not_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    assert count_records(path) == 2
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert count_records(tmp_path / "empty.csv") == 0


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
