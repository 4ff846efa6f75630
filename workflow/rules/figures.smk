# The figures: one rule per entry of the figure manifest (workflow/figures.yaml),
# figure_<id> -> results/figures/<id>.png and .svg. The manifest names each
# figure's data, drawing function and config values; its caption is for the report.
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

FIGURE_MANIFEST_FILE = "workflow/figures.yaml"
with open(FIGURE_MANIFEST_FILE, encoding="utf-8") as handle:
    FIGURE_MANIFEST_ALL = yaml.safe_load(handle)
# Its structure by workflow/schemas/figures.schema.yaml, as the config by its own:
# a figure cannot exist without its caption and its source, and an unknown, missing
# or mistyped key stops the build naming it. (snakemake.utils.validate calls every
# file it checks a config file: the message names this one.)
try:
    validate(FIGURE_MANIFEST_ALL, "../schemas/figures.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(
        f"{FIGURE_MANIFEST_FILE} does not follow workflow/schemas/figures.schema.yaml"
        " (correct the figure manifest):",
        error.__context__ or error,
    ) from None
FIGURE_MANIFEST = FIGURE_MANIFEST_ALL["figures"]
# The reader's words for config identifiers: a parameter of every figure rule, so
# editing a label redraws the figures (and editing a caption does not).
FIGURE_LABELS = FIGURE_MANIFEST_ALL["labels"]

# Every figure file, for `rule all` (and the report).
FIGURES = [
    path for spec in FIGURE_MANIFEST.values() for path in spec["outputs"].values()
]

# Figures are drawn one rule each, except where entries name a common `rule`
# (the specification curves: one job reads their data once and draws them all,
# saving a process start per figure).
FIGURE_GROUPS = {}
for figure_id, spec in FIGURE_MANIFEST.items():
    FIGURE_GROUPS.setdefault(spec.get("rule", f"figure_{figure_id}"), []).append(
        figure_id
    )
for group, figure_ids in FIGURE_GROUPS.items():
    scripts = {FIGURE_MANIFEST[i]["script"] for i in figure_ids}
    data = {}
    for i in figure_ids:
        for name, path in FIGURE_MANIFEST[i]["data"].items():
            if data.setdefault(name, path) != path:
                raise ValueError(
                    f"workflow/figures.yaml: rule {group} reads two files as {name}"
                )
    if len(scripts) != 1:
        raise ValueError(
            f"workflow/figures.yaml: the figures of rule {group} need one script"
        )

for group, figure_ids in FIGURE_GROUPS.items():

    rule:
        name:
            group
        input:
            **{
                name: path
                for i in figure_ids
                for name, path in FIGURE_MANIFEST[i]["data"].items()
            },
            code=package("report.figures", "report.figure_manifest", "multiverse.grid"),
            style="workflow/matplotlibrc",
            lock=LOCK,
        output:
            **{
                f"{kind}_{i}": (
                    report(
                        FIGURE_MANIFEST[i]["outputs"]["png"],
                        caption="../report/figure.rst",
                        category="Figures",
                        labels={"figure": FIGURE_MANIFEST[i]["title"]},
                    )
                    if kind == "png"
                    else FIGURE_MANIFEST[i]["outputs"]["svg"]
                )
                for i in figure_ids
                for kind in ("png", "svg")
            },
        log:
            f"logs/{group}.log",
        params:
            figures=[
                {
                    "id": i,
                    "function": FIGURE_MANIFEST[i]["function"],
                    "data": list(FIGURE_MANIFEST[i]["data"]),
                    "options": {
                        **{
                            # the multiverse in force: the main analysis' values included
                            name: {**config, "multiverse": MULTIVERSE}[
                                key.split(".")[0]
                            ][key.split(".")[1]]
                            for name, key in FIGURE_MANIFEST[i]["params"].items()
                        },
                        **FIGURE_MANIFEST[i].get("fixed", {}),
                    },
                }
                for i in figure_ids
            ],
            labels=FIGURE_LABELS,
        script:
            f"../../{FIGURE_MANIFEST[figure_ids[0]]['script']}"
