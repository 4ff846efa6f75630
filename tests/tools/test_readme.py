"""The README's generated lists are current (figures and tables, software)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from tools.readme import (
    calibration_table,
    figures_and_tables,
    markers,
    outputs_list,
    replace_block,
    software_table,
)


def test_replace_block_only_touches_its_block():
    begin, end = markers("x")
    text = f"intro\n{begin}\nold\n{end}\noutro\n"
    assert replace_block(text, "x", "new") == f"intro\n{begin}\nnew\n{end}\noutro\n"


def test_tables_name_rule_program_and_files():
    figures = {
        "headline": {
            "title": "Share",
            "function": "headline",
            "outputs": {
                "png": "results/figures/headline.png",
                "svg": "results/figures/headline.svg",
            },
            "data": {"headline": "results/analysis/headline.csv"},
        }
    }
    outputs = {
        "results/figures/headline.png": {
            "rule": "figure_headline",
            "script": "workflow/scripts/figure.py",
        },
        "results/analysis/headline.csv": {
            "rule": "headline",
            "inputs": ["results/derived/municipalities.csv", "workflow/udsyn/analysis/stats.py"],
            "script": "workflow/scripts/analysis_headline.py",
        },
    }
    table = figures_and_tables(figures, outputs)
    assert "| Figure: Share | `figure_headline` | `workflow/scripts/figure.py`" in table
    assert (
        "| Table: headline | `headline` | `workflow/scripts/analysis_headline.py` | "
        "`results/analysis/headline.csv` | `results/derived/municipalities.csv` |"
    ) in table
    assert "| pandas | 3.1.1 |" in software_table(
        {"python": "3.11.7", "packages": {"pandas": "3.1.1"}}, ["pandas"]
    )


@pytest.mark.e2e
def test_readme_lists_are_current(built):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.readme",
            "--check",
            "--provenance",
            str(built / "results/manifest.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": ""},
    )
    assert result.returncode == 0, result.stderr + " (run `make readme`)"


def test_the_short_list_names_every_figure_and_analysis_table():
    figures = {"headline": {"title": "Share", "outputs": {"png": "results/figures/headline.png"}}}
    outputs = {
        "results/clean/summary.csv": {},
        "results/analysis/item_missingness.csv": {},
        "results/analysis/headline.csv": {},
    }
    listed = outputs_list(figures, outputs)
    assert "| Share | `headline.png` |" in listed
    assert (
        listed.splitlines()[-1]
        == "| the analysis tables | `headline.csv`, `item_missingness.csv` |"
    )
    assert "summary.csv" not in listed  # not an analysis table


def test_the_calibration_table_reads_coverage_and_power_of_one_variant():
    summary = [
        {
            "variant": "truth",
            "kind": "coverage",
            "name": "crisis_difference",
            "truth": "0.17",
            "value": "0.925",
            "mcse": "0.019",
        },
        {
            "variant": "truth",
            "kind": "power",
            "name": "crisis_difference_excludes_0",
            "truth": "0.17",
            "value": "0.35",
            "mcse": "0.03",
        },
        {
            "variant": "truth",
            "kind": "coverage",
            "name": "multiverse_shift",
            "truth": "0.39",
            "value": "0.94",
            "mcse": "0.017",
        },
        {
            "variant": "truth",
            "kind": "rejection",
            "name": "multiverse_shift_holds",
            "truth": "0.39",
            "value": "0.975",
            "mcse": "0.01",
        },
        {
            "variant": "no_effect",
            "kind": "coverage",
            "name": "crisis_difference",
            "truth": "0",
            "value": "0.5",
            "mcse": "0.03",
        },
    ]
    table = calibration_table(summary)
    assert "| `crisis_difference` | 0.925 ± 0.019 | 0.35 |" in table
    assert "| `multiverse_shift` | 0.940 ± 0.017 | 0.97 |" in table  # rounded
    assert "0.500" not in table  # the other variant is not shown


DOCUMENTS = [
    "README.md",
    "config/README.md",
    "report/README.md",
    "benchmarks/README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "data").rglob("README.md")),
]


def test_the_readme_reads_in_ten_minutes():
    assert len((ROOT / "README.md").read_text(encoding="utf-8")) < 12_000


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_resolves_inside_the_project(document):
    path = ROOT / document
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    for link in links:
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue  # a web address or an anchor in the same page
        target = (path.parent / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), f"{document} links outside the project: {link}"
        assert target.exists(), f"{document}: the link {link} goes nowhere"


def test_no_reference_to_work_items():
    """A reader of the project has no issue list: no work-item numbers in its files."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in tracked:
        if not name.endswith(
            (".md", ".py", ".smk", ".yaml", ".j2", ".toml", ".cfg")
        ) and name not in ("Snakefile", "Makefile"):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        found += [
            f"{name}: {m.group(0)}"
            for m in re.finditer(r"\bissues? #?\d+\b|\(#\d+\)", text, flags=re.I)
            # an upstream project's issue (e.g. statsmodels issue #7798) is a citation
            if not re.search(
                r"(statsmodels|snakemake|pandas|matplotlib|github)\S* $",
                text[max(0, m.start() - 30) : m.start()],
                flags=re.I,
            )
        ]
    assert not found, found
