"""The report's message catalogue, kept in step with its sources: extracts every
message with Babel (the template's {% trans %} blocks, the drawing code's _()
calls, the words of workflow/figures.yaml, report/estimands.yaml and the
codebook; udsyn.report.i18n.METHOD_MAP), writes report/locale/report.pot, and
updates each language's .po: translations kept, new messages added empty (to be
translated), messages no longer in the sources dropped.

    python -m tools.catalogue [--check]   (or: make catalogue)

--check changes nothing and fails when the .pot or a .po is out of step, or a
message has no translation or a fuzzy one (the unit tests check the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from udsyn.report import i18n

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_HEADER = (
    "Messages of the udsyn report, extracted from their sources by python -m tools.catalogue;\n"
    "not edited by hand (the translations are in <locale>/LC_MESSAGES/report.po)."
)
HEADER = (
    "The {locale} text of the udsyn report: every message of the report's template, figures,\n"
    "figure manifest, estimands and codebook (report/locale/report.pot) with its translation.\n"
    "Translate here; python -m tools.catalogue adds new messages and drops stale ones."
)


def untranslated(catalog) -> list[str]:
    """Messages without a usable translation: empty, or marked fuzzy."""
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if stale")
    args = parser.parse_args(argv)
    template = i18n.extract_catalog(ROOT)
    wanted = {ROOT / i18n.TEMPLATE_FILE: i18n.po_bytes(template, TEMPLATE_HEADER)}
    problems = []
    for locale in i18n.LOCALES:
        if locale == i18n.SOURCE_LOCALE:
            continue
        path = i18n.catalogue_path(locale, ROOT)
        catalog, dropped = i18n.update(template, path, locale)
        wanted[path] = i18n.po_bytes(catalog, HEADER.format(locale=locale))
        for message in dropped:
            problems.append(
                f"{path.relative_to(ROOT)}: dropped, no longer in the sources: {message!r}"
            )
        for message in untranslated(catalog):
            problems.append(f"{path.relative_to(ROOT)}: no translation: {message!r}")
    stale = [p for p, data in wanted.items() if not p.exists() or p.read_bytes() != data]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of step with the sources", file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        if stale or problems:
            print("run python -m tools.catalogue and translate the new messages", file=sys.stderr)
            return 1
        return 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    for problem in problems:
        print(problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
