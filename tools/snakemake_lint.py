"""Snakemake's linter, less the one finding udsyn answers otherwise (``make lint``).

Snakemake asks for a conda environment or container per rule. udsyn's environment
is the pinned, hash-checked ``requirements.lock`` that ``make`` installs into
``.venv/`` (and every rule declares the lock as an input), so that finding is
expected on every rule; any other finding fails.

    python -m tools.snakemake_lint
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ANSWERED = "conda environment or container"


def findings(text: str) -> list[str]:
    """Every finding (the ``* ...`` lines) of Snakemake's text linter output."""
    return re.findall(r"^    \* (.+?):?$", text, flags=re.M)


def unexpected(found: list[str]) -> list[str]:
    return [finding for finding in found if ANSWERED not in finding]


def main() -> int:
    snakemake = Path(sys.executable).parent / "snakemake"
    result = subprocess.run(
        [str(snakemake), "--lint"], capture_output=True, text=True, timeout=300
    )
    found = findings(result.stdout + result.stderr)
    if not found:
        print(
            "udsyn: Snakemake's linter printed no findings: did it run?\n" + result.stderr[-2000:],
            file=sys.stderr,
        )
        return 1
    other = unexpected(found)
    for finding in other:
        print(f"snakemake --lint: {finding}", file=sys.stderr)
    if other:
        print(result.stdout + result.stderr, file=sys.stderr)
        return 1
    print(
        f"snakemake --lint: {len(found)} findings, all '{ANSWERED}' (the lock is the environment)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
