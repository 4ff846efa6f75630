"""Rule drivers: the survey's driver questions (Q9-Q11), agreement shares and
their differences by merger status and peripherality (udsyn.analysis.drivers)."""

from udsyn.analysis.drivers import DriverSettings, driver_questions, drivers
from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.ingest.questionnaire import build_questionnaire


def main(smk, log):
    settings = DriverSettings.from_values(smk.params.settings)
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    table = drivers(
        files.read_table(smk.input.municipalities),
        driver_questions(questionnaire),
        settings,
        data_origin(smk.params.synthetic),
    )
    files.write_table(table, smk.output.table)
    log.info("drivers: %d rows", len(table))


run(main, snakemake)
