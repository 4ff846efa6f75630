"""Rule calibration_batch: one batch of seeds of one generator variant, each
regenerated and run through the pipeline's functions in one process."""

import sys
import time
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import calibration, io  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import run  # noqa: E402
from udsyn.validation import validate_register  # noqa: E402


def main(smk, log):
    started = time.perf_counter()
    context = calibration.Context(
        smk.params.config, io.read_yaml(smk.input.synthetic), smk.params.calibration,
        build_questionnaire(io.read_yaml(smk.input.questionnaire)),
        validate_register(io.read_text_table(smk.input.register), smk.input.register),
        io.read_text_table(smk.input.aliases, what="alias table"),
        io.read_text_table(smk.input.predecessors, what="predecessor table"))
    work = smk.params.work
    # Each seed's seconds go to this log (run_batch), never into the batch's table.
    table = calibration.run_batch(context, work["variant"], work["seeds"], log)
    io.write_table(table, smk.output.batch)
    builds = table[table["kind"] == "build"]
    log.info("%s: variant %s, %d seeds, %d failed builds, %.3f s in the job",
             smk.output.batch, work["variant"], len(builds), int(builds["estimate"].sum()),
             time.perf_counter() - started)


run(main, snakemake)
