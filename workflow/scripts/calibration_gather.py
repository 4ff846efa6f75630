"""Rule calibration_gather: every batch -> results.csv (per seed), summary.csv
(coverage, power/size, bias, RMSE, failures) and the standalone report.md."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

import pandas as pd  # noqa: E402

from udsyn import calibration, io  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import run  # noqa: E402


def main(smk, log):
    results = pd.concat([io.read_table(path) for path in smk.input.batches], ignore_index=True)
    results = results.sort_values(["variant", "seed", "kind", "name"], kind="stable")
    settings = smk.params.calibration
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    register_rows = io.read_text_table(smk.input.register).to_dict("records")
    synthetic_cfg = io.read_yaml(smk.input.synthetic)
    definitions = {
        variant: {name: text for name, (_, text) in calibration.truths(
            calibration.variant_config(synthetic_cfg, overrides or {}), register_rows,
            questionnaire, smk.params.config).items()}
        for variant, overrides in settings["variants"].items()}
    every_test = calibration.tests(smk.params.config)
    test_estimands = {name: every_test[name][0] for name in settings["tests"]}
    summary = calibration.summarise(results, definitions, test_estimands)
    io.write_table(results, smk.output.results)
    io.write_table(summary, smk.output.summary)
    io.write_text(calibration.report_markdown(summary, settings), smk.output.report)
    log.info("%d per-seed rows, %d summary rows", len(results), len(summary))


run(main, snakemake)
