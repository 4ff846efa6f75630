"""The report in a real browser: headless Chromium (Debian's package) opens
report/report.html with the network off. No console errors, every image
decoded, every section present, nothing fetched from outside the file, and
the script a respondent typed into free text shown as text, never run.

Where CI=true this test must run: a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
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


@pytest.fixture(scope="module")
def opened(browser, built):
    context = browser.new_context(offline=True)
    page = context.new_page()
    seen = {"errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.goto((built / "report" / "report.html").as_uri(), wait_until="load")
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
    assert page.inner_text("#synthetic-notice").startswith("Synthetic survey data")


def test_script_in_free_text_is_shown_not_run(opened):
    page, seen = opened
    assert seen["dialogs"] == []
    assert page.evaluate("document.querySelectorAll('body script').length") == 0
    assert "<script>alert(1)</script>" in page.inner_text("#free-text")
