"""Rule derive: register + clean survey -> one row per municipality."""

from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import typed_register


def main(smk, log):
    settings = DeriveSettings.from_config(smk.params.derive)
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    settings.check(questionnaire)
    municipalities = derive_municipalities(
        register=typed_register(files.read_text_table(smk.input.register)),
        respondents=files.read_table(smk.input.respondents),
        initiatives=files.read_table(smk.input.initiatives),
        questionnaire=questionnaire,
        settings=settings,
        data_origin=data_origin(smk.params.synthetic),
    )
    files.write_table(municipalities, smk.output.municipalities)
    log.info(
        "municipalities: %d rows, %d responded",
        len(municipalities),
        municipalities["responded"].sum(),
    )


run(main, snakemake)
