"""Typed input errors: what a researcher sees when an input file is wrong.

An ``InputError`` is an expected failure (a bad export, a wrong config value),
reported as one readable message naming file, row, column and value with a
hint, never as a traceback. Any other exception is a bug in udsyn.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One bad cell (or file-level problem when row/column are None)."""

    file: str
    message: str
    # 1-based data row: the n-th record after the header. Records, not physical
    # lines, because quoted free text may span several lines.
    row: int | None = None
    column: str | None = None
    value: object = None

    def describe(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (value {shown})"
        return text


@dataclass
class InputError(Exception):
    """One or more problems in an input file, with a hint on what to do."""

    problems: list[Problem]
    hint: str
    max_shown: int = field(default=20, repr=False)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    kind = "input error"

    def render(self) -> str:
        shown = self.problems[: self.max_shown]
        lines = [f"udsyn: {self.kind} ({len(self.problems)} problem(s)):"]
        lines += ["  - " + problem.describe() for problem in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        lines.append(f"What to do: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:  # dataclass would otherwise show the fields
        return self.render()


class OutputError(InputError):
    """An output that cannot be written (read-only folder, full disk): the
    user's to fix like a bad input, and reported the same way."""

    kind = "output error"


def input_error(
    file: str,
    message: str,
    hint: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
) -> InputError:
    """Shorthand for an InputError with a single problem."""
    return InputError([Problem(file, message, row, column, value)], hint)
