"""What the warm server imports once (udsyn.core.warm): every udsyn module a rule
script imports and the libraries they import only inside functions.

Imported only in that server, never by a rule. The thread variables are set first,
to what Snakemake's shell sets for a one-thread job, because the numeric libraries
read them when imported (a job with more threads sets them again in its fork).
"""

import os

from udsyn.core.warm import THREAD_VARIABLES

for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"

# multiprocessing runs the parent's main script again in every fork (Python 3.11's
# forkserver never imports it in the server, though it means to): for Snakemake that
# is its whole command line, 0.4 s per job. The forks run udsyn.core.warm's function
# and the rule's script only, so the server's forks skip it.
import multiprocessing.spawn

_prepare = multiprocessing.spawn.prepare


def _prepare_without_main(data):
    _prepare({key: value for key, value in data.items() if not key.startswith("init_main")})


multiprocessing.spawn.prepare = _prepare_without_main

# ruff: noqa: E402, F401, I001 (imports for their side effect, after the variables)
import importlib
import pkgutil

import pandera.pandas
import scipy.stats
import snakemake.iocontainers
import snakemake.logging
from statsmodels.discrete.discrete_model import Logit
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS

import udsyn

# every stage but the synthetic generator (make synthetic and the calibration only)
for _module in pkgutil.walk_packages(udsyn.__path__, "udsyn."):
    if not _module.name.startswith(("udsyn.synthetic", "udsyn.core.preload")):
        importlib.import_module(_module.name)
