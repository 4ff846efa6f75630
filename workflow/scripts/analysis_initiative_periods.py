"""Rule initiative_periods: analysis 2, initiative types by start period."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, initiative_periods  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    purposes = [(purpose.key, purpose.english) for purpose in questionnaire.purposes]
    table = initiative_periods(io.read_table(smk.input.initiatives), purposes, settings,
                               data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("initiative_periods: %d rows", len(table))


run(main, snakemake)
