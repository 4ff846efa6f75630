"""Rule derive: register + clean survey -> one row per municipality."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.derivation import DeriveSettings, derive_municipalities  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402
from udsyn.validation import validate_register  # noqa: E402


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
