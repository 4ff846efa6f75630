"""The raw layer is immutable and documented: every committed file's sha256
is the one data/raw/README.md lists, and the register keeps its known facts."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from udsyn import io

RAW = ROOT / "data" / "raw"
README = (RAW / "README.md").read_text(encoding="utf-8")
LISTED = dict(re.findall(r"\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|", README))


def test_every_raw_file_is_listed():
    files = {str(p.relative_to(RAW)) for p in RAW.rglob("*") if p.is_file() and p.name != "README.md"
             and p.parent.name != "__pycache__"}
    assert files == set(LISTED)


@pytest.mark.parametrize("name", sorted(LISTED))
def test_checksum_matches_readme(name):
    assert io.sha256_of(RAW / name) == LISTED[name], f"{name} changed: update data/raw/README.md"


def test_register_facts(register):
    assert register["region"].value_counts().to_dict() == {
        "Hovedstaden": 29, "Syddanmark": 22, "Midtjylland": 19, "Sjælland": 17, "Nordjylland": 11}
    assert register["population_2007"].sum() + 95 == 5_447_084  # + Christiansø = DST national
    assert register["n_premerger"].sum() == 270
    assert (register["n_premerger"] == 1).sum() == 33


def test_register_is_an_unchanged_copy_of_the_reference():
    reference = ROOT.parent / "shared" / "reference" / "municipalities.csv"
    if not reference.exists():
        pytest.skip("the shared reference is not beside this checkout")
    assert io.sha256_of(reference) == io.sha256_of(RAW / "register" / "municipalities.csv")
