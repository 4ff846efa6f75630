"""Municipality names to register codes: normalisation, aliases, errors, no guessing."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from udsyn.clean.names import MunicipalityMatcher, NameMatch, normalise_name
from udsyn.core.errors import InputError

ROOT = Path(__file__).parents[2]
REGISTER_FILE = "data/raw/register/municipalities.csv"
ALIASES_FILE = "config/municipality_aliases.csv"
REGISTER = pd.read_csv(ROOT / REGISTER_FILE, dtype=str, keep_default_na=False)
ALIASES = pd.read_csv(ROOT / ALIASES_FILE, dtype=str, keep_default_na=False)
REGISTER_ROWS = list(zip(REGISTER["code"].astype(int), REGISTER["name"]))
ALIAS_ROWS = list(zip(ALIASES["alias"], ALIASES["code"].astype(int)))
NAME_OF = dict(REGISTER_ROWS)
WHERE = dict(file="dataset.csv", row=7, column="kommune")


@pytest.fixture(scope="module")
def matcher() -> MunicipalityMatcher:
    return MunicipalityMatcher(
        REGISTER, ALIASES, register_file=REGISTER_FILE, aliases_file=ALIASES_FILE
    )


def small_matcher(aliases: list[tuple[str, str, str]]) -> MunicipalityMatcher:
    register = pd.DataFrame(
        {"code": ["101", "751", "461"], "name": ["København", "Aarhus", "Odense"]}
    )
    table = pd.DataFrame(aliases, columns=["alias", "code", "reason"])
    return MunicipalityMatcher(
        register, table, register_file="register.csv", aliases_file="aliases.csv"
    )


def test_register_has_98_municipalities():
    assert len(REGISTER_ROWS) == 98


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Aarhus", "aarhus"),
        ("Århus", "aarhus"),
        ("ÅRHUS", "aarhus"),
        ("Århus Kommune", "aarhus"),
        ("  Aarhus   kommune  ", "aarhus"),
        ("A\u030arhus", "aarhus"),  # decomposed å
        ("Køge", "koege"),
        ("Koege", "koege"),
        ("Ærø", "aeroe"),
        ("Høje-Taastrup", "hoeje taastrup"),
        ("Høje Taastrup", "hoeje taastrup"),
        ("Høje_Taastrup", "hoeje taastrup"),
        ("Høje\u2013Taastrup", "hoeje taastrup"),
        ("Høje - Taastrup Kommune", "hoeje taastrup"),
        ("Lyngby-Taarbæk", "lyngby taarbaek"),
        ("Københavns Kommune", "koebenhavns"),
        ("Kommunekontoret", "kommunekontoret"),  # only a whole trailing word is dropped
        ("Kommune", ""),
        ("", ""),
    ],
)
def test_normalise_name(name, key):
    assert normalise_name(name) == key


@pytest.mark.parametrize(("code", "name"), REGISTER_ROWS)
def test_every_register_name_matches_itself_exactly(matcher, code, name):
    assert matcher.match(name, **WHERE) == NameMatch(code, name, "exact")


@pytest.mark.parametrize(("code", "name"), REGISTER_ROWS)
@pytest.mark.parametrize(
    "variant",
    [
        lambda name: f"{name} Kommune",
        lambda name: f"{name} kommune",
        lambda name: name.upper(),
        lambda name: name.lower(),
        lambda name: f"  {name}  ",
        lambda name: name.replace("-", " "),
        lambda name: name.replace("å", "aa").replace("æ", "ae").replace("ø", "oe"),
        lambda name: unicodedata.normalize("NFD", name),
        lambda name: f"{name.upper()}  KOMMUNE",
    ],
    ids=[
        "kommune",
        "kommune-lower",
        "upper",
        "lower",
        "padded",
        "hyphen-space",
        "transliterated",
        "decomposed",
        "upper-kommune",
    ],
)
def test_every_register_name_variant_matches(matcher, code, name, variant):
    raw = variant(name)
    expected_rule = "exact" if raw == name else "normalised"
    assert matcher.match(raw, **WHERE) == NameMatch(code, name, expected_rule)


@pytest.mark.parametrize(("alias", "code"), ALIAS_ROWS)
def test_every_alias_matches(matcher, alias, code):
    assert matcher.match(alias, **WHERE) == NameMatch(code, NAME_OF[code], "alias")
    assert matcher.match(f"{alias.upper()} Kommune", **WHERE) == NameMatch(
        code, NAME_OF[code], "alias"
    )


@pytest.mark.parametrize(
    ("raw", "code", "rule"),
    [
        ("Århus", 751, "normalised"),
        ("Århus Kommune", 751, "normalised"),
        ("Koege", 259, "normalised"),
        ("Københavns Kommune", 101, "alias"),
        ("Kjøbenhavn", 101, "alias"),
        ("Nordfyn", 480, "alias"),
        ("Nordfyn Kommune", 480, "alias"),
        ("Brønderslev-Dronninglund", 810, "alias"),
        ("Tåstrup", None, None),  # a real place, but not a municipality name
    ],
)
def test_matching_examples(matcher, raw, code, rule):
    if code is None:
        with pytest.raises(InputError):
            matcher.match(raw, **WHERE)
    else:
        found = matcher.match(raw, **WHERE)
        assert (found.code, found.name, found.rule) == (code, NAME_OF[code], rule)


def test_unmatched_name_raises_with_location_and_suggestions(matcher):
    with pytest.raises(InputError) as caught:
        matcher.match("Arhus", file="data/raw/survey/dataset.csv", row=12, column="kommune")
    error = caught.value
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "data/raw/survey/dataset.csv",
        12,
        "kommune",
        "Arhus",
    )
    message = str(error)
    assert "data/raw/survey/dataset.csv, row 12, column 'kommune'" in message
    assert "'Arhus'" in message
    assert "closest register names: Aarhus, Randers, Ballerup" in message
    assert "config/municipality_aliases.csv (alias,code,reason)" in message
    assert "fix the name in the export" in message


def test_fuzzy_close_name_is_never_matched(matcher):
    # One letter from "Odense": still an error, with Odense suggested first.
    with pytest.raises(InputError, match="closest register names: Odense"):
        matcher.match("Odensee", **WHERE)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_missing_name_raises(matcher, raw):
    with pytest.raises(InputError, match="municipality name is missing"):
        matcher.match(raw, **WHERE)


@pytest.mark.parametrize(
    ("raw", "k", "expected"),
    [
        ("Arhus", 3, ["Aarhus", "Randers", "Ballerup"]),
        ("Kbh", 1, ["København"]),
        ("Ringkøbing", 2, ["Ringkøbing-Skjern", "Herning"]),
        ("Frederiksværk", 3, ["Frederiksberg", "Frederikshavn", "Fredericia"]),
        ("Aarhus", 0, []),
    ],
)
def test_closest(matcher, raw, k, expected):
    assert matcher.closest(raw, k) == expected


def test_closest_breaks_ties_by_name():
    matcher = small_matcher([])
    # "zzzzz" shares nothing with any name: all score 0, so alphabetical order.
    assert matcher.closest("zzzzz", 3) == ["Aarhus", "København", "Odense"]


def test_suggestions_count_is_respected(matcher):
    with pytest.raises(InputError) as caught:
        matcher.match("Arhus", **WHERE, suggestions=1)
    assert caught.value.problems[0].message.endswith("closest register names: Aarhus")


def test_match_series_aligned_and_each_value_once(matcher):
    raw = pd.Series(["Århus", "København", "Københavns Kommune", "Århus"], index=[4, 5, 6, 7])
    matched = matcher.match_series(
        raw, file="d.csv", column="kommune", row_numbers=pd.Series([1, 2, 3, 4], index=raw.index)
    )
    assert list(matched.index) == [4, 5, 6, 7]
    assert list(matched.columns) == ["code", "name", "rule"]
    assert matched["code"].tolist() == [751, 101, 101, 751]
    assert matched["name"].tolist() == ["Aarhus", "København", "København", "Aarhus"]
    assert matched["rule"].tolist() == ["normalised", "exact", "alias", "normalised"]


def test_match_series_reports_all_unmatched_names(matcher):
    raw = pd.Series(["Arhus", "Aarhus", "Kbh", "Arhus", ""])
    with pytest.raises(InputError) as caught:
        matcher.match_series(
            raw, file="d.csv", column="kommune", row_numbers=pd.Series([1, 2, 3, 4, 5])
        )
    problems = caught.value.problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (1, "kommune", "Arhus"),
        (3, "kommune", "Kbh"),
        (5, "kommune", ""),
    ]
    assert "(on 2 rows)" in problems[0].message
    assert "closest register names: København" in problems[1].message
    assert "missing" in problems[2].message
    assert all(p.file == "d.csv" for p in problems)


def test_match_series_empty(matcher):
    matched = matcher.match_series(
        pd.Series([], dtype="str"),
        file="d.csv",
        column="kommune",
        row_numbers=pd.Series([], dtype="int64"),
    )
    assert matched.shape == (0, 3)


@pytest.mark.parametrize(
    ("aliases", "row", "column", "fragment"),
    [
        ([("Aarhus Kommune", "751", "redundant")], 1, "alias", "redundant"),
        ([("ÅRHUS", "751", "redundant")], 1, "alias", "redundant"),
        (
            [("Kbh", "101", "short"), ("KBH", "101", "again")],
            2,
            "alias",
            "like the alias on row 1",
        ),
        (
            [("Kbh", "101", "short"), ("Kbh Kommune", "461", "clash")],
            2,
            "alias",
            "like the alias on row 1",
        ),
        ([("Kbh", "999", "no such code")], 1, "code", "not a municipality code"),
        ([("Kbh", "abc", "not a code")], 1, "code", "not a municipality code"),
        ([("Odense C", "461", "ok"), ("  ", "461", "blank")], 2, "alias", "alias is empty"),
    ],
)
def test_bad_alias_table_raises(aliases, row, column, fragment):
    with pytest.raises(InputError) as caught:
        small_matcher(aliases)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("aliases.csv", row, column)
    assert fragment in problem.message


def test_bad_alias_table_reports_every_problem():
    with pytest.raises(InputError) as caught:
        small_matcher(
            [
                ("Kbh", "999", "bad code"),
                ("Aarhus", "751", "redundant"),
                ("Odense C", "461", "fine"),
            ]
        )
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "code"), (2, "alias")]


def test_alias_table_missing_column_raises():
    with pytest.raises(InputError, match="column 'code' is missing"):
        MunicipalityMatcher(
            REGISTER,
            pd.DataFrame({"alias": ["Kbh"], "reason": ["x"]}),
            register_file=REGISTER_FILE,
            aliases_file=ALIASES_FILE,
        )


def test_register_names_colliding_after_normalisation_raise():
    register = pd.DataFrame({"code": ["751", "752"], "name": ["Aarhus", "Århus"]})
    with pytest.raises(InputError) as caught:
        MunicipalityMatcher(
            register,
            pd.DataFrame(columns=["alias", "code", "reason"]),
            register_file="register.csv",
            aliases_file="aliases.csv",
        )
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "register.csv",
        2,
        "name",
        "Århus",
    )


def test_valid_small_alias_table():
    matcher = small_matcher([("Kbh", "101", "short form")])
    assert matcher.match("KBH kommune", **WHERE) == NameMatch(101, "København", "alias")


# ---- pre-2007 municipalities (data/raw/register/predecessors.csv) ----

PREDECESSORS_FILE = "data/raw/register/predecessors.csv"
PREDECESSORS = pd.read_csv(ROOT / PREDECESSORS_FILE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def with_predecessors() -> MunicipalityMatcher:
    return MunicipalityMatcher(
        REGISTER,
        ALIASES,
        register_file=REGISTER_FILE,
        aliases_file=ALIASES_FILE,
        predecessors=PREDECESSORS,
        predecessors_file=PREDECESSORS_FILE,
    )


@pytest.mark.parametrize(
    "raw, code, rule",
    [
        ("Ramsø", 265, "predecessor"),
        ("Ærøskøbing", 492, "predecessor"),
        ("Marstal Kommune", 492, "predecessor"),
        ("nykoebing falster", 376, "predecessor"),
        ("Fredensborg-Humlebæk", 210, "predecessor"),
        ("Hillerød", 219, "exact"),  # kept its name: the register matches first
        ("Vejle", 630, "exact"),  # old code 631, same name
        ("Frederiksværk-Hundested", 260, "alias"),  # the alias table comes before
    ],
)
def test_predecessor_names_match_their_successor(with_predecessors, raw, code, rule):
    found = with_predecessors.match(raw, **WHERE)
    assert (found.code, found.rule) == (code, rule)
    assert found.name == NAME_OF[code]


def test_every_unsplit_predecessor_matches(with_predecessors):
    successors = PREDECESSORS.groupby("old_name")["new_code"].agg(set)
    for old_name, codes in successors.items():
        if len(codes) == 1:
            assert with_predecessors.match(old_name, **WHERE).code == int(next(iter(codes)))


@pytest.mark.parametrize(
    "raw, names",
    [
        ("Slangerup", ["Frederikssund (250, most of it)", "Hillerød (219, a part)"]),
        (
            "Aalestrup",
            [
                "Vesthimmerlands (820, most of it)",
                "Mariagerfjord (846, a part)",
                "Viborg (791, a part)",
            ],
        ),
        ("Sønderhald kommune", ["Randers (730, most of it)", "Norddjurs (707, a part)"]),
    ],
)
def test_a_split_predecessor_is_an_error_naming_the_candidates(with_predecessors, raw, names):
    with pytest.raises(InputError) as caught:
        with_predecessors.match(raw, **WHERE)
    message = str(caught.value)
    assert "split between " + " and ".join(names) in message
    assert "dataset.csv, row 7, column 'kommune'" in message and "alias line" in message


def test_an_alias_settles_a_split_predecessor():
    aliases = pd.concat(
        [
            ALIASES,
            pd.DataFrame(
                [
                    {
                        "alias": "Slangerup",
                        "code": "219",
                        "reason": "the respondent works in Hillerød",
                    }
                ]
            ),
        ]
    )
    matcher = MunicipalityMatcher(
        REGISTER,
        aliases,
        register_file=REGISTER_FILE,
        aliases_file=ALIASES_FILE,
        predecessors=PREDECESSORS,
        predecessors_file=PREDECESSORS_FILE,
    )
    assert matcher.match("Slangerup", **WHERE) == NameMatch(219, "Hillerød", "alias")


@pytest.mark.parametrize(
    "row, column, value, fragment",
    [
        (0, "new_code", "999", "successor code is not a municipality code"),
        (1, "share", "most", "share must be 'counted' or 'part'"),
        (2, "old_name", " ", "old name is empty"),
    ],
)
def test_bad_predecessor_table_raises(row, column, value, fragment):
    table = PREDECESSORS.copy()
    table.loc[row, column] = value
    with pytest.raises(InputError) as caught:
        MunicipalityMatcher(
            REGISTER,
            ALIASES,
            register_file=REGISTER_FILE,
            aliases_file=ALIASES_FILE,
            predecessors=table,
            predecessors_file=PREDECESSORS_FILE,
        )
    assert f"{PREDECESSORS_FILE}, row {row + 1}, column '{column}'" in str(caught.value)
    assert fragment in str(caught.value)


def test_without_the_predecessor_table_old_names_are_unmatched(matcher):
    with pytest.raises(InputError):
        matcher.match("Ramsø", **WHERE)
