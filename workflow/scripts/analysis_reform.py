"""Rule reform: the derived municipalities -> results/analysis/reform.csv
(udsyn.analysis.claims.reform)."""

from udsyn.analysis.claims import AnalysisSettings, reform
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = reform(
        files.read_table(smk.input.municipalities), settings, data_origin(smk.params.synthetic)
    )
    files.write_table(table, smk.output.table)
    log.info("reform: %d rows", len(table))


run(main, snakemake)
