"""Rule capital: the derived municipalities -> results/analysis/capital.csv
(udsyn.analysis.claims.capital)."""

from udsyn.analysis.claims import AnalysisSettings, capital
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = capital(
        files.read_table(smk.input.municipalities), settings, data_origin(smk.params.synthetic)
    )
    files.write_table(table, smk.output.table)
    log.info("capital: %d rows", len(table))


run(main, snakemake)
