"""Rule derive: register + clean survey -> one row per municipality."""

from udsyn import io
from udsyn.derivation import DeriveSettings, derive_municipalities
from udsyn.questionnaire import build_questionnaire
from udsyn.runner import data_origin, run
from udsyn.validation import validate_register


def main(smk, log):
    settings = DeriveSettings.from_config(smk.params.derive)
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    settings.check(questionnaire)
    municipalities = derive_municipalities(
        register=validate_register(io.read_text_table(smk.input.register), smk.input.register),
        respondents=io.read_table(smk.input.respondents),
        initiatives=io.read_table(smk.input.initiatives),
        questionnaire=questionnaire, settings=settings,
        data_origin=data_origin(smk.params.synthetic))
    io.write_table(municipalities, smk.output.municipalities)
    log.info("municipalities: %d rows, %d responded", len(municipalities),
             municipalities["responded"].sum())


run(main, snakemake)
