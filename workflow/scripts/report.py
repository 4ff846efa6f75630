"""Rule report: results files -> report/report.html and, from the same template
and results, report/report.<locale>.html in each other language (each one
self-contained file; the words from the locale's catalogue, udsyn.report.i18n)."""

import json
from pathlib import Path

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.multiverse.grid import shown
from udsyn.report import i18n
from udsyn.report.citations import (
    CaptionCiter,
    Cell,
    ConfigSource,
    cite_config,
    cited_records,
)
from udsyn.report.figure_manifest import entries, load_labels, load_manifest
from udsyn.report.html import (
    calibration_view,
    estimand_texts,
    estimand_values,
    free_texts,
    image_data_uri,
    item_index,
    records,
    render,
    show_free_texts,
    source_describer,
    translated_estimands,
)

# Tables about the files themselves (what each column means, each file's
# checksum, the software): shown as they are, not cited cell by cell.
FILE_INDEXES = ("data_dictionary", "provenance", "software_versions")


def languages(locale: str, locales: list[str], report: str) -> list[dict]:
    """The report's other languages, for the links between them (file names
    relative to each other: both reports are in one folder)."""
    return [
        {
            "locale": other,
            "name": i18n.LANGUAGE_NAMES[other],
            "href": Path(i18n.localised(report, other)).name,
        }
        for other in locales
        if other != locale
    ]


def main(smk, log):
    config = smk.params.config
    cited = cite_config(config)
    tables = {name: files.read_table(path) for name, path in smk.params.tables.items()}
    labels = load_labels(smk.input.manifest)
    manifest = load_manifest(smk.input.manifest)
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    max_initiatives = Cell(
        len(questionnaire.initiatives), ConfigSource("max_initiatives", smk.input.questionnaire)
    )
    context = {
        "synthetic": config["survey"]["synthetic"],
        "config": cited,
        "main_alternatives": {name: shown(value) for name, value in smk.params.main.items()},
        "tables": {
            name: records(table)
            if name in FILE_INDEXES
            else cited_records(table, smk.params.tables[name])
            for name, table in tables.items()
        },
        "free_texts": (
            free_texts(files.read_table(smk.input.respondents), questionnaire)
            if show_free_texts(
                config["survey"]["synthetic"], config["survey"]["free_text_appendix"]
            )
            else None
        ),
        "calibration": calibration_view(
            files.read_table(smk.input.calibration[0]) if len(smk.input.calibration) else None,
            cited["analysis"]["confidence_level"],
            config["multiverse"]["holds"],
            file=smk.input.calibration[0] if len(smk.input.calibration) else None,
        ),
    }
    cited_files = {path for figure in manifest.values() for path in figure["data"].values()}
    cited_files |= set(smk.params.tables.values()) | set(smk.input.calibration)
    results_manifest = json.loads(Path(smk.input.results_manifest).read_text(encoding="utf-8"))
    file_texts = {path: files.read_text_table(path) for path in sorted(cited_files)}
    estimands = files.read_yaml(smk.input.estimands)
    values = estimand_values(cited, max_initiatives)
    # Each language is rendered with its own citations (html.render's registry), so
    # each report has its whole provenance appendix, its numbers written its way.
    for locale in smk.params.locales:
        translations = i18n.translations(locale, smk.input.get(f"catalogue_{locale}"))
        figures = entries(
            config,
            manifest=manifest,
            labels=labels,
            citer=CaptionCiter(locale),
            locale=locale,
            gettext=translations.gettext,
        )
        for figure in figures:
            figure["image"] = image_data_uri(figure["png"])
        output = (
            smk.output.report if locale == i18n.SOURCE_LOCALE else smk.output[f"report_{locale}"]
        )
        html = render(
            Path(smk.input.template).parent,
            Path(smk.input.template).name,
            {
                **context,
                "figures": figures,
                "index": item_index(smk.params.tables, figures, smk.params.made_by),
                "estimands": estimand_texts(
                    translated_estimands(estimands, translations.gettext), values
                ),
                "languages": languages(locale, smk.params.locales, smk.output.report),
            },
            labels,
            locale=locale,
            translations=translations,
            describe=source_describer(
                results_manifest,
                file_texts,
                list(smk.params.config_files),
                config["survey"]["dataset"],
                translations.gettext,
            ),
        )
        files.write_text(html, output)
        log.info("rendered %s (%d figures, %d tables)", output, len(figures), len(tables))


run(main, snakemake)
