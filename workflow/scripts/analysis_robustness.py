"""Rule robustness: the headline under both definitions and the crisis difference at
every configured cut-off."""

from udsyn.analysis.claims import AnalysisSettings, robustness
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = robustness(
        files.read_table(smk.input.municipalities),
        files.read_table(smk.input.initiatives),
        settings,
        data_origin(smk.params.synthetic),
    )
    files.write_table(table, smk.output.table)
    log.info("robustness: %d rows", len(table))


run(main, snakemake)
