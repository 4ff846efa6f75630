"""Rule headline: analysis 1, the headline share (unweighted and post-stratified) and the
post-stratification weights."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, headline  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table, weights = headline(io.read_table(smk.input.municipalities), settings,
                              data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.headline)
    io.write_table(weights, smk.output.weights)
    log.info("headline: %d rows; post-stratification cells: %d", len(table), len(weights))


run(main, snakemake)
