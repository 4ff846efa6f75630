"""Every number in the report is a link to the cell it was read from.

The built report (and every other ``report/report*.html``, e.g. a translation)
is parsed; each digit in its text and tables, outside the parts that are not
results (below, each with its reason), must sit inside a citation link whose
appendix entry names a file, row and column (or a configuration key, or a
formula over other entries); the cell is read again from that file and
formatted with the link's format, and must read exactly as shown.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import edit_keeping_time, render_report_again

from udsyn.core import files
from udsyn.report import numbers
from udsyn.report.citations import config_lookup, evaluate

pytestmark = pytest.mark.e2e

# Parts of the page that are not results: never checked.
SKIPPED_TAGS = {"style", "script", "code", "title", "head"}
SKIPPED_IDS = {
    "provenance-numbers": "the appendix of citations itself (file rows, sha256)",
    "file-indexes": "the files' index, data dictionary, checksums and software versions",
    "free-text": "respondents' own words, shown verbatim",
}
SKIPPED_CLASSES = {
    "authors-note": "the authors' explanation of a flagged calibration result "
    "(report/estimands.yaml, calibration_notes), quoted as written",
}

# Digits in the text that are not results, each with why (regexes on the text
# around the digits: a match must cover the digit run).
ALLOWED = {
    r"\bQ\d+(-Q\d+)?\b": "question ids of the questionnaire",
    r"\b[1-5]\. (Headline|Shift in content|Reform|Crisis|Capital vs\. the rest)": (
        "the claims' numbering"
    ),
    r"\bclaim [1-5]\b": "the claims' numbering",
    r"\b(the|after the|since|pre-|in|on 1 January|population 1 January|reform \(1 January|"
    r"1 January) ?2007\b": "the 2007 structural reform and its date (history)",
    r"\bthe 2008 financial crisis\b": "the crisis' year (history)",
    r"\b2007 (structural reform|merger tables)\b": "the 2007 structural reform (history)",
    r"\bmunicipalities merged in 2007\b": "the 2007 structural reform (history)",
    r"\b1 January\b": "a date, part of the reform's date",
    r"\bBEF1A07\b|\bFOLK1A\b": "Statistics Denmark's table names",
    r"\bHC1\b": "a covariance estimator's name (statsmodels' HC1)",
    r"\bpopulation_2007\b|\blog_population_2007\b|\bpopulation 2007\b": (
        "a variable's name (population on 1 January 2007) and its label"
    ),
    r"\bper 10,000( inhabitants)?\b": "the unit of FTE intensity",
    r"\bln 2\b": "a formula (doubling the population)",
    r"\b7 in 10\b": "the published finding as the publication wrote it",
    r"P\(y\S* = 1\)|= 1\)|\b1 \|": "a formula in symbols",
    r"\bfigure_\w+": "rule names",
    r"± 2 Monte-Carlo standard errors": "the calibration's flagging rule (two standard errors)",
    # the same in the Danish report (report/locale/da/LC_MESSAGES/report.po)
    r"\bspørgsmål \d+\b": "question ids of the questionnaire (Q2: spørgsmål 2)",
    r"\b[1-5]\. (Hovedresultatet|Skiftet i indhold|Strukturreformen|Finanskrisen|"
    r"Hovedstaden over for resten)": "the claims' numbering",
    r"\bpåstand [1-5]\b": "the claims' numbering",
    r"\b(1\. januar|i|fra|siden|før|folketal) 2007\b": (
        "the 2007 structural reform and its date (history)"
    ),
    r"\b1\. januar\b": "a date, part of the reform's date",
    r"\bsammenlægningstabellerne fra 2007\b": "the 2007 merger tables (history)",
    r"\bfinanskrisen i 2008\b": "the crisis' year (history)",
    r"\bpr\. 10\.000( indbyggere)?\b": "the unit of FTE intensity",
    r"\b7 ud af 10\b": "the published finding as the publication wrote it",
    r"± 2 Monte Carlo-standardfejl": "the calibration's flagging rule (two standard errors)",
}


class Page(HTMLParser):
    """Text nodes with their open elements; citation links; appendix entries."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.texts: list[tuple[list[tuple[str, dict]], str]] = []
        self.links: list[dict] = []
        self.entries: dict[str, dict] = {}
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "tr" and "data-kind" in attrs:
            self.entries[attrs["id"]] = attrs
        if tag in ("meta", "img", "br", "link", "input", "hr"):
            return
        if tag == "a" and attrs.get("class") == "cite":
            self.links.append({**attrs, "text": ""})
        self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "a" and self.stack[-1][1].get("class") == "cite":
            self.links[-1]["text"] += data
        self.texts.append((list(self.stack), data))


def skipped(stack) -> bool:
    return any(
        tag in SKIPPED_TAGS
        or attrs.get("id") in SKIPPED_IDS
        or attrs.get("class") in SKIPPED_CLASSES
        for tag, attrs in stack
    )


def uncited_digits(page: Page) -> list[str]:
    """Every digit run outside a citation link that no allow-list entry covers."""
    problems = []
    for stack, text in page.texts:
        if skipped(stack) or any(
            tag == "a" and attrs.get("class") == "cite" for tag, attrs in stack
        ):
            continue
        allowed = [m.span() for pattern in ALLOWED for m in re.finditer(pattern, text)]
        for digits in re.finditer(r"\d+", text):
            if not any(start <= digits.start() and digits.end() <= end for start, end in allowed):
                where = "/".join(a.get("id", t) for t, a in stack[-3:])
                context = text[max(0, digits.start() - 40) : digits.end() + 40]
                problems.append(f"{where}: {digits.group()!r} without provenance in {context!r}")
    return problems


