"""The harness every rule script runs in.

A rule script defines ``main(smk, log)`` and ends with ``run(main, snakemake)``.
Messages go to the rule's log file. An ``InputError`` (bad input: the user's
to fix) is printed as its plain message, without a traceback, to the log and
to the terminal, and the job fails with exit code 1. Any other exception is a
bug in udsyn and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from udsyn.core.errors import InputError


def run(main: Callable[[Any, logging.Logger], None], smk: Any) -> None:
    log = logging.getLogger(f"udsyn.{smk.rule}")
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(smk.log[0], mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        main(smk, log)
    except InputError as error:
        log.error("%s", error)
        print(f"\nError in rule {smk.rule}:\n{error}\n", file=sys.stderr)
        sys.exit(1)
    except Exception:
        log.exception("unexpected error (a bug in udsyn: please report it)")
        raise
    finally:
        handler.close()


def data_origin(synthetic: bool) -> str:
    """The value of every output's ``data_origin`` column."""
    return "synthetic" if synthetic else "real"
