"""Rule multiverse_clean: the validated export cleaned once per duplicate rule of
the multiverse (respondents and initiatives; exclusions and changes are those of
rule clean, which differ only in which duplicate is kept)."""

from udsyn.clean.cleaning import CleaningSettings, clean_export
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
    inputs = dict(
        dataset=export.dataset,
        labels=export.labels,
        register=typed_register(files.read_text_table(smk.input.register)),
        aliases=files.read_text_table(smk.input.aliases, what="alias table"),
        predecessors=files.read_text_table(smk.input.predecessors, what="predecessor table"),
        questionnaire=questionnaire,
        dataset_file=smk.input.dataset,
        register_file=smk.input.register,
        aliases_file=smk.input.aliases,
        predecessors_file=smk.input.predecessors,
        data_origin=data_origin(survey["synthetic"]),
    )
    for i, rule in enumerate(smk.params.duplicate_rules):
        settings = CleaningSettings.from_config({**cleaning, "duplicate_rule": rule}, survey)
        result = clean_export(settings=settings, **inputs)
        files.write_table(result.respondents, smk.output.respondents[i])
        files.write_table(result.initiatives, smk.output.initiatives[i])
        log.info(
            "duplicate rule %s: %d respondents, %d initiatives",
            rule,
            len(result.respondents),
            len(result.initiatives),
        )


run(main, snakemake)
