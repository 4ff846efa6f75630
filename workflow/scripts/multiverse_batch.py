"""Rule multiverse_batch: one batch of claim specifications -> their estimates."""

import sys
import time
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.multiverse import EstimationSettings, run_batch  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402
from udsyn.validation import validate_register  # noqa: E402


def main(smk, log):
    started = time.perf_counter()
    clean = {rule: {"respondents": io.read_table(smk.input.respondents[i]),
                    "initiatives": io.read_table(smk.input.initiatives[i])}
             for i, rule in enumerate(smk.params.duplicate_rules)}
    settings = EstimationSettings.from_config(smk.params.derive, smk.params.analysis,
                                              smk.params.bootstrap_replicates)
    table = run_batch(
        smk.params.work, smk.params.main,
        register=validate_register(io.read_text_table(smk.input.register), smk.input.register),
        clean=clean, questionnaire=build_questionnaire(io.read_yaml(smk.input.questionnaire)),
        derive=smk.params.derive, settings=settings,
        data_origin=data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.batch)
    # The work inside the job, for `make bench` (job overhead = job time - this).
    log.info("%s: %d claim specifications, computed in %.3f s", smk.output.batch, len(table),
             time.perf_counter() - started)


run(main, snakemake)
