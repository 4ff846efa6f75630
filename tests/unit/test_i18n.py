"""The report's languages: every message of the template, the drawing code and the
YAML words has a Danish translation in the catalogue, the catalogue holds nothing
stale, a translation keeps its placeholders and markup, no sentence of the template
escapes translation, and numbers are written the Danish way."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages import pofile
from babel.support import NullTranslations
from conftest import CONFIG, ROOT
from matplotlib.text import Text

from tests.unit.test_figures import IDS, MANIFEST, options_for, tables_for
from tools import catalogue
from udsyn.report import figure_manifest, figures, html, i18n, numbers

LOCALES = [locale for locale in i18n.LOCALES if locale != i18n.SOURCE_LOCALE]


@pytest.fixture(scope="module")
def extracted():
    return i18n.extract_catalog(ROOT)


def read_po(locale: str):
    with open(i18n.catalogue_path(locale, ROOT), "rb") as handle:
        return pofile.read_po(handle, locale=locale, domain=i18n.DOMAIN)


def test_the_sources_hold_the_messages_of_every_part_of_the_report(extracted):
    sources = {path for message in extracted for path, _ in message.locations}
    assert sources >= {
        "report/template.html.j2",
        "report/figure.html.j2",
        "workflow/udsyn/report/figures.py",
        "workflow/figures.yaml",
        "report/estimands.yaml",
        "config/questionnaire.yaml",
    }
    ids = {message.id for message in extracted}
    # one of each kind: a sentence, a figure's axis, a caption, an alt text, a label
    assert "Summary: the five claims" in ids
    assert "crisis cut-off year" in ids
    assert any(m.startswith("Dot chart: {share_purpose}") for m in ids)
    assert MANIFEST["headline"]["caption"] in ids
    assert "post-stratified to the register" in ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_has_a_translation_and_none_is_stale(extracted, locale):
    po = read_po(locale)
    wanted = {message.id for message in extracted if message.id}
    held = {message.id for message in po if message.id}
    assert not wanted - held, f"not in the catalogue (python -m tools.catalogue): {wanted - held}"
    assert not held - wanted, f"stale (no longer in the sources): {held - wanted}"
    assert catalogue.untranslated(po) == [], "empty or fuzzy translations"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_translation_keeps_placeholders_and_adds_no_markup(locale):
    for message in read_po(locale):
        if not message.id:
            continue
        for pattern in (r"%\(\w+\)s", r"\{\w+\}", r"\n"):
            assert Counter(re.findall(pattern, message.id)) == Counter(
                re.findall(pattern, message.string)
            ), (message.id, message.string)
        # markup: none added (a gloss of a Danish term may be left out in Danish)
        tags = r"</?\w+[^>]*>"
        assert Counter(re.findall(tags, message.string)) <= Counter(
            re.findall(tags, message.id)
        ), (message.id, message.string)
        assert re.sub(r"<(\w+)[^>]*>.*?</\1>", "", message.string).count("<") == 0


def test_the_committed_template_and_catalogues_are_in_step(capsys):
    assert catalogue.main(["--check"]) == 0, capsys.readouterr().err


def test_a_new_message_without_translation_is_caught(tmp_path, extracted):
    po = read_po("da")
    po.delete(next(m.id for m in po if m.id == "Summary: the five claims"))
    path = tmp_path / "report.po"
    path.write_bytes(i18n.po_bytes(po, "test"))
    updated, dropped = i18n.update(extracted, path, "da")
    assert catalogue.untranslated(updated) == ["Summary: the five claims"]
    assert dropped == []


# --- nothing in the template escapes translation -----------------------------------------

# Words that are the same in every language: symbols and units of the tables' heads.
SAME_IN_EVERY_LANGUAGE = {"p", "n", "k", "RMSE", "sha256"}


def untranslated_text(template: str) -> list[str]:
    """The words a reader sees that are outside {% trans %}, _() and {{ values }}."""
    text = re.sub(r"<style>.*?</style>", " ", template, flags=re.S)
    text = re.sub(r"{%[-+]? trans\b.*?{%[-+]? endtrans [-+]?%}", " ", text, flags=re.S)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"{{.*?}}|{%.*?%}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", " ", text)
    words = re.findall(r"[^\W\d_][\w'-]*", text)
    return [word for word in words if word not in SAME_IN_EVERY_LANGUAGE]


@pytest.mark.parametrize("name", ["template.html.j2", "figure.html.j2"])
def test_every_sentence_of_the_template_is_a_message(name):
    assert untranslated_text((ROOT / "report" / name).read_text(encoding="utf-8")) == []


def test_the_template_check_sees_an_untranslated_sentence():
    assert untranslated_text("<p>{{ _('Results') }} Untranslated words</p>") == [
        "Untranslated",
        "words",
    ]
    assert untranslated_text("<th>{% trans level=level %}{{ level }} CI{% endtrans %}</th>") == []


# --- a sentinel catalogue: every word a figure shows went through the catalogue ----------


class Sentinel(NullTranslations):
    """Wraps every translated message in ⟦ ⟧, so text that bypassed it stands out."""

    def gettext(self, message):
        return f"⟦{message}⟧"


def figure_texts(figure) -> list[str]:
    """The titles, axis labels and legend entries of a drawn figure."""
    texts = [t for t in figure.findobj(Text) if t.get_text().strip()]
    found = []
    for ax in figure.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
    for legend in figure.legends:
        found += [t.get_text() for t in legend.get_texts()]
    assert texts  # the figure shows text at all
    return [text for text in found if text.strip()]


@pytest.mark.parametrize("figure_id", IDS)
def test_every_title_axis_and_legend_of_a_figure_is_translated(figure_id):
    spec = MANIFEST[figure_id]
    drawn = figures.draw(
        spec["function"], tables_for(figure_id), options_for(figure_id), None, "da", Sentinel()
    )
    for text in figure_texts(drawn):
        # labels are translated word by word (⟦…⟧ inside); what is left is numbers
        rest = re.sub(r"⟦[^⟧]*⟧", "", text)
        assert not re.search(r"[^\W\d_]{2,}", rest), f"{figure_id}: untranslated {text!r}"


@pytest.mark.parametrize("figure_id", ["headline", "crisis"])
def test_a_danish_figure_differs_from_the_english_and_writes_danish_numbers(figure_id):
    spec = MANIFEST[figure_id]
    args = (spec["function"], tables_for(figure_id), options_for(figure_id), None)
    english = figures.render(figures.draw(*args))["svg"]
    danish = figures.render(figures.draw(*args, "da", i18n.translations("da")))["svg"]
    assert english != danish
    # (that a Danish figure's bytes do not change from run to run: the shared build's
    # results/figures/*.da.* against the committed checksums, tests/tools/test_verify.py)
    # the English figure is drawn exactly as without a language
    assert figures.render(figures.draw(*args, "en", None))["svg"] == english


# --- numbers and words in Danish ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (0.6875, ".0%", "69\u00a0%"),
        (0.97123, ".2f", "0,97"),
        (1234.5, ",.2f", "1.234,50"),
        (7, "d", "7"),
        (12.0, "g", "12"),
        (21.0, "+.0f", "+21"),
        (-3.4, "+.1f", "-3,4"),
    ],
)
def test_danish_numbers(value, spec, expected):
    # the captions' and the figures' Python format specs, through the one formatter
    assert numbers.python(value, spec, "da") == expected
    assert numbers.python(value, spec, "en") == format(value, spec)


def test_the_filters_write_danish_and_leave_english_as_it_was():
    danish, english = html.make_filters("da"), html.make_filters("en")
    assert danish["pct"](0.6875) == "69\u00a0%"
    assert danish["points"](0.21) == "+21 procentpoint"
    assert danish["num"](1234.5, 1) == "1.234,5"
    assert danish["pvalue"](0.00002) == "p &lt; 0,001"  # markup: the "<" escaped
    assert danish["interval"]({"ci_low": 0.58, "ci_high": 0.78}) == "58\u00a0% til 78\u00a0%"
    assert english["interval"]({"ci_low": 0.58, "ci_high": 0.78}) == "58% to 78%"


def test_a_caption_in_danish_has_danish_words_and_numbers():
    spec = MANIFEST["headline"]
    text = figure_manifest.caption(
        spec, tables_for("headline"), CONFIG, locale="da", gettext=i18n.translations("da").gettext
    )
    assert text.startswith("Andelen af de kommuner")
    assert re.search(r"\d+\u00a0%", text)


def test_the_start_periods_of_the_analysis_are_translated():
    gettext = i18n.translations("da").gettext
    assert i18n.data_words("before 2007", gettext) == "før 2007"
    assert i18n.data_words("2009 on", gettext) == "fra 2009"
    assert i18n.data_words("2007-2008", gettext) == "2007-2008"


def test_localised_names():
    assert i18n.localised("report/report.html", "da") == "report/report.da.html"
    assert i18n.localised("results/figures/crisis.png", "da") == "results/figures/crisis.da.png"
    assert i18n.localised("report/report.html", "en") == "report/report.html"


def test_tick_labels_written_at_saving_keep_the_figure_language():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    args = ("crisis", tables_for("crisis"), options_for("crisis"), None)
    drawn = figures.draw(*args, "da", i18n.translations("da"))
    FigureCanvasAgg(drawn).draw()  # ticks are written now, after draw() has returned
    left, right = drawn.axes[:2]
    assert "20\u00a0%" in [t.get_text() for t in left.get_xticklabels()]
    assert any(t.get_text().endswith("%-point") for t in right.get_yticklabels())
    english = figures.draw(*args)
    FigureCanvasAgg(english).draw()
    assert "20%" in [t.get_text() for t in english.axes[0].get_xticklabels()]
