"""Rule representativeness: the derived municipalities -> results/analysis/representativeness.csv
(udsyn.analysis.claims.representativeness)."""

from udsyn.analysis.claims import AnalysisSettings, representativeness
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = representativeness(
        files.read_table(smk.input.municipalities), settings, data_origin(smk.params.synthetic)
    )
    files.write_table(table, smk.output.table)
    log.info("representativeness: %d rows", len(table))


run(main, snakemake)
