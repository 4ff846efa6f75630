"""The report is rendered from results files: change a result, and the report
changes with it; every figure and table is traced to the rule that made it."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import edit_keeping_time, render_report_again, snakemake, unlinked

from udsyn.core import files

pytestmark = pytest.mark.e2e


@pytest.fixture
def perturbed(built, tmp_path):
    """A built copy whose headline estimate and n were edited by hand, re-rendered."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    path = copy / "results/analysis/headline.csv"
    headline = files.read_table(path)
    row = (headline["definition_key"] == "purpose") & (headline["weighting"] == "unweighted")
    headline.loc[row, ["estimate", "ci_low", "ci_high", "n"]] = [0.123, 0.05, 0.2, 41]
    edit_keeping_time(headline, path)
    render_report_again(copy)
    return copy


def shown(project) -> str:
    """The report's HTML with the citation links' tags left out: the text as read
    (tests/e2e/test_report_citations.py checks the links)."""
    return unlinked((project / "report/report.html").read_text(encoding="utf-8"))


def summary_of(project) -> str:
    html = shown(project)
    return re.search(r'<section id="summary">(.*?)</section>', html, flags=re.S).group(1)


def test_a_changed_result_changes_the_report(built, perturbed):
    before, after = summary_of(built), summary_of(perturbed)
    original = files.read_table(built / "results/analysis/headline.csv").iloc[0]
    assert f"{100 * original['estimate']:.0f}% of the {original['n']} responding" in before
    assert "12% of the 41 responding municipalities" in after
    assert "95% CI 5% to 20%" in after
    assert "The published share lies outside the interval." in after
    # only what was edited moved: the other claims read the same
    assert before.split("2. Shift in content")[1] == after.split("2. Shift in content")[1]


def english_pngs(project) -> list:
    """The English figures (the other languages' are <id>.<locale>.png)."""
    return [p for p in sorted((project / "results/figures").glob("*.png")) if "." not in p.stem]