def read_cell(project: Path, entry: dict, cache: dict, entries: dict):
    """The value the entry cites, read again from its file (or config, or formula
    over the ``entries`` it names)."""
    kind = entry["data-kind"]
    if kind == "result":
        path = entry["data-file"]
        if path not in cache:
            cache[path] = files.read_table(project / path)
        table = cache[path]
        row = int(entry["data-row"])
        selected = table
        for column, value in json.loads(entry["data-key"]).items():
            if value is None:
                selected = selected[selected[column].isna()]
            else:
                selected = selected[selected[column].astype(str) == str(value)]
        assert row - 1 in list(selected.index), (
            f"{path}: the key {entry['data-key']} does not select row {row}"
        )
        return table[entry["data-column"]].iloc[row - 1]
    if kind == "config":
        value, key = None, entry["data-key"]
        is_key = entry.get("data-is-key") == "yes"
        parent, _, last = key.rpartition(".")
        for path in entry["data-file"].split(", "):
            try:
                value = config_lookup(files.read_yaml(project / path), parent if is_key else key)
            except (KeyError, IndexError, TypeError):
                continue
            if is_key:  # a key of the mapping: the cited value is the key itself
                value = last if last in {str(k) for k in value} else None
        if entry["data-key"] == "max_initiatives":
            return value
        assert value is not None, f"no config file has {entry['data-key']}"
        return value
    inputs = [read_cell(project, entries[i], cache, entries) for i in entry["data-inputs"].split()]
    return evaluate(entry["data-formula"], inputs)


def citation_problems(project: Path, report: Path) -> list[str]:
    """What is wrong with the citations of ``report`` (empty: every number traced)."""
    page = Page()
    page.feed(report.read_text(encoding="utf-8"))
    problems = uncited_digits(page)
    cache: dict = {}
    locale = page.lang or numbers.DEFAULT_LOCALE
    for link in page.links:
        entry = page.entries.get(link["href"].lstrip("#"))
        if entry is None:
            problems.append(f"link {link['href']} ({link['text']!r}) has no appendix entry")
            continue
        value = read_cell(project, entry, cache, page.entries)
        expected = numbers.apply_spec(link["data-format"], value, locale)
        if expected != link["text"]:
            problems.append(
                f"{link['href']} shows {link['text']!r}, but the cited cell "
                f"({entry.get('data-file')}, {entry.get('data-key')}, "
                f"{entry.get('data-column', '')}) reads {value!r} -> {expected!r}"
            )
    if not page.links:
        problems.append("the report has no citation links at all")
    return problems


def reports(project: Path) -> list[Path]:
    return sorted((project / "report").glob("report*.html"))


def test_every_number_in_every_report_is_traced_to_its_cell(built):
    assert reports(built), "no report was built"
    for report in reports(built):
        problems = citation_problems(built, report)
        assert not problems, f"{report.name}:\n" + "\n".join(problems[:40])


def test_the_appendix_names_each_files_rule_and_checksum(built):
    page = Page()
    page.feed((built / "report/report.html").read_text(encoding="utf-8"))
    html = (built / "report/report.html").read_text(encoding="utf-8")
    manifest = json.loads((built / "results/manifest.json").read_text(encoding="utf-8"))
    results = [e for e in page.entries.values() if e["data-kind"] == "result"]
    assert results and any(e["data-kind"] == "config" for e in page.entries.values())
    for entry in results:
        made = manifest["outputs"][entry["data-file"]]
        assert made["sha256"] == files.sha256_of(built / entry["data-file"])
        row = re.search(rf'<tr id="{entry["id"]}".*?</tr>', html, flags=re.S).group(0)
        assert made["sha256"] in row and made["rule"] in row and made["script"] in row
    # the headline's estimate: its file, row key and the export rows behind it
    estimate = next(
        e
        for e in results
        if e["data-file"] == "results/analysis/headline.csv" and e["data-column"] == "estimate"
    )
    headline = re.search(rf'<tr id="{estimate["id"]}".*?</tr>', html, flags=re.S).group(0)
    assert "definition_key=purpose, weighting=unweighted" in headline
    kept = files.read_table(built / "results/clean/respondents.csv")
    raw = files.read_text_table(built / "data/raw/survey/dataset.csv", delimiter=";")
    n = files.read_table(built / "results/analysis/headline.csv")["n"].iloc[0]
    assert f"{len(kept)} of the export&#39;s {len(raw)} rows" in headline
    assert "results/clean/exclusions.csv" in headline
    assert f"n (units in its definition): {n}" in headline


def test_a_sabotaged_cell_fails_the_check(built, tmp_path):
    """One value changed in a results file after the report was rendered: the
    check finds the number that no longer reads as its cell."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    path = copy / "results/analysis/crisis.csv"
    table = files.read_table(path)
    table.loc[0, "estimate"] = 0.61  # inside its interval: the figures still draw
    edit_keeping_time(table, path)
    problems = citation_problems(copy, copy / "report/report.html")
    assert any("crisis.csv" in p and "61%" in p for p in problems), problems
    # rendered again from the changed file, the report agrees with it again
    render_report_again(copy)
    assert citation_problems(copy, copy / "report/report.html") == []


def test_a_number_without_a_link_fails_the_check(built, tmp_path):
    report = tmp_path / "report.html"
    html = (built / "report/report.html").read_text(encoding="utf-8")
    report.write_text(html.replace("<p>", "<p>42 municipalities. ", 1), encoding="utf-8")
    problems = citation_problems(built, report)
    assert len(problems) == 1 and "'42' without provenance" in problems[0]
