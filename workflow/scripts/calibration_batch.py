"""Rule calibration_batch: one batch of seeds of one generator variant, each
regenerated and run through the pipeline's functions in one process."""

import time

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import validate_register
from udsyn.synthetic import calibration


def main(smk, log):
    started = time.perf_counter()
    context = calibration.Context(
        smk.params.config,
        files.read_yaml(smk.input.synthetic),
        smk.params.calibration,
        build_questionnaire(files.read_yaml(smk.input.questionnaire)),
        validate_register(files.read_text_table(smk.input.register), smk.input.register),
        files.read_text_table(smk.input.aliases, what="alias table"),
        files.read_text_table(smk.input.predecessors, what="predecessor table"),
    )
    work = smk.params.work
    # Each seed's seconds go to this log (run_batch), never into the batch's table.
    table = calibration.run_batch(context, work["variant"], work["seeds"], log)
    files.write_table(table, smk.output.batch)
    builds = table[table["kind"] == "build"]
    log.info(
        "%s: variant %s, %d seeds, %d failed builds, %.3f s in the job",
        smk.output.batch,
        work["variant"],
        len(builds),
        int(builds["estimate"].sum()),
        time.perf_counter() - started,
    )


run(main, snakemake)
