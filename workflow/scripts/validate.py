"""Rule validate: the export against its labels and the codebook, the register
against its schema. Writes a summary of what was checked."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402
from udsyn.validation import validate_inputs  # noqa: E402


def main(smk, log):
    survey = smk.params.survey
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    read = dict(delimiter=survey["delimiter"], encoding=survey["encoding"])
    tables = {
        "dataset": io.read_text_table(smk.input.dataset, what="survey dataset", **read),
        "labels": io.read_text_table(smk.input.labels, what="survey labels", **read),
        "register": io.read_text_table(smk.input.register, what="municipality register"),
    }
    files = {role: smk.input[role] for role in tables}
    checks = validate_inputs(tables, files, questionnaire, survey["timestamp_format"])
    checks["sha256"] = [io.sha256_of(path) for path in checks["file"]]
    checks.insert(0, "data_origin", data_origin(survey["synthetic"]))
    io.write_table(checks, smk.output.checks)
    log.info("validated %s", ", ".join(files.values()))


run(main, snakemake)
