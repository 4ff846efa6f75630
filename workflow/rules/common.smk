# Shared wiring: config validation, the package on the scripts' path, and the
# code inputs that make a rule rerun when the logic it uses changes.
import os
from pathlib import Path

from snakemake.utils import validate


validate(config, "../../config/schema/config.schema.yaml")

# Rule scripts import the udsyn package from workflow/ (they run as
# subprocesses, which inherit this environment).
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(Path(workflow.basedir) / "workflow"), os.environ.get("PYTHONPATH")])
)

# The pinned environment: a dependency upgrade reruns everything.
LOCK = "requirements.lock"


def package(*modules):
    """The package modules a rule uses, as inputs (Snakemake does not track imports)."""
    base = ("__init__", "errors", "io", "runner", "questionnaire")
    return [f"workflow/udsyn/{name}.py" for name in base + modules]


SURVEY = config["survey"]
REGISTER = config["register"]["municipalities"]
ALIASES = config["cleaning"]["aliases"]
