"""Rule clean: validated export -> respondents, initiatives, exclusions, changes."""

from udsyn.clean.cleaning import (
    CleaningSettings,
    clean_export,
    cleaning_summary,
    rule_catalogue,
)
from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.ingest.export import load_export
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import typed_register


def main(smk, log):
    survey, cleaning = smk.params.survey, smk.params.cleaning
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    export = load_export(
        survey, questionnaire, smk.input.dataset, smk.input.labels, labels_validated=True
    )
    dataset = export.dataset
    result = clean_export(
        dataset=dataset,
        labels=export.labels,
        register=typed_register(files.read_text_table(smk.input.register)),
        aliases=files.read_text_table(smk.input.aliases, what="alias table"),
        questionnaire=questionnaire,
        settings=CleaningSettings.from_config(cleaning, survey),
        dataset_file=smk.input.dataset,
        register_file=smk.input.register,
        aliases_file=smk.input.aliases,
        data_origin=data_origin(survey["synthetic"]),
        predecessors=files.read_text_table(smk.input.predecessors, what="predecessor table"),
        predecessors_file=smk.input.predecessors,
    )
    for name in ("respondents", "initiatives", "exclusions", "changes"):
        table = getattr(result, name)
        files.write_table(table, smk.output[name])
        log.info("%s: %d rows", name, len(table))
    rules = rule_catalogue()
    files.write_table(rules, smk.output.rules)
    summary = cleaning_summary(len(dataset), result, rules)
    summary.insert(0, "data_origin", data_origin(survey["synthetic"]))
    files.write_table(summary, smk.output.summary)


run(main, snakemake)
