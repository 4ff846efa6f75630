"""Rule crisis: analysis 4, post-crisis initiatives in peripheral vs. other municipalities
at the configured cut-off."""

from udsyn.analysis.claims import AnalysisSettings, crisis
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = crisis(
        files.read_table(smk.input.municipalities),
        files.read_table(smk.input.initiatives),
        settings,
        settings.crisis_cutoff_year,
        data_origin(smk.params.synthetic),
    )
    files.write_table(table, smk.output.table)
    log.info("crisis (cut-off %d): %d rows", settings.crisis_cutoff_year, len(table))


run(main, snakemake)
