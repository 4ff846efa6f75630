"""Rule drivers: the survey's driver questions (Q9-Q11), agreement shares and
their differences by merger status and peripherality (udsyn.drivers)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.drivers import DriverSettings, driver_questions, drivers  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = DriverSettings.from_values(smk.params.settings)
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    table = drivers(io.read_table(smk.input.municipalities), driver_questions(questionnaire),
                    settings, data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("drivers: %d rows", len(table))


run(main, snakemake)
