"""The verdict on each claim, by criteria declared in config before the results
were seen (``verdicts`` in config/config.yaml).

A claim is reported "as claimed" only when both hold:

1. the main analysis passes the claim's test (``multiverse.holds``: its
   interval lies above, below or within what the claim says; a wide interval
   never passes), and
2. the claim holds in at least ``verdicts.min_share_distinct_holds`` of the
   multiverse's distinct analyses.

Otherwise it is "fragile" (the main analysis passes, the multiverse does not
agree often enough) or "not supported" (the main analysis does not pass), or
"not estimable" when the main analysis has no interval on these data (say, the
capital did not respond): its test can neither pass nor fail, and reading it as
failed would report a claim refuted that was never tested. The report prints the
verdict this table gives; it decides nothing itself.
"""

from __future__ import annotations

import pandas as pd

VERDICTS = {
    "as claimed": "the main analysis passes the claim's test and the claim holds in at least "
    "the configured share of the multiverse's distinct analyses",
    "fragile": "the main analysis passes the claim's test, but the claim holds in fewer than "
    "the configured share of the distinct analyses",
    "not supported": "the main analysis does not pass the claim's test",
    "not estimable": "the main analysis has no interval on these data, so its test can "
    "neither pass nor fail",
}


def verdict(main_holds: bool | None, share_distinct_holds: float, min_share: float) -> str:
    """The verdict on one claim (see the module docstring); ``main_holds`` None: the
    main analysis has no interval."""
    if main_holds is None:
        return "not estimable"
    if not main_holds:
        return "not supported"
    return "as claimed" if share_distinct_holds >= min_share else "fragile"


def verdict_table(summary: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """One row per claim of the multiverse summary: the main analysis' test,
    the share of distinct analyses in which the claim holds, and the verdict."""
    main_holds = [
        {"yes": True, "no": False}.get(str(value).strip())
        for value in summary["main_holds"].fillna("")
    ]
    verdicts = [
        verdict(holds, share, min_share)
        for holds, share in zip(main_holds, summary["share_distinct_holds"])
    ]
    return pd.DataFrame(
        {
            "claim": summary["claim"],
            "test": summary["holds_when"],
            "main_estimate": summary["main_estimate"],
            "main_ci_low": summary["main_ci_low"],
            "main_ci_high": summary["main_ci_high"],
            "main_passes": [{True: "yes", False: "no", None: ""}[h] for h in main_holds],
            "n_distinct": summary["n_distinct"],
            "n_distinct_holds": summary["n_distinct_holds"],
            "share_distinct_holds": summary["share_distinct_holds"],
            "min_share_distinct_holds": min_share,
            "verdict": verdicts,
            "criterion": [VERDICTS[v] for v in verdicts],
        }
    )
