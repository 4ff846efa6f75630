"""Rule validate: the export (any format SurveyXact writes) read, named and its
labels checked; the export against the codebook, the register against its
schema. Writes what was read and how, which export column feeds each variable,
and how every label compared."""

from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.ingest.export import load_export, read_options
from udsyn.ingest.export_structure import structure_of
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import validate_inputs


def main(smk, log):
    survey = smk.params.survey
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    export = load_export(survey, questionnaire, smk.input.dataset, smk.input.labels)
    for detected in export.reading:
        log.info(
            "%s %s read as %s: %s", detected.role, detected.file, detected.format, detected.how
        )
    for match in export.columns.itertuples():
        if match.rule != "exact":
            log.info(
                "column %s <- %s (%s)", match.variable, match.export_column or "-", match.rule
            )
    for check in export.label_checks.itertuples():
        if check.status in ("trimmed", "mapped", "trimmed_and_mapped"):
            log.info(
                "label %s=%s %r -> %r (%s)",
                check.field,
                check.code,
                check.export_label,
                check.expected_label,
                check.status,
            )
    structure = structure_of(
        list(smk.input.structure), read_options(survey), export, questionnaire
    )
    if structure is not None:
        log.info("structure %s: %s", structure[0].file, structure[1])
    if structure is None:
        log.info("no structure in the export: the multiple-choice options' order is not checked")
    register = files.read_text_table(smk.input.register, what="municipality register")
    checks = validate_inputs(
        export,
        register,
        smk.input.register,
        questionnaire,
        survey["timestamp_format"],
        structure,
    )
    checks["sha256"] = [files.sha256_of(path) for path in checks["file"]]
    origin = data_origin(survey["synthetic"])
    for table in (checks, export.columns, export.label_checks):
        table.insert(0, "data_origin", origin)
    files.write_table(checks, smk.output.checks)
    files.write_table(export.columns, smk.output.columns)
    files.write_table(export.label_checks, smk.output.label_checks)
    log.info("validated %s", ", ".join(dict.fromkeys(checks["file"])))


run(main, snakemake)
