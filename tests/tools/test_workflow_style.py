"""The code follows the standards: `make lint` passes (ruff, ruff format, snakefmt
and `snakemake --lint`, which finds nothing but the conda/container request: udsyn
uses a pinned pip lock instead; see docs/pipeline.md, "The environment")."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT


def test_snakemake_lint_filter_keeps_every_finding_but_the_conda_one():
    from tools.snakemake_lint import findings, unexpected

    text = (
        "Lints for rule clean (line 1, workflow/rules/clean.smk):\n"
        "    * Specify a conda environment or container for each rule.:\n"
        "      This way, ...\n"
        "Lints for snakefile workflow/rules/common.smk:\n"
        "    * Mixed rules and functions in same snakefile.:\n"
    )
    found = findings(text)
    assert len(found) == 2
    assert unexpected(found) == ["Mixed rules and functions in same snakefile."]


def test_make_lint_passes():
    """ruff (lint and format), snakefmt and Snakemake's linter, as `make lint` runs them
    (-o: the environment is taken as installed, never rebuilt by a test)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "lint"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _list_in(text: str, name: str) -> list[str]:
    block = re.search(rf"^{name} = \[\n(.*?)^\]", text, flags=re.S | re.M).group(1)
    return re.findall(r'^    "(results/[^"]+)",$', block, flags=re.M)


def _outputs(rule_file: str) -> list[str]:
    """The plain (wildcard-free) output paths the rules of one file declare."""
    text = (ROOT / "workflow/rules" / rule_file).read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^    output:\n(.*?)^    log:", text, flags=re.S | re.M):
        found += [p for p in re.findall(r'"(results/[^"]+)"', block) if "{" not in p]
    return found


def test_the_target_lists_in_common_smk_are_exactly_the_rules_outputs():
    """common.smk computes every target list before any rule is defined, typing the
    paths once more; they must stay the paths the rules write."""
    common = (ROOT / "workflow/rules/common.smk").read_text(encoding="utf-8")
    assert sorted(_list_in(common, "ANALYSIS_TABLES")) == sorted(_outputs("analysis.smk"))
    assert sorted(_list_in(common, "CLEAN_TABLES")) == sorted(_outputs("clean.smk"))
    multiverse = [p for p in _outputs("multiverse.smk")]
    assert sorted(_list_in(common, "MULTIVERSE_TABLES")) == sorted(multiverse)
    assert _list_in(common, "ANALYSIS_TABLES")  # the lists were found at all


def test_no_rule_file_defines_what_another_needs_first():
    """No include-order dependence: the target lists, the multiverse plan and the
    figure manifest are computed in common.smk; the rule files only use them."""
    shared = (
        "ANALYSIS_TABLES",
        "MULTIVERSE_TABLES",
        "CLEAN_TABLES",
        "MULTIVERSE_PLAN",
        "WILDCARD_VALUES",
        "FIGURE_MANIFEST",
        "FIGURES",
        "FIGURE_GROUPS",
        "DUPLICATE_RULES",
        "MAIN_SPECIFICATION",
    )
    for path in (ROOT / "workflow/rules").glob("*.smk"):
        if path.name == "common.smk":
            continue
        text = path.read_text(encoding="utf-8")
        for name in shared:
            assert not re.search(
                rf"^{name}(\[[^\]]*\])? *=|^{name}\.(append|extend)", text, flags=re.M
            ), f"{path.name} defines {name}"
