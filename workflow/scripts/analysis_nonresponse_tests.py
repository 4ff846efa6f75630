"""Rule nonresponse_tests: the derived municipalities -> results/analysis/nonresponse_tests.csv
(udsyn.analysis.claims.nonresponse_tests)."""

from udsyn.analysis.claims import AnalysisSettings, nonresponse_tests
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = nonresponse_tests(
        files.read_table(smk.input.municipalities), settings, data_origin(smk.params.synthetic)
    )
    files.write_table(table, smk.output.table)
    log.info("nonresponse_tests: %d rows", len(table))


run(main, snakemake)
