"""Verdicts follow the criteria declared in config, never the template."""

from __future__ import annotations

import pandas as pd
import pytest

from udsyn.analysis.verdicts import verdict, verdict_table


@pytest.mark.parametrize(
    "main_holds, share, expected",
    [
        (True, 0.95, "as claimed"),
        (True, 0.9, "as claimed"),
        (True, 0.89, "fragile"),
        (False, 1.0, "not supported"),
        (False, 0.0, "not supported"),
        (None, 1.0, "not estimable"),  # no interval: its test neither passes nor fails
    ],
)
def test_verdict_needs_the_main_analysis_and_the_multiverse(main_holds, share, expected):
    assert verdict(main_holds, share, 0.9) == expected


def test_the_table_reads_the_summary_and_states_its_criterion():
    summary = pd.DataFrame(
        {
            "claim": ["headline", "crisis"],
            "holds_when": ["interval above 0.5", "interval above 0"],
            "main_estimate": [0.69, 0.27],
            "main_ci_low": [0.58, 0.06],
            "main_ci_high": [0.78, 0.48],
            "main_holds": ["yes", "yes"],
            "n_distinct": [24, 36],
            "n_distinct_holds": [23, 14],
            "share_distinct_holds": [23 / 24, 14 / 36],
        }
    )
    table = verdict_table(summary, 0.9)
    assert table["verdict"].tolist() == ["as claimed", "fragile"]
    assert table["main_passes"].tolist() == ["yes", "yes"]
    assert "fewer than the configured share" in table.loc[1, "criterion"]
    stricter = verdict_table(summary, 0.99)
    assert stricter["verdict"].tolist() == ["fragile", "fragile"]


def test_a_main_analysis_without_an_interval_is_not_estimable_not_refuted():
    """The capital did not respond: the capital claim's main estimate and interval are
    missing, and the multiverse summary's main_holds is empty."""
    summary = pd.DataFrame(
        {
            "claim": ["capital", "headline"],
            "holds_when": ["interval above 1", "interval above 0.5"],
            "main_estimate": [float("nan"), 0.69],
            "main_ci_low": [float("nan"), 0.58],
            "main_ci_high": [float("nan"), 0.78],
            "main_holds": [float("nan"), "no"],
            "n_distinct": [4, 24],
            "n_distinct_holds": [0, 2],
            "share_distinct_holds": [0.0, 2 / 24],
        }
    )
    table = verdict_table(summary, 0.9)
    assert table["verdict"].tolist() == ["not estimable", "not supported"]
    assert table["main_passes"].tolist() == ["", "no"]
    assert "has no interval" in table.loc[0, "criterion"]


def test_the_template_types_no_verdict_and_no_confidence_level():
    from conftest import ROOT

    template = (ROOT / "report" / "template.html.j2").read_text(encoding="utf-8")
    # the verdict comes from results/analysis/verdicts.csv; the template only names the
    # three verdicts' words to translate them (an unknown verdict has no word: an error)
    words = '{% set verdict_words = {"as claimed": _("as claimed"), '
    assert words in template and "verdict_words[v.verdict]" in template
    assert "as claimed" not in template.replace(words, "")
    assert "95%" not in template  # the level comes from config analysis.confidence_level
