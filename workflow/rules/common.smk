# Shared wiring: config validation and the code inputs that make a rule rerun when the logic it uses changes.
from snakemake.utils import validate

validate(config, "../../config/schema/config.schema.yaml")

# The pinned environment: a dependency upgrade reruns everything.
LOCK = "requirements.lock"


def package(*modules):
    """The package modules a rule uses, as inputs (Snakemake does not track imports)."""
    base = ("__init__", "errors", "io", "runner", "questionnaire")
    return [f"workflow/udsyn/{name}.py" for name in base + modules]


SURVEY = config["survey"]
REGISTER = config["register"]["municipalities"]
ALIASES = config["cleaning"]["aliases"]
