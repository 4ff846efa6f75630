"""Rule calibration_gather: every batch -> results.csv (per seed), summary.csv
(coverage, power/size, bias, RMSE, failures) and the standalone report.md."""

import pandas as pd

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.synthetic import calibration


def main(smk, log):
    results = pd.concat([files.read_table(path) for path in smk.input.batches], ignore_index=True)
    results = results.sort_values(["variant", "seed", "kind", "name"], kind="stable")
    settings = smk.params.calibration
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    register_rows = files.read_text_table(smk.input.register).to_dict("records")
    synthetic_cfg = files.read_yaml(smk.input.synthetic)
    definitions = {
        variant: {
            name: text
            for name, (_, text) in calibration.truths(
                calibration.variant_config(synthetic_cfg, overrides or {}),
                register_rows,
                questionnaire,
                smk.params.config,
            ).items()
        }
        for variant, overrides in settings["variants"].items()
    }
    every_test = calibration.tests(smk.params.config)
    test_estimands = {name: every_test[name][0] for name in settings["tests"]}
    summary = calibration.summarise(results, definitions, test_estimands)
    files.write_table(results, smk.output.results)
    files.write_table(summary, smk.output.summary)
    files.write_text(calibration.report_markdown(summary, settings), smk.output.report)
    log.info("%d per-seed rows, %d summary rows", len(results), len(summary))


run(main, snakemake)