def test_every_figure_and_table_is_traced(built):
    html = (built / "report/report.html").read_text(encoding="utf-8")
    index = re.search(r'<h3 id="index">.*?</table>', html, flags=re.S).group(0)
    for table in sorted((built / "results/analysis").glob("*.csv")):
        assert f"results/analysis/{table.name}" in index
    for png in english_pngs(built):
        assert f"results/figures/{png.name}" in index
        assert f'id="figure-{png.stem}"' in html
    provenance = files.read_table(built / "results/provenance.csv")
    assert {"input (committed)", "clean", "headline", "figure_headline"} <= set(provenance["rule"])
    assert provenance["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


@pytest.mark.parametrize(
    ("name", "other"), [("report.html", "report.da.html"), ("report.da.html", "report.html")]
)
def test_report_is_self_contained(built, name, other):
    html = (built / "report" / name).read_text(encoding="utf-8")
    # the one link out of the file: to the same report in the other language, beside it
    links = re.findall(r'(?:src|href)="(?!data:|#)([^"]*)"', html)
    assert set(links) == {other}, "the report links outside itself"
    assert (built / "report" / other).is_file()
    assert html.count("data:image/png;base64,") == len(english_pngs(built))


def test_software_versions_match_the_lock(built):
    versions = files.read_table(built / "results/software_versions.csv").set_index("package")
    lock = (built / "requirements.lock").read_text(encoding="utf-8")
    for package, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", lock, flags=re.M):
        assert versions.loc[package, "version"] == version, package


def test_the_multiverse_sentences_are_read_from_its_summary(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    path = copy / "results/multiverse/summary.csv"
    summary = files.read_table(path)
    before = summary.set_index("claim").loc["crisis"]
    html = shown(built)
    sentence = (
        f"holds in <b>{before['n_distinct_holds']} of {before['n_distinct']} distinct analyses</b>"
    )
    assert sentence in html
    failed = (
        f"In {before['n_distinct_with_failed_replicates']} of {before['n_distinct']} distinct "
        f"analyses some bootstrap replicates had no estimate (at most "
        f"{before['max_share_replicates_failed']:.1%} of them"
    )
    assert before["n_distinct_with_failed_replicates"] > 0  # the shipped data have some
    assert failed in html
    crisis = summary["claim"] == "crisis"
    summary.loc[crisis, ["n_distinct_holds", "share_distinct_holds"]] = [
        5,
        5 / before["n_distinct"],
    ]
    summary.loc[crisis, ["n_distinct_with_failed_replicates", "max_share_replicates_failed"]] = [
        0,
        0.0,
    ]
    edit_keeping_time(summary, path)
    render_report_again(copy)
    after = shown(copy)
    section = re.search(
        r'<p class="claim" id="multiverse-crisis">(.*?)</p>', after, flags=re.S
    ).group(1)
    assert f"holds in <b>5 of {before['n_distinct']} distinct analyses</b>" in section
    assert "bootstrap replicates had no estimate" not in section  # none: not said
    assert f"claim 4 holds in 5 of {before['n_distinct']} distinct analyses" in after


def free_text_section(project) -> str:
    html = shown(project)
    return re.search(r'<div id="free-text">(.*?)</div>', html, flags=re.S).group(1)


def test_a_real_exports_free_text_stays_out_of_the_report_unless_turned_on(built, tmp_path):
    """survey.synthetic: false leaves the respondents' own words out of the report;
    survey.free_text_appendix: always puts them back."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    assert "<td>" in free_text_section(built)  # the synthetic export's texts are shown
    shown = {}
    for setting in ("when_synthetic", "always"):
        override = copy / f"real-{setting}.yaml"
        override.write_text(
            f"survey:\n  synthetic: false\n  free_text_appendix: {setting}\n", encoding="utf-8"
        )
        # only the report is rebuilt (its params changed; the rest is left as built)
        result = snakemake(
            copy,
            "--cores",
            "1",
            "report/report.html",
            "--configfile",
            override.name,
            "--rerun-triggers",
            "mtime",
            "--forcerun",
            "report",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        shown[setting] = free_text_section(copy)
    assert "<td>" not in shown["when_synthetic"] and "Left out" in shown["when_synthetic"]
    assert "results/clean/respondents.csv" in shown["when_synthetic"]
    assert shown["always"] == free_text_section(built)


@pytest.mark.parametrize(
    "synthetic, setting, shown",
    [
        (True, "when_synthetic", True),
        (False, "when_synthetic", False),
        (False, "always", True),
        (True, "never", False),
        (False, "never", False),
    ],
)
def test_free_text_appendix_rule(synthetic, setting, shown):
    from udsyn.report.html import show_free_texts

    assert show_free_texts(synthetic, setting) is shown


def test_driver_questions_paragraph_reads_the_drivers_table(built):
    """The summary's driver-question paragraph shows drivers.csv's shares, group n
    and differences as formatted, with the labels from config, in association words."""
    paragraph = re.search(
        r'<p class="claim" id="drivers">(.*?)</p>', summary_of(built), flags=re.S
    ).group(1)
    table = files.read_table(built / "results/analysis/drivers.csv")
    for row in table.to_dict("records"):
        if row["quantity"] == "difference":
            low, high = (f"{100 * row[c]:+.0f} pp" for c in ("ci_low", "ci_high"))
            assert f"{100 * row['estimate']:+.0f} pp (95% CI {low} to {high}" in paragraph
        elif row["group"] == "all":
            assert f"{100 * row['estimate']:.0f}% of the {row['n']} responding" in paragraph
        else:
            assert (
                f"{row['group']} municipalities {100 * row['estimate']:.0f}% (n = {row['n']})"
                in paragraph
                or f"{row['group']} {100 * row['estimate']:.0f}% (n = {row['n']})" in paragraph
            )
    config = files.read_yaml(built / "config/config.yaml")["derive"]
    assert " or ".join(config["state_no_longer_helps_agree_labels"]) in paragraph
    assert "associations" in paragraph and "not effects" in paragraph


def calibration_summary(coverage_shift: float = 0.95, holds_rate: float = 0.375):
    """A hand-made calibration summary (the columns udsyn.synthetic.calibration.summarise
    writes): two variants, every claim's multiverse estimand and test, one
    interval whose coverage (``coverage_shift``) may fall short."""
    import pandas as pd

    from udsyn.synthetic.calibration import SUMMARY_COLUMNS

    truths = {
        "truth": {"headline": 0.72, "shift": 0.39, "reform": 0.55, "crisis": 0.17, "capital": 3.0},
        "no_effect": {
            "headline": 0.64,
            "shift": 0.39,
            "reform": 0.0,
            "crisis": 0.0,
            "capital": 1.0,
        },
    }
    rows = []
    for variant, claims in truths.items():
        for claim, truth in claims.items():
            cover = coverage_shift if claim == "shift" and variant == "truth" else 0.95
            rows.append(
                {
                    "variant": variant,
                    "kind": "coverage",
                    "name": f"multiverse_{claim}",
                    "truth": truth,
                    "n_seeds": 200,
                    "n_estimated": 200,
                    "value": cover,
                    "mcse": (cover * (1 - cover) / 200) ** 0.5,
                    "mean_estimate": truth,
                    "bias": 0.001,
                    "bias_mcse": 0.002,
                    "rmse": 0.05,
                    "mean_width": 0.2,
                    "definition": "hand-made",
                }
            )
            rate = holds_rate if claim == "reform" and variant == "truth" else 0.5
            rows.append(
                {
                    "variant": variant,
                    "kind": "rejection",
                    "name": f"multiverse_{claim}_holds",
                    "truth": truth,
                    "n_seeds": 200,
                    "n_estimated": 200,
                    "value": rate,
                    "mcse": 0.035,
                    "definition": "hand-made",
                }
            )
        rows.append(
            {
                "variant": variant,
                "kind": "build_failure",
                "name": "build_failed",
                "n_seeds": 200,
                "n_estimated": 200,
                "value": 0.0,
                "mcse": 0.0,
                "definition": "hand-made",
            }
        )
    return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)


HOLDS = {
    "headline": {"test": "above", "value": 0.5},
    "shift": {"test": "above", "value": 0},
    "reform": {"test": "above", "value": 0},
    "crisis": {"test": "above", "value": 0},
    "capital": {"test": "above", "value": 1},
}


def test_calibration_view_flags_shortfalls_and_reads_power_or_false_positives():
    from udsyn.report.html import calibration_view

    assert calibration_view(None, 0.95, HOLDS) is None
    view = calibration_view(calibration_summary(coverage_shift=0.90), 0.95, HOLDS)
    assert view["variants"] == ["truth", "no_effect"]  # as configured first
    assert view["outside"] == ["multiverse_shift"]  # 0.90 < 0.95 - 2 sqrt(.95 .05 / 200)
    assert view["biased"] == []
    reform = {rate["variant"]: rate for rate in view["claims"]["reform"]}
    assert reform["truth"]["reads"] == "power" and reform["truth"]["rate"] == 0.375
    assert reform["no_effect"]["reads"] == "false-positive rate"  # truth 0 is not above 0
    headline = {rate["variant"]: rate for rate in view["claims"]["headline"]}
    assert headline["no_effect"]["reads"] == "power"  # 0.64 is still above one half
    # within two MCSE of the nominal level: not flagged
    assert (
        calibration_view(calibration_summary(coverage_shift=0.935), 0.95, HOLDS)["outside"] == []
    )
    with pytest.raises(ValueError, match="no variant 'truth'"):
        summary = calibration_summary()
        calibration_view(summary[summary["variant"] == "no_effect"], 0.95, HOLDS)


def calibration_section(project) -> str:
    html = shown(project)
    return re.search(r'<h3 id="calibration">(.*?)<h3 ', html, flags=re.S).group(1)


def test_the_calibration_appendix_and_the_verdicts_power_come_from_make_calibrate(built, tmp_path):
    """Without make calibrate's summary the appendix says it was not run; once the
    summary exists, a plain rebuild adds it: coverage per interval, a shortfall
    flagged with its note, and each verdict's power."""
    assert "Not run for this build" in calibration_section(built)
    assert "The power of each test is not stated" in summary_of(built)
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    (copy / "results/calibration").mkdir(parents=True, exist_ok=True)
    files.write_table(
        calibration_summary(coverage_shift=0.90, holds_rate=0.375),
        copy / "results/calibration/summary.csv",
    )
    result = snakemake(copy, "--cores", "1", "report/report.html")
    assert result.returncode == 0, result.stdout + result.stderr
    section = calibration_section(copy)
    assert "<code>multiverse_shift</code> (outside)" in section
    assert "0.900 ± 0.021" in section
    assert re.search(
        r"claim 3, <b>[a-z ]+</b> \([^)]*its test passes in 38% of 200 synthetic "
        r"data sets generated as configured \(power\) and in 50% of 200 synthetic "
        r"data sets from generator variant no_effect \(false-positive rate\)\)",
        summary_of(copy),
    )
    assert "coverage falls outside 95% ± 2 Monte-Carlo standard errors: multiverse_shift" in (
        summary_of(copy)
    )
    # its numbers are cited too, in both languages: read from the summary, or
    # computed from cited values
    from test_report_citations import citation_problems

    for report in ("report.html", "report.da.html"):
        assert citation_problems(copy, copy / "report" / report) == [], report


# --- the report in Danish ----------------------------------------------------------------

# Words of English sentences that Danish never uses; text the analysis writes into
# the results files in English (definitions, test names) sits in tables and figure
# captions, or is marked lang="en" in a sentence.
TELLTALE = re.compile(r"\b(the|and|with|which|municipalities|respondents|between|where)\b", re.I)


def reader_text(html: str) -> str:
    """The headings, table heads, list items and paragraphs a reader sees, without
    tables' bodies, figure captions, file names (<code>) and the text of results files
    the report marks as English (<span lang="en">)."""
    html = re.sub(r"<style>.*?</style>|<figcaption>.*?</figcaption>", " ", html, flags=re.S)
    html = re.sub(r'<span lang="en">.*?</span>', " ", html, flags=re.S)
    html = re.sub(r"<td[^>]*>.*?</td>|<code>.*?</code>", " ", html, flags=re.S)
    parts = re.findall(r"<(h[1-6]|th|li|p|nav|title)\b[^>]*>(.*?)</\1>", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", part) for _, part in parts)


def test_the_danish_report_has_no_english_sentence(built):
    danish = unlinked((built / "report/report.da.html").read_text(encoding="utf-8"))
    english = unlinked((built / "report/report.html").read_text(encoding="utf-8"))
    assert TELLTALE.findall(reader_text(english))  # the check sees English where there is some
    assert TELLTALE.findall(reader_text(danish)) == []
    assert '<html lang="da">' in danish and '<html lang="en">' in english
    for word in ("internationalt samarbejde", "strukturreformen", "yderkommuner", "venskabsbyer"):
        assert word in danish


def test_the_danish_report_has_the_english_numbers_in_danish(built):
    danish = unlinked((built / "report/report.da.html").read_text(encoding="utf-8"))
    english = unlinked((built / "report/report.html").read_text(encoding="utf-8"))
    share = re.search(r"<b>1\. Headline\.</b> (\d+)% of the (\d+)", english)
    assert f"<b>1. Hovedresultatet.</b> {share.group(1)}\u00a0% af de {share.group(2)}" in danish
    assert re.search(r"\d,\d\d", summary_of_html(danish))  # decimal comma


def summary_of_html(html: str) -> str:
    return re.search(r'<section id="summary">(.*?)</section>', html, flags=re.S).group(1)


@pytest.mark.parametrize(("name", "suffix"), [("report.html", ""), ("report.da.html", ".da")])
def test_each_report_embeds_its_own_language_figures(built, name, suffix):
    import base64

    html = (built / "report" / name).read_text(encoding="utf-8")
    for png in english_pngs(built):
        own = png.with_name(f"{png.stem}{suffix}.png").read_bytes()
        assert base64.b64encode(own).decode("ascii") in html, png.name
    english = (built / "results/figures/headline.png").read_bytes()
    danish = (built / "results/figures/headline.da.png").read_bytes()
    assert english != danish
