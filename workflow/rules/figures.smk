# The figures: one rule per entry of the figure manifest (workflow/figures.yaml),
# figure_<id> -> results/figures/<id>.png and .svg, and <id>.<locale>.png and .svg
# for every other language of the report (one job draws all languages from the
# same tables; the words from the locale's catalogue). The manifest names each
# figure's data, drawing function and config values; its caption is for the report.
# (The manifest is loaded and checked, and FIGURES and FIGURE_GROUPS computed,
# in common.smk.)


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
            **CATALOGUES,
            code=package(
                "report.figures",
                "report.figure_manifest",
                "report.i18n",
                "report.numbers",
                "multiverse.grid",
            ),
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
            **{
                f"{kind}_{i}_{locale}": localised(
                    FIGURE_MANIFEST[i]["outputs"][kind], locale
                )
                for i in figure_ids
                for kind in ("png", "svg")
                for locale in OTHER_LOCALES
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
            locales=LOCALES,
        script:
            f"../../{FIGURE_MANIFEST[figure_ids[0]]['script']}"
