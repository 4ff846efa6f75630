"""Rule multiverse_batch: one batch of claim specifications -> their estimates."""

import time

from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import typed_register
from udsyn.multiverse.estimators import EstimationSettings, run_batch


def main(smk, log):
    started = time.perf_counter()
    clean = {
        rule: {
            "respondents": files.read_table(smk.input.respondents[i]),
            "initiatives": files.read_table(smk.input.initiatives[i]),
        }
        for i, rule in enumerate(smk.params.duplicate_rules)
    }
    settings = EstimationSettings.from_config(
        smk.params.derive, smk.params.analysis, smk.params.bootstrap_replicates
    )
    table = run_batch(
        smk.params.work,
        smk.params.main,
        register=typed_register(files.read_text_table(smk.input.register)),
        clean=clean,
        questionnaire=build_questionnaire(files.read_yaml(smk.input.questionnaire)),
        derive=smk.params.derive,
        settings=settings,
        data_origin=data_origin(smk.params.synthetic),
    )
    files.write_table(table, smk.output.batch)
    # The work inside the job, for `make bench` (job overhead = job time - this).
    log.info(
        "%s: %d claim specifications, computed in %.3f s",
        smk.output.batch,
        len(table),
        time.perf_counter() - started,
    )


run(main, snakemake)
