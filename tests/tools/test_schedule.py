"""The order in which pytest-xdist hands out the test files (tests/conftest.py,
file_order): long files first, so that a run does not end waiting on one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conftest import (
    SHARED_BUILD_SECONDS,
    TEST_SECONDS,
    UNTIMED_TEST_SECONDS,
    file_order,
    recorded_build_seconds,
    recorded_seconds,
    schedule_key,
)


@dataclass
class Item:
    """What the ordering reads of a pytest item."""

    path: Path
    name: str
    markers: tuple[str, ...] = ()
    fixturenames: list[str] = field(default_factory=list)

    @property
    def nodeid(self) -> str:
        return f"{self.path}::{self.name}"

    def get_closest_marker(self, name: str):
        return name if name in self.markers else None


def ordered(items: list[Item], seconds: dict[str, float], build_seconds: float = 0.0) -> list[str]:
    order = file_order(items, seconds, build_seconds)
    return [item.nodeid for item in sorted(items, key=lambda item: schedule_key(order, item))]


def test_end_to_end_files_then_the_longest_files_first():
    items = [
        Item(Path("tests/unit/test_short.py"), "a"),
        Item(Path("tests/unit/test_long.py"), "a"),
        Item(Path("tests/unit/test_long.py"), "b"),
        Item(Path("tests/e2e/test_uses_build.py"), "a", ("e2e",), ["built"]),
        Item(Path("tests/e2e/test_builds.py"), "a", ("e2e",)),
    ]
    seconds = {
        "tests/unit/test_short.py::a": 30.0,  # one long test outweighs two short ones
        "tests/unit/test_long.py::a": 1.0,
        "tests/unit/test_long.py::b": 1.0,
        "tests/e2e/test_uses_build.py::a": 0.5,
        "tests/e2e/test_builds.py::a": 0.4,
    }
    assert ordered(items, seconds) == [
        "tests/e2e/test_uses_build.py::a",
        "tests/e2e/test_builds.py::a",
        "tests/unit/test_short.py::a",
        "tests/unit/test_long.py::a",
        "tests/unit/test_long.py::b",
    ]


def test_while_the_shared_build_is_made_the_other_worker_runs_files_without_it():
    """First the longest file that needs the shared build (its worker makes it), then
    the longest files without end-to-end tests, as many as fill the time the build
    took last time (the other worker's, instead of waiting for the build), then the
    other end-to-end files, then the rest."""
    items = [
        Item(Path("tests/e2e/test_a.py"), "a", ("e2e",), ["built"]),
        Item(Path("tests/e2e/test_b.py"), "a", ("e2e",), ["built"]),
        Item(Path("tests/e2e/test_c.py"), "a", ("e2e",)),
        Item(Path("tests/unit/test_u1.py"), "a"),
        Item(Path("tests/unit/test_u2.py"), "a"),
        Item(Path("tests/unit/test_u3.py"), "a"),
    ]
    seconds = {
        "tests/e2e/test_a.py::a": 10.0,
        "tests/e2e/test_b.py::a": 50.0,
        "tests/e2e/test_c.py::a": 60.0,
        "tests/unit/test_u1.py::a": 20.0,
        "tests/unit/test_u2.py::a": 15.0,
        "tests/unit/test_u3.py::a": 5.0,
    }
    files = [nodeid.split("::")[0].split("/")[-1] for nodeid in ordered(items, seconds, 30.0)]
    assert files == [
        "test_b.py",
        "test_u1.py",
        "test_u2.py",
        "test_c.py",
        "test_a.py",
        "test_u3.py",
    ]
    # the build not timed yet: nothing is moved before the other end-to-end files
    files = [nodeid.split("::")[0].split("/")[-1] for nodeid in ordered(items, seconds)]
    assert files == [
        "test_b.py",
        "test_c.py",
        "test_a.py",
        "test_u1.py",
        "test_u2.py",
        "test_u3.py",
    ]


def test_untimed_tests_count_by_number_and_a_file_keeps_its_tests_together():
    items = [
        Item(Path("tests/unit/test_one.py"), "a"),
        Item(Path("tests/unit/test_three.py"), "a"),
        Item(Path("tests/unit/test_one.py"), "b"),
        Item(Path("tests/unit/test_three.py"), "b"),
        Item(Path("tests/unit/test_three.py"), "c"),
    ]
    # nothing timed yet: 3 x 0.1 s before 2 x 0.1 s; one timed test changes it
    assert ordered(items, {})[0] == "tests/unit/test_three.py::a"
    timed = {"tests/unit/test_one.py::a": 4 * UNTIMED_TEST_SECONDS}
    assert ordered(items, timed) == [
        "tests/unit/test_one.py::a",
        "tests/unit/test_one.py::b",
        "tests/unit/test_three.py::a",
        "tests/unit/test_three.py::b",
        "tests/unit/test_three.py::c",
    ]


def test_in_a_file_the_tests_that_need_the_shared_build_come_first_in_their_order():
    path = Path("tests/unit/test_mixed.py")
    items = [
        Item(path, "unit_1"),
        Item(path, "e2e_1", ("e2e",), ["tmp_path", "built"]),
        Item(path, "unit_2"),
        Item(path, "e2e_2", ("e2e",), ["sabotaged", "built"]),
    ]
    assert [nodeid.split("::")[1] for nodeid in ordered(items, {})] == [
        "e2e_1",
        "e2e_2",
        "unit_1",
        "unit_2",
    ]


class Cache:
    def __init__(self, values: dict) -> None:
        self.values = values

    def get(self, key: str, default):
        return self.values.get(key, default)


class Config:
    """What recorded_seconds reads of pytest's config: its cache, and a worker's input."""

    def __init__(self, cache=None, workerinput=None) -> None:
        if cache is not None:
            self.cache = cache
        if workerinput is not None:
            self.workerinput = workerinput


def test_workers_order_by_the_times_the_controller_read_not_by_the_cache():
    cache = Cache({TEST_SECONDS: {"tests/unit/test_a.py::a": 2.0}})
    controller = {TEST_SECONDS: {"tests/unit/test_a.py::a": 5.0}}
    assert recorded_seconds(Config(cache, workerinput=controller)) == {
        "tests/unit/test_a.py::a": 5.0
    }
    assert recorded_seconds(Config(cache)) == {"tests/unit/test_a.py::a": 2.0}
    assert recorded_seconds(Config()) == {}  # -p no:cacheprovider: untimed
    cache = Cache({SHARED_BUILD_SECONDS: 30.0})
    assert recorded_build_seconds(Config(cache, workerinput={SHARED_BUILD_SECONDS: 40.0})) == 40.0
    assert recorded_build_seconds(Config(cache)) == 30.0
    assert recorded_build_seconds(Config()) == 0.0
