"""Rule headline: analysis 1, the headline share (unweighted and weighted for
non-response), the respondents' weights and their diagnostics."""

from udsyn.analysis.claims import AnalysisSettings, headline, weights_tables
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    municipalities = files.read_table(smk.input.municipalities)
    origin = data_origin(smk.params.synthetic)
    table = headline(municipalities, settings, origin)
    weights, balance, summary = weights_tables(municipalities, settings, origin)
    files.write_table(table, smk.output.headline)
    files.write_table(weights, smk.output.weights)
    files.write_table(balance, smk.output.balance)
    files.write_table(summary, smk.output.summary)
    row = summary.iloc[0]
    log.info(
        "headline: %d rows; weights: %s on %s (fallback: %s), design effect %.3f, "
        "effective n %.1f of %d",
        len(table),
        row["method_used"],
        row["covariates_used"],
        row["fallback"],
        row["design_effect"],
        row["effective_n"],
        row["n_respondents"],
    )


run(main, snakemake)
