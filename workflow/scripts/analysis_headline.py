"""Rule headline: analysis 1, the headline share (unweighted and weighted for
non-response), the respondents' weights and their diagnostics."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, headline, weights_tables  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    municipalities = io.read_table(smk.input.municipalities)
    origin = data_origin(smk.params.synthetic)
    table = headline(municipalities, settings, origin)
    weights, balance, summary = weights_tables(municipalities, settings, origin)
    io.write_table(table, smk.output.headline)
    io.write_table(weights, smk.output.weights)
    io.write_table(balance, smk.output.balance)
    io.write_table(summary, smk.output.summary)
    row = summary.iloc[0]
    log.info("headline: %d rows; weights: %s on %s (fallback: %s), design effect %.3f, "
             "effective n %.1f of %d", len(table), row["method_used"], row["covariates_used"],
             row["fallback"], row["design_effect"], row["effective_n"], row["n_respondents"])


run(main, snakemake)
