"""The README's generated lists are current (figures and tables, software)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from udsyn.readme import figures_and_tables, markers, replace_block, software_table


def test_replace_block_only_touches_its_block():
    begin, end = markers("x")
    text = f"intro\n{begin}\nold\n{end}\noutro\n"
    assert replace_block(text, "x", "new") == f"intro\n{begin}\nnew\n{end}\noutro\n"


def test_tables_name_rule_program_and_files():
    figures = {"headline": {"title": "Share", "function": "headline",
                            "outputs": {"png": "results/figures/headline.png",
                                        "svg": "results/figures/headline.svg"},
                            "data": {"headline": "results/analysis/headline.csv"}}}
    outputs = {"results/figures/headline.png": {"rule": "figure_headline",
                                                "script": "workflow/scripts/figure.py"},
               "results/analysis/headline.csv": {"rule": "headline", "inputs": [
                   "results/derived/municipalities.csv", "workflow/udsyn/stats.py"],
                   "script": "workflow/scripts/analysis_headline.py"}}
    table = figures_and_tables(figures, outputs)
    assert "| Figure: Share | `figure_headline` | `workflow/scripts/figure.py`" in table
    assert ("| Table: headline | `headline` | `workflow/scripts/analysis_headline.py` | "
            "`results/analysis/headline.csv` | `results/derived/municipalities.csv` |") in table
    assert "| pandas | 3.1.1 |" in software_table(
        {"python": "3.11.7", "packages": {"pandas": "3.1.1"}}, ["pandas"])


@pytest.mark.e2e
def test_readme_lists_are_current(built):
    result = subprocess.run([sys.executable, "-m", "udsyn.readme", "--check",
                             "--provenance", str(built / "results/manifest.json")],
                            cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "workflow"), "PATH": ""})
    assert result.returncode == 0, result.stderr + " (run `make readme`)"
