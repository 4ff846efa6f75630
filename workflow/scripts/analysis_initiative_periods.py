"""Rule initiative_periods: analysis 2, initiative types by start period."""

from udsyn.analysis.claims import AnalysisSettings, initiative_periods
from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.ingest.questionnaire import build_questionnaire


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    purposes = [(purpose.key, purpose.english) for purpose in questionnaire.purposes]
    table = initiative_periods(
        files.read_table(smk.input.initiatives),
        purposes,
        settings,
        data_origin(smk.params.synthetic),
    )
    files.write_table(table, smk.output.table)
    log.info("initiative_periods: %d rows", len(table))


run(main, snakemake)
