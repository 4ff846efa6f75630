"""Rule clean: validated export -> respondents, initiatives, exclusions, changes."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.cleaning import (  # noqa: E402
    CleaningSettings,
    clean_export,
    cleaning_summary,
    rule_catalogue,
)
from udsyn.export import load_export  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402
from udsyn.validation import validate_register  # noqa: E402


def main(smk, log):
    survey, cleaning = smk.params.survey, smk.params.cleaning
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    export = load_export(survey, questionnaire, smk.input.dataset, smk.input.labels)
    dataset = export.dataset
    result = clean_export(
        dataset=dataset,
        labels=export.labels,
        register=validate_register(io.read_text_table(smk.input.register), smk.input.register),
        aliases=io.read_text_table(smk.input.aliases, what="alias table"),
        questionnaire=questionnaire,
        settings=CleaningSettings.from_config(cleaning, survey),
        dataset_file=smk.input.dataset, register_file=smk.input.register,
        aliases_file=smk.input.aliases, data_origin=data_origin(survey["synthetic"]),
        predecessors=io.read_text_table(smk.input.predecessors, what="predecessor table"),
        predecessors_file=smk.input.predecessors)
    for name in ("respondents", "initiatives", "exclusions", "changes"):
        table = getattr(result, name)
        io.write_table(table, smk.output[name])
        log.info("%s: %d rows", name, len(table))
    rules = rule_catalogue()
    io.write_table(rules, smk.output.rules)
    summary = cleaning_summary(len(dataset), result, rules)
    summary.insert(0, "data_origin", data_origin(survey["synthetic"]))
    io.write_table(summary, smk.output.summary)


run(main, snakemake)
