"""Settings dataclasses from config sections."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def from_sections(cls: type[T], *sections: dict) -> T:
    """An instance of the (frozen) dataclass ``cls`` from config sections.

    Later sections win on shared keys; YAML lists become tuples so the
    settings are immutable and hashable.
    """
    merged: dict = {}
    for section in sections:
        merged.update(section)
    return cls(
        **{
            name: tuple(merged[name]) if isinstance(merged[name], list) else merged[name]
            for name in cls.__dataclass_fields__
        }
    )
