"""The raw layer is immutable and documented: every committed file's sha256
is the one data/raw/README.md lists, and the register keeps its known facts."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from udsyn.core import files

RAW = ROOT / "data" / "raw"
README = (RAW / "README.md").read_text(encoding="utf-8")
LISTED = dict(re.findall(r"\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|", README))


def test_every_raw_file_is_listed():
    files = {
        str(p.relative_to(RAW))
        for p in RAW.rglob("*")
        if p.is_file() and p.name != "README.md" and p.parent.name != "__pycache__"
    }
    assert files == set(LISTED)


@pytest.mark.parametrize("name", sorted(LISTED))
def test_checksum_matches_readme(name):
    assert files.sha256_of(RAW / name) == LISTED[name], (
        f"{name} changed: update data/raw/README.md"
    )


def test_register_facts(register):
    assert register["region"].value_counts().to_dict() == {
        "Hovedstaden": 29,
        "Syddanmark": 22,
        "Midtjylland": 19,
        "Sjælland": 17,
        "Nordjylland": 11,
    }
    assert register["population_2007"].sum() + 95 == 5_447_084  # + Christiansø = DST national
    assert register["n_premerger"].sum() == 270
    assert (register["n_premerger"] == 1).sum() == 33


def test_register_is_an_unchanged_copy_of_the_reference():
    reference = ROOT.parent / "shared" / "reference" / "municipalities.csv"
    if not reference.exists():
        pytest.skip("the shared reference is not beside this checkout")
    assert files.sha256_of(reference) == files.sha256_of(RAW / "register" / "municipalities.csv")


def predecessors_in_sources() -> list[tuple[str, str, str, str, str]]:
    """The section n_premerger of the register's SOURCES file, as predecessor rows."""
    text = (RAW / "register" / "municipalities_SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## n_premerger")[1].split("\n## ")[0]
    rows = []
    for new_code, new_name, rest in re.findall(
        r"^- (\d{3}) (.+?): n=\d+ — (.+)$", section, flags=re.M
    ):
        counted, _, part = rest.partition("; part only (not counted): ")
        for share, items in (("counted", counted), ("part", part)):
            for item in filter(None, items.split(", ")):
                old_name, old_code = re.fullmatch(r"(.+) (\d{3})", item).groups()
                rows.append((old_code, old_name, new_code, new_name, share))
    return sorted(rows, key=lambda row: (int(row[0]), int(row[2])))


def test_predecessors_are_the_sources_list(register):
    table = files.read_text_table(RAW / "register" / "predecessors.csv")
    assert list(table.columns) == ["old_code", "old_name", "new_code", "new_name", "share"]
    assert [tuple(row) for row in table.itertuples(index=False)] == predecessors_in_sources()
    names = dict(zip(register["code"].astype(str), register["name"]))
    assert all(names[code] == name for code, name in zip(table["new_code"], table["new_name"]))
    # each old municipality counted once; the split ones listed under every successor
    counted = table[table["share"] == "counted"]
    assert counted["old_code"].is_unique and set(counted["old_code"]) == set(table["old_code"])
    assert table.groupby("old_code")["new_code"].nunique().gt(1).sum() == 13
    # counted predecessors per successor = the register's n_premerger (Ærø: 2 merged in 2006)
    per_successor = counted.groupby(counted["new_code"].astype(int)).size()
    n_premerger = register.set_index("code")["n_premerger"]
    differs = {code for code, n in per_successor.items() if n_premerger[code] != n}
    assert differs == {492}
    assert set(n_premerger[n_premerger > 1].index) <= set(per_successor.index)
