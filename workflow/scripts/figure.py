"""Rules figure_<id>: the tables a figure plots -> results/figures/<id>.png and .svg,
and in every other language of the report <id>.<locale>.png and .svg.

One script for every figure: the rule (generated from workflow/figures.yaml)
names, per figure it draws, the drawing function of udsyn.report.figures, the data it
reads and the config values it needs. A rule draws several figures where the
manifest gives them a common `rule` (each data file is read once).
"""

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.report import figures, i18n


def main(smk, log):
    names = dict.fromkeys(name for figure in smk.params.figures for name in figure["data"])
    # the multiverse's choice columns as written ("2008", not 2008.0)
    text = figures.text_columns([figure["options"] for figure in smk.params.figures])
    tables = {name: files.read_table(smk.input[name], text=text) for name in names}  # each once
    # every language from the same tables, in this one job (udsyn.report.i18n)
    languages = {
        locale: i18n.translations(locale, smk.input.get(f"catalogue_{locale}"))
        for locale in smk.params.locales
    }
    for figure in smk.params.figures:
        for locale, translations in languages.items():
            drawn = figures.draw(
                figure["function"],
                {name: tables[name] for name in figure["data"]},
                figure["options"],
                smk.params.labels,
                locale=locale,
                translations=None if locale == i18n.SOURCE_LOCALE else translations,
            )
            suffix = "" if locale == i18n.SOURCE_LOCALE else f"_{locale}"
            figures.save(
                drawn,
                smk.output[f"png_{figure['id']}{suffix}"],
                smk.output[f"svg_{figure['id']}{suffix}"],
            )
        log.info(
            "%s: drew %s from %s",
            figure["id"],
            figure["function"],
            ", ".join(smk.input[name] for name in figure["data"]),
        )


run(main, snakemake)
