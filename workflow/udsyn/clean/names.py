"""Municipality names as typed in a distribution list, matched to register codes.

A name matches a register municipality exactly, after normalisation (case,
whitespace, hyphens, a trailing "Kommune", å/æ/ø spelled aa/ae/oe), through
the documented alias table (old names, genitive and short forms), or as the
name of a pre-2007 municipality through the predecessor table
(data/raw/register/predecessors.csv), in that order. A pre-2007 municipality
that was split between successors cannot be placed by its name: it is an input
error naming the candidates. Anything else is an input error listing the
closest register names: fuzzy matching only ever makes suggestions, because a
silent guess could put a respondent in the wrong municipality.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from udsyn.core.errors import InputError, Problem

_SEPARATORS = re.compile(r"[-_\u2013]")
_TRAILING_KOMMUNE = re.compile(r"(?:^|\s)kommune$")
_TRANSLITERATE = str.maketrans({"å": "aa", "æ": "ae", "ø": "oe"})


def normalise_name(name: str) -> str:
    """The comparison key of a municipality name ("Århus Kommune" -> "aarhus").

    NFC, casefold, hyphens/underscores/en-dashes to spaces, single spaces, a
    trailing word "kommune" dropped, å/æ/ø transliterated to aa/ae/oe.
    """
    key = unicodedata.normalize("NFC", name).casefold().strip()
    key = " ".join(_SEPARATORS.sub(" ", key).split())
    key = _TRAILING_KOMMUNE.sub("", key)
    return key.translate(_TRANSLITERATE).strip()


@dataclass(frozen=True)
class NameMatch:
    """The register municipality a name matched, and how."""

    code: int
    name: str  # the register's spelling
    rule: str  # "exact", "normalised", "alias" or "predecessor"


def _row(position: int) -> int:
    """The 1-based data row (record after the header) at 0-based ``position``."""
    return position + 1


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


class MunicipalityMatcher:
    """Matches names to the register, by exact name, normalised name or alias."""

    def __init__(
        self,
        register: pd.DataFrame,
        aliases: pd.DataFrame,
        *,
        register_file: str,
        aliases_file: str,
        predecessors: pd.DataFrame | None = None,
        predecessors_file: str = "",
    ) -> None:
        self.register_file = register_file
        self.aliases_file = aliases_file
        self.predecessors_file = predecessors_file
        self._by_name: dict[str, NameMatch] = {}  # exact register name -> match
        self._by_key: dict[str, NameMatch] = {}  # normalised name or alias -> match
        self._keys: dict[str, str] = {}  # register name -> normalised name
        # normalised pre-2007 name -> its successors [(code, register name, share)]
        self._split: dict[str, list[tuple[int, str, str]]] = {}
        problems = self._load_register(register) + self._load_aliases(aliases)
        if predecessors is not None and not problems:
            problems = self._load_predecessors(predecessors)
        if problems:
            raise InputError(
                problems,
                "make every register name and alias distinct after "
                "normalisation (case, spaces, hyphens, 'Kommune', å/æ/ø), point "
                "every alias and successor at a register code, and mark each "
                "predecessor row's share 'counted' or 'part'",
            )

    def _load_register(self, register: pd.DataFrame) -> list[Problem]:
        problems = _missing_columns(register, ("code", "name"), self.register_file)
        if problems:
            return problems
        first_row: dict[str, int] = {}
        for position, (code, name) in enumerate(zip(register["code"], register["name"])):
            row = _row(position)
            number = _int_or_none(code)
            if number is None:
                problems.append(
                    Problem(self.register_file, "code is not a whole number", row, "code", code)
                )
                continue
            key = normalise_name(str(name))
            if key in first_row:
                problems.append(
                    Problem(
                        self.register_file,
                        f"name normalises to '{key}', like the name on row {first_row[key]}",
                        row,
                        "name",
                        name,
                    )
                )
                continue
            first_row[key] = row
            self._by_name[str(name)] = NameMatch(number, str(name), "exact")
            self._by_key[key] = NameMatch(number, str(name), "normalised")
            self._keys[str(name)] = key
        return problems

    def _load_aliases(self, aliases: pd.DataFrame) -> list[Problem]:
        problems = _missing_columns(aliases, ("alias", "code", "reason"), self.aliases_file)
        if problems:
            return problems
        names_by_code = {match.code: match.name for match in self._by_name.values()}
        first_row: dict[str, int] = {}  # every alias key seen, valid or not
        accepted: dict[str, NameMatch] = {}
        for position, (alias, code) in enumerate(zip(aliases["alias"], aliases["code"])):
            row = _row(position)
            key = normalise_name(str(alias))
            number = _int_or_none(code)
            if not key:
                problem = Problem(self.aliases_file, "alias is empty", row, "alias", alias)
            elif key in first_row:
                problem = Problem(
                    self.aliases_file,
                    f"alias normalises to '{key}', like the alias on row {first_row[key]}",
                    row,
                    "alias",
                    alias,
                )
            elif key in self._by_key:
                problem = Problem(
                    self.aliases_file,
                    "alias is redundant: it normalises to "
                    f"register name '{self._by_key[key].name}', which matches "
                    "without an alias",
                    row,
                    "alias",
                    alias,
                )
            elif number not in names_by_code:
                problem = Problem(
                    self.aliases_file,
                    "code is not a municipality code in the register",
                    row,
                    "code",
                    code,
                )
            else:
                accepted[key] = NameMatch(number, names_by_code[number], "alias")
                problem = None
            first_row.setdefault(key, row)
            if problem is not None:
                problems.append(problem)
        self._by_key.update(accepted)
        return problems

    def _load_predecessors(self, table: pd.DataFrame) -> list[Problem]:
        """Pre-2007 names -> successor. Names the register or an alias already
        matches (a municipality that kept its name) are left to them."""
        file = self.predecessors_file
        problems = _missing_columns(table, ("old_code", "old_name", "new_code", "share"), file)
        if problems:
            return problems
        names_by_code = {match.code: match.name for match in self._by_name.values()}
        successors: dict[str, dict[int, str]] = {}
        for position, (old, code, share) in enumerate(
            zip(table["old_name"], table["new_code"], table["share"])
        ):
            row = _row(position)
            key = normalise_name(str(old))
            number = _int_or_none(code)
            if not key:
                problems.append(Problem(file, "old name is empty", row, "old_name", old))
            elif number not in names_by_code:
                problems.append(
                    Problem(
                        file,
                        "successor code is not a municipality code in the register",
                        row,
                        "new_code",
                        code,
                    )
                )
            elif share not in ("counted", "part"):
                problems.append(
                    Problem(file, "share must be 'counted' or 'part'", row, "share", share)
                )
            elif key not in self._by_key:
                successors.setdefault(key, {})[number] = share
        for key, codes in successors.items():
            if len(codes) == 1:
                (number,) = codes
                self._by_key[key] = NameMatch(number, names_by_code[number], "predecessor")
            else:  # counted first (it received most of the old municipality), then by name
                self._split[key] = sorted(
                    ((c, names_by_code[c], share) for c, share in codes.items()),
                    key=lambda item: (item[2] != "counted", item[1]),
                )
        return problems

    def closest(self, raw: str, k: int) -> list[str]:
        """The ``k`` register names closest to ``raw``, closest first.

        Scored with rapidfuzz's ratio on normalised names; ties go to the name
        that sorts first, so suggestions are the same on every run.
        """
        key = normalise_name(raw)
        scored = sorted(
            ((-fuzz.ratio(key, name_key), name) for name, name_key in self._keys.items())
        )
        return [name for _, name in scored[:k]]

    def lookup(self, raw: str) -> NameMatch | None:
        """The match for ``raw``, or None when it is not a register name or alias."""
        if raw in self._by_name:
            return self._by_name[raw]
        return self._by_key.get(normalise_name(raw))

    def _problem(
        self,
        raw: object,
        *,
        file: str,
        row: int | None,
        column: str,
        suggestions: int,
        note: str = "",
    ) -> Problem:
        if not isinstance(raw, str) or not raw.strip():
            return Problem(file, f"municipality name is missing{note}", row, column, raw)
        split = self._split.get(normalise_name(raw))
        if split is not None:
            candidates = " and ".join(
                f"{name} ({code}, {'most of it' if share == 'counted' else 'a part'})"
                for code, name, share in split
            )
            return Problem(
                file,
                f"is a pre-2007 municipality that was split between "
                f"{candidates} in 2007{note}; the name alone cannot say which one "
                f"(predecessor table {self.predecessors_file})",
                row,
                column,
                raw,
            )
        closest = ", ".join(self.closest(raw, suggestions))
        return Problem(
            file,
            f"municipality name is not in the register{note}; closest register names: {closest}",
            row,
            column,
            raw,
        )

    def _hint(self) -> str:
        return (
            f"if the name is a variant of a register name, add a line to the alias table "
            f"{self.aliases_file} (alias,code,reason); for a split pre-2007 municipality, "
            f"add an alias line with the successor the respondent answered for; otherwise "
            f"fix the name in the export"
        )

    def match(
        self, raw: str, *, file: str, row: int, column: str, suggestions: int = 3
    ) -> NameMatch:
        """The register municipality ``raw`` names; InputError when none does.

        ``row`` is the 1-based data row in ``file`` (as in ``Problem``), for the message.
        """
        found = self.lookup(raw) if isinstance(raw, str) else None
        if found is None:
            raise InputError(
                [self._problem(raw, file=file, row=row, column=column, suggestions=suggestions)],
                self._hint(),
            )
        return found

    def match_series(
        self,
        raw: pd.Series,
        *,
        file: str,
        column: str,
        row_numbers: pd.Series,
        suggestions: int = 3,
    ) -> pd.DataFrame:
        """Columns ``code``, ``name``, ``rule`` aligned to ``raw``; each distinct name is
        matched once.

        ``row_numbers`` gives each cell's 1-based data row in ``file``. All unmatched
        names are reported in one InputError, one problem per distinct name at its
        first row.
        """
        codes, uniques = pd.factorize(raw, use_na_sentinel=False)
        found = [self.lookup(u) if isinstance(u, str) else None for u in uniques]
        rows = row_numbers.to_numpy()
        problems = []
        for position, match in enumerate(found):
            if match is None:
                where = rows[codes == position]
                note = f" (on {len(where)} rows)" if len(where) > 1 else ""
                problems.append(
                    self._problem(
                        uniques[position],
                        file=file,
                        row=int(where[0]),
                        column=column,
                        suggestions=suggestions,
                        note=note,
                    )
                )
        if problems:
            raise InputError(problems, self._hint())

        def column_of(attribute: str, dtype: str) -> pd.Series:
            per_unique = np.array([getattr(match, attribute) for match in found], dtype=object)
            return pd.Series(per_unique[codes], index=raw.index, dtype=dtype)

        return pd.DataFrame(
            {
                "code": column_of("code", "int64"),
                "name": column_of("name", "str"),
                "rule": column_of("rule", "str"),
            }
        )


def _missing_columns(frame: pd.DataFrame, needed: tuple[str, ...], file: str) -> list[Problem]:
    missing = [name for name in needed if name not in frame.columns]
    return [Problem(file, f"column '{name}' is missing") for name in missing]
