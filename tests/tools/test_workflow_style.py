"""The Snakemake files follow the standards: snakefmt-formatted, and
`snakemake --lint` finds nothing but the conda/container request (udsyn uses a
pinned pip lock instead; see docs/pipeline.md, "The environment")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent
SNAKEFILES = ["Snakefile", "workflow/calibration.smk",
              *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "workflow/rules").glob("*.smk"))]


def test_snakefiles_are_formatted():
    result = subprocess.run([BIN / "snakefmt", "--check", *SNAKEFILES], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_finds_only_the_conda_request():
    result = subprocess.run([BIN / "snakemake", "--lint"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    findings = re.findall(r"^    \* (.+?):?$", result.stdout + result.stderr, flags=re.M)
    assert findings, "the linter printed nothing: did it run?"
    other = [f for f in findings if "conda environment or container" not in f]
    assert not other, other
