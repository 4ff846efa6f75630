"""Rule report: results files -> report/report.html (one self-contained file)."""

import json
from pathlib import Path

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
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
)

# Tables about the files themselves (what each column means, each file's
# checksum, the software): shown as they are, not cited cell by cell.
FILE_INDEXES = ("data_dictionary", "provenance", "software_versions")


def main(smk, log):
    config = smk.params.config
    cited = cite_config(config)
    tables = {name: files.read_table(path) for name, path in smk.params.tables.items()}
    labels = load_labels(smk.input.manifest)
    figures = entries(
        config, manifest=load_manifest(smk.input.manifest), labels=labels, citer=CaptionCiter()
    )
    for figure in figures:
        figure["image"] = image_data_uri(figure["png"])
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    max_initiatives = Cell(
        len(questionnaire.initiatives), ConfigSource("max_initiatives", smk.input.questionnaire)
    )
    context = {
        "title": "International cooperation of Danish municipalities: a regenerable analysis",
        "synthetic": config["survey"]["synthetic"],
        "config": cited,
        "tables": {
            name: records(table)
            if name in FILE_INDEXES
            else cited_records(table, smk.params.tables[name])
            for name, table in tables.items()
        },
        "figures": figures,
        "free_texts": (
            free_texts(files.read_table(smk.input.respondents), questionnaire)
            if show_free_texts(
                config["survey"]["synthetic"], config["survey"]["free_text_appendix"]
            )
            else None
        ),
        "index": item_index(smk.params.tables, figures, smk.params.made_by),
        "calibration": calibration_view(
            files.read_table(smk.input.calibration[0]) if len(smk.input.calibration) else None,
            cited["analysis"]["confidence_level"],
            config["multiverse"]["holds"],
            file=smk.input.calibration[0] if len(smk.input.calibration) else None,
        ),
        "estimands": estimand_texts(
            files.read_yaml(smk.input.estimands), estimand_values(cited, max_initiatives)
        ),
    }
    cited_files = {path for figure in figures for path in figure["data"]}
    cited_files |= set(smk.params.tables.values()) | set(smk.input.calibration)
    describe = source_describer(
        json.loads(Path(smk.input.results_manifest).read_text(encoding="utf-8")),
        {path: files.read_text_table(path) for path in sorted(cited_files)},
        list(smk.params.config_files),
        config["survey"]["dataset"],
    )
    html = render(
        Path(smk.input.template).parent,
        Path(smk.input.template).name,
        context,
        labels,
        describe=describe,
    )
    files.write_text(html, smk.output.report)
    log.info("rendered %s (%d figures, %d tables)", smk.output.report, len(figures), len(tables))


run(main, snakemake)
