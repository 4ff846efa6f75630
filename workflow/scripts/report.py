"""Rule report: results files -> report/report.html (one self-contained file)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.manifest import entries, load_labels, load_manifest  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.report import (  # noqa: E402
    calibration_view,
    estimand_texts,
    estimand_values,
    free_texts,
    show_free_texts,
    image_data_uri,
    item_index,
    records,
    render,
)
from udsyn.runner import run  # noqa: E402


def main(smk, log):
    config = smk.params.config
    tables = {name: io.read_table(path) for name, path in smk.params.tables.items()}
    labels = load_labels(smk.input.manifest)
    figures = entries(config, manifest=load_manifest(smk.input.manifest), labels=labels)
    for figure in figures:
        figure["image"] = image_data_uri(figure["png"])
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    context = {
        "title": "International cooperation of Danish municipalities: a regenerable analysis",
        "synthetic": config["survey"]["synthetic"],
        "config": config,
        "tables": {name: records(table) for name, table in tables.items()},
        "figures": figures,
        "free_texts": (free_texts(io.read_table(smk.input.respondents), questionnaire)
                       if show_free_texts(config["survey"]["synthetic"],
                                          config["survey"]["free_text_appendix"]) else None),
        "index": item_index(smk.params.tables, figures, smk.params.made_by),
        "calibration": calibration_view(
            io.read_table(smk.input.calibration[0]) if len(smk.input.calibration) else None,
            config["analysis"]["confidence_level"], config["multiverse"]["holds"]),
        "estimands": estimand_texts(io.read_yaml(smk.input.estimands),
                                    estimand_values(config, len(questionnaire.initiatives))),
    }
    html = render(Path(smk.input.template).parent, Path(smk.input.template).name, context,
                  labels)
    io.write_text(html, smk.output.report)
    log.info("rendered %s (%d figures, %d tables)", smk.output.report, len(figures), len(tables))


run(main, snakemake)
