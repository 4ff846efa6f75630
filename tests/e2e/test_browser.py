"""The reports in a real browser: headless Chromium (Debian's package) opens
report/report.html and report/report.da.html with the network off. No console
errors, every image decoded, every section present, nothing fetched from outside
the file, the script a respondent typed into free text shown as text, never run;
the page's language and the link to the other language; headings in order; every
image with a text alternative that states a number; and, with images off, every
number of a figure's alt text still in the page's text.

Where CI=true this test must run: a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECTIONS = {
    "summary",
    "data",
    "methods",
    "results",
    "robustness",
    "multiverse",
    "representativeness",
    "appendix",
}
# Each report, its language and how its notice of synthetic data begins.
REPORTS = {
    "report.html": ("en", "report.da.html", "Synthetic survey data"),
    "report.da.html": ("da", "report.html", "Syntetiske surveydata"),
}
# Flags that keep Chromium from phoning home on a closed network (see the env notes).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=sorted(REPORTS))
def opened(browser, built, request):
    context = browser.new_context(offline=True)
    page = context.new_page()
    seen = {"errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.goto((built / "report" / request.param).as_uri(), wait_until="load")
    page.report = request.param
    yield page, seen
    context.close()


def test_no_console_errors_and_no_network(opened):
    page, seen = opened
    assert seen["errors"] == []
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"]), seen["requests"]


def test_every_image_is_decoded(opened):
    page, _ = opened
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
    )
    assert images, "the report has no figures"
    assert all(complete and width > 0 for _, complete, width in images), images


def test_every_section_is_present(opened):
    page, _ = opened
    sections = set(
        page.evaluate("Array.from(document.querySelectorAll('section[id]'), s => s.id)")
    )
    assert SECTIONS <= sections
    assert page.inner_text("#synthetic-notice").startswith(REPORTS[page.report][2])


def test_script_in_free_text_is_shown_not_run(opened):
    page, seen = opened
    assert seen["dialogs"] == []
    assert page.evaluate("document.querySelectorAll('body script').length") == 0
    assert "<script>alert(1)</script>" in page.inner_text("#free-text")


def test_the_page_says_its_language_and_links_to_the_other(opened, built):
    page, _ = opened
    locale, other, _ = REPORTS[page.report]
    assert page.evaluate("document.documentElement.lang") == locale
    alternates = page.evaluate(
        "Array.from(document.querySelectorAll('link[rel=alternate]'),"
        " l => [l.hreflang, l.getAttribute('href')])"
    )
    other_locale = REPORTS[other][0]
    assert alternates == [[other_locale, other]]
    link = page.locator(f"nav a[hreflang={other_locale}]")
    assert link.is_visible() and link.get_attribute("href") == other
    assert (built / "report" / other).is_file()


def test_headings_are_in_order(opened):
    page, _ = opened
    levels = page.evaluate(
        "Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'), h => Number(h.tagName[1]))"
    )
    assert levels.count(1) == 1 and levels[0] == 1
    skipped = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert skipped == [], "a heading level is skipped"


def test_every_image_has_a_text_alternative_with_a_number(opened):
    page, _ = opened
    alts = page.evaluate("Array.from(document.images, i => i.getAttribute('alt'))")
    assert alts and all(alt and alt.strip() for alt in alts), alts
    assert all(re.search(r"\d", alt) for alt in alts), alts
    titles = page.evaluate(
        "Array.from(document.querySelectorAll('figcaption b'), b => b.innerText)"
    )
    assert not set(alts) & set(titles), "an alt text only repeats the figure's title"


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.fixture(scope="module")
def without_images(browser, built):
    """Each report opened in a second Chromium, one that loads no images."""
    blind = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*FLAGS, "--blink-settings=imagesEnabled=false"]
    )
    pages = {}
    for name in REPORTS:
        page = blind.new_context(offline=True).new_page()
        page.goto((built / "report" / name).as_uri(), wait_until="load")
        pages[name] = page
    yield pages
    blind.close()


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_report_reads_without_images(without_images, name):
    page = without_images[name]
    shown = page.evaluate("Array.from(document.images, i => i.naturalWidth)")
    assert shown and not any(shown), "images were loaded"
    text = page.inner_text("body")  # what a reader gets: alt texts are not in it
    for alt in page.evaluate("Array.from(document.images, i => i.alt)"):
        missing = [n for n in NUMBER.findall(alt) if n not in text]
        assert missing == [], f"numbers of the figure only in its image: {missing} ({alt})"
