"""The report's languages: the message catalogue, localised file names, and the
one place where a number is formatted for a locale other than English.

The English text is the source: the template's ``{% trans %}`` blocks, the
``_()`` calls of the drawing code and the words of ``workflow/figures.yaml`` and
``report/estimands.yaml`` are the catalogue's message ids. The Danish text lives
in one file, ``report/locale/da/LC_MESSAGES/report.po``, read here at build time
(compiled in memory: no binary ``.mo`` file in the repository). An English
build uses no catalogue at all, so its output does not depend on the ``.po``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from babel.messages import extract, pofile
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations

ROOT = Path(__file__).resolve().parents[3]
SOURCE_LOCALE = "en"
LOCALES = ("en", "da")
# Each language's name in itself, for the link from one report to the other.
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}
DOMAIN = "report"
CATALOGUE_DIR = "report/locale"
TEMPLATE_FILE = f"{CATALOGUE_DIR}/{DOMAIN}.pot"
# Where the messages are: the report's templates, the drawing code, and the words
# of the figure manifest, the estimands, the codebook and the config's size classes
# (Babel's method map, as a babel.cfg would give it, with each YAML file's
# reader-facing keys and sections).
METHOD_MAP = [
    ("report/*.j2", "jinja2.ext:babel_extract"),
    ("workflow/udsyn/report/figures.py", "python"),
    ("workflow/udsyn/report/html.py", "python"),
    ("workflow/udsyn/report/i18n.py", "python"),
    ("workflow/figures.yaml", "udsyn.report.i18n:extract_yaml"),
    ("report/estimands.yaml", "udsyn.report.i18n:extract_yaml"),
    ("config/questionnaire.yaml", "udsyn.report.i18n:extract_yaml"),
    ("config/config.yaml", "udsyn.report.i18n:extract_yaml"),
]
# The Jinja2 extractor must see the template as the report's environment does.
JINJA_OPTIONS = {"trimmed": "true", "trim_blocks": "true", "lstrip_blocks": "true"}
# YAML: the keys whose text a reader sees (the rest are identifiers, paths and
# formats), and the sections read whole.
FIGURE_WORDS = {"keys": "title caption alt", "sections": "labels"}
YAML_OPTIONS = {
    "workflow/figures.yaml": FIGURE_WORDS,
    "report/estimands.yaml": {
        "keys": "title estimand symbols population assumptions cannot_say text",
        "sections": "calibration_notes",
    },
    "config/questionnaire.yaml": {"keys": "english", "sections": ""},
    # the size classes' names, shown as categories (a config file of one's own
    # with other names gets them as written)
    "config/config.yaml": {"keys": "size_labels", "sections": ""},
}
ESTIMAND_KEYS = YAML_OPTIONS["report/estimands.yaml"]["keys"].split()


def catalogue_path(locale: str, root: str | Path = ".") -> Path:
    """The catalogue (``.po``) of a locale, e.g. report/locale/da/LC_MESSAGES/report.po."""
    return Path(root) / CATALOGUE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def localised(path: str, locale: str) -> str:
    """A built file's name in a locale: the English one as it is, any other with
    the locale before the suffix (report/report.html -> report/report.da.html)."""
    if locale == SOURCE_LOCALE:
        return path
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}.{locale}{dot}{suffix}"


def translations(locale: str, po_path: str | Path | None = None) -> NullTranslations:
    """The translations of ``locale`` from its ``.po`` file (English: none). A
    fuzzy or empty entry is not used (it would show English), and the tests
    require none."""
    if locale == SOURCE_LOCALE:
        return NullTranslations()
    path = Path(po_path) if po_path is not None else catalogue_path(locale, ROOT)
    with open(path, "rb") as handle:
        catalog = pofile.read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def translate_words(tree: Any, gettext: Callable[[str], str], keys: Iterable[str] | None = None):
    """``tree`` (a YAML document or part of one) with its reader-facing strings
    translated: the values under ``keys`` (default: every string)."""
    keys = None if keys is None else set(keys)

    def walk(item: Any, key: str | None, inside: bool) -> Any:
        if isinstance(item, str):
            return gettext(item) if inside else item
        if isinstance(item, list):
            return [walk(part, key, inside) for part in item]
        if isinstance(item, dict):
            return {
                name: walk(part, name, inside or keys is None or name in keys)
                for name, part in item.items()
            }
        return item

    return walk(tree, None, keys is None)


def yaml_messages(
    document: Mapping[str, Any], keys: Iterable[str], sections: Iterable[str] = ()
) -> Iterator[str]:
    """The strings of a YAML document a reader sees: the values of ``keys``
    anywhere, and every string of the top-level ``sections``."""
    keys, sections = set(keys), set(sections)

    def walk(item: Any, key: str | None, inside: bool) -> Iterator[str]:
        if isinstance(item, str):
            if inside or key in keys:
                yield item
        elif isinstance(item, list):
            for part in item:
                yield from walk(part, key, inside)
        elif isinstance(item, dict):
            for name, part in item.items():
                yield from walk(part, name, inside)

    for section, part in document.items():
        yield from walk(part, section, section in sections)


def extract_yaml(fileobj, keywords, comment_tags, options):
    """A Babel extractor for the words of a YAML file; ``options``: ``keys`` and
    ``sections``, space-separated (YAML_OPTIONS). Line numbers are not tracked (0)."""
    document = yaml.safe_load(fileobj.read().decode("utf-8"))
    keys, sections = options.get("keys", "").split(), options.get("sections", "").split()
    for message in dict.fromkeys(yaml_messages(document, keys, sections)):
        yield 0, None, message, []


def extract_catalog(root: str | Path = ROOT) -> Catalog:
    """Every message of the report, extracted with Babel from the sources of
    METHOD_MAP: what the ``.pot`` file holds and the ``.po`` must translate."""
    catalog = Catalog(domain=DOMAIN, project="udsyn", fuzzy=False)
    options = {"report/*.j2": JINJA_OPTIONS, **YAML_OPTIONS}
    for filename, lineno, message, comments, context in extract.extract_from_dir(
        str(root), method_map=METHOD_MAP, options_map=options
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_bytes(catalog: Catalog, header: str) -> bytes:
    """A catalogue as a ``.po``/``.pot`` file: messages sorted, no dates or tool
    versions (the same messages give the same bytes), ``header`` as its comment."""
    buffer = io.BytesIO()
    pofile.write_po(
        buffer, catalog, width=88, omit_header=True, sort_output=True, include_lineno=False
    )
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    meta = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
    if catalog.locale is not None:
        meta += f'"Language: {catalog.locale}\\n"\n'
    return (comment + meta + "\n").encode("utf-8") + buffer.getvalue()


def update(template: Catalog, po_path: str | Path, locale: str) -> tuple[Catalog, list[str]]:
    """The ``.po`` of ``locale`` brought in step with ``template``: its translations
    kept, new messages added untranslated, messages no longer in the sources
    dropped (returned, so the caller can say which)."""
    path = Path(po_path)
    old = Catalog(locale=locale, domain=DOMAIN)
    if path.exists():
        with open(path, "rb") as handle:
            old = pofile.read_po(handle, locale=locale, domain=DOMAIN)
    catalog = Catalog(locale=locale, domain=DOMAIN, project="udsyn", fuzzy=False)
    for message in template:
        if not message.id:
            continue
        previous = old.get(message.id, message.context)
        catalog.add(
            message.id,
            previous.string if previous is not None else "",
            message.locations,
            flags=previous.flags if previous is not None else (),
            context=message.context,
        )
    dropped = [m.id for m in old if m.id and template.get(m.id, m.context) is None]
    return catalog, dropped


# ------------------------------------------------------------------ words in results files
# The analysis writes a few phrases into its tables (the start periods of
# udsyn.analysis.claims.start_periods); a report in another language shows them
# translated. Each is a pattern with its message, marked for the catalogue.


def N_(message: str) -> str:
    """Marks a message for the catalogue; translated where it is used."""
    return message


DATA_PHRASES = [
    (re.compile(r"^before (?P<year>\d{4})$"), N_("before {year}")),
    (re.compile(r"^(?P<year>\d{4}) on$"), N_("{year} on")),
    # data_origin, in every table
    (re.compile(r"^synthetic$"), N_("synthetic")),
    (re.compile(r"^real$"), N_("real")),
    # the units of results/analysis/item_missingness.csv
    (re.compile(r"^respondents$"), N_("respondents")),
    (re.compile(r"^reported initiatives$"), N_("reported initiatives")),
]


def data_words(text: Any, gettext: Callable[[str], str]) -> Any:
    """A phrase the analysis wrote into a table, translated (other values as they are)."""
    if not isinstance(text, str):
        return text
    for pattern, message in DATA_PHRASES:
        found = pattern.match(text)
        if found:
            return gettext(message).format(**found.groupdict())
    return text
