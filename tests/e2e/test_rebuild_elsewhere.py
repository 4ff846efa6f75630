"""End to end: a second build elsewhere gives the same bytes. (Its own file, so that
pytest-xdist can run this long build beside the other end-to-end files.)"""

from __future__ import annotations

import pytest
from conftest import copy_project, make, result_files

pytestmark = pytest.mark.e2e


@pytest.mark.own_build
def test_rebuild_elsewhere_is_byte_identical(request, tmp_path):
    """Another path, hash seed, time zone, locale and core count: the same bytes. (That a
    new Python per job gives the bytes of the warm server's forks, udsyn.core.warm, is
    make verify's: its second build runs every job that way.)"""
    other = copy_project(tmp_path / "elsewhere")
    env = {"PYTHONHASHSEED": "4242", "TZ": "America/Los_Angeles", "LC_ALL": "C.UTF-8"}
    result = make(other, "CORES=1", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # the shared build only now: this build runs beside it, not after it
    built = request.getfixturevalue("built")
    assert result_files(other) == result_files(built)
