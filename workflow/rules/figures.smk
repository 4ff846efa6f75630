# The figures: one rule per entry of the figure manifest (workflow/figures.yaml),
# figure_<id> -> results/figures/<id>.png and .svg. The manifest names each
# figure's data, drawing function and config values; its caption is for the report.
import yaml

FIGURE_MANIFEST_FILE = "workflow/figures.yaml"
with open(FIGURE_MANIFEST_FILE, encoding="utf-8") as handle:
    FIGURE_MANIFEST = yaml.safe_load(handle)["figures"]

# A figure cannot exist without its caption and its source.
FIGURE_KEYS = "title section script function data params outputs caption values".split()
for figure_id, spec in FIGURE_MANIFEST.items():
    missing = [key for key in FIGURE_KEYS if key not in spec]
    if missing:
        raise ValueError(f"workflow/figures.yaml: figure {figure_id} lacks {missing}")

# Every figure file, for `rule all` (and the report).
FIGURES = [
    path for spec in FIGURE_MANIFEST.values() for path in spec["outputs"].values()
]

for figure_id, spec in FIGURE_MANIFEST.items():

    rule:
        name:
            f"figure_{figure_id}"
        input:
            **spec["data"],
            code=package("figures", "manifest", "grid"),
            style="workflow/matplotlibrc",
            lock=LOCK,
        output:
            png=report(
                spec["outputs"]["png"],
                caption="../report/figure.rst",
                category="Figures",
                labels={"figure": spec["title"]},
            ),
            svg=spec["outputs"]["svg"],
        log:
            f"logs/figure_{figure_id}.log",
        params:
            function=spec["function"],
            data=list(spec["data"]),
            options={
                **{
                    name: config[key.split(".")[0]][key.split(".")[1]]
                    for name, key in spec["params"].items()
                },
                **spec.get("fixed", {}),
            },
        script:
            f"../../{spec['script']}"
