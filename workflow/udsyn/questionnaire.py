"""The codebook: which export columns exist and what each one means.

Built from ``config/questionnaire.yaml`` so that a real export with other
field names is read through config alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds of export field (see config/questionnaire.yaml).
CODED_KINDS = ("single", "multi_item")
PARSED_KINDS = ("year", "number")


def question_number(question: str) -> int | None:
    """The number in a question id ("q12" -> 12), or None when it has none."""
    digits = re.search(r"\d+", question)
    return int(digits.group()) if digits else None


@dataclass(frozen=True)
class Field:
    """One export column and the clean variable it becomes."""

    field: str  # column name in the export
    name: str  # clean column name
    kind: str  # single | multi_item | text | year | number
    question: str  # the question it belongs to (for counting answered questions)
    english: str
    value_set: str | None = None


@dataclass(frozen=True)
class Purpose:
    code: int
    key: str
    english: str


@dataclass(frozen=True)
class Initiative:
    """The three fields of one initiative slot in Q8."""

    slot: int
    type: Field
    start: Field
    active: Field


@dataclass(frozen=True)
class Questionnaire:
    """The codebook. ``barriers`` (Q12's items, shaped like ``purposes``) is
    only used by the synthetic generator."""

    fields: tuple[Field, ...]
    initiatives: tuple[Initiative, ...]
    purposes: tuple[Purpose, ...]
    dont_know_label: str
    id_column: str
    municipality_column: str
    timing_columns: tuple[str, ...]
    start_column: str
    close_column: str
    respondent_name_column: str
    personal_data_columns: tuple[str, ...]
    background_columns: tuple[str, ...]
    status_columns: tuple[str, ...]
    completed_column: str
    declined_column: str
    value_sets: dict
    barriers: tuple[Purpose, ...] = ()

    @property
    def all_fields(self) -> tuple[Field, ...]:
        """Question fields and initiative fields, in export order."""
        slots = tuple(f for slot in self.initiatives for f in (slot.type, slot.start, slot.active))
        return self.fields + slots

    @property
    def export_fields(self) -> tuple[Field, ...]:
        """Question and initiative fields in the export's column order.

        SurveyXact writes the initiative block where its question number falls
        (q8 between q7 and q9), where ``all_fields`` puts it last; without
        question numbers it stays last.
        """
        slots = self.all_fields[len(self.fields):]
        block = question_number(slots[0].question) if slots else None
        for position, field in enumerate(self.fields):
            number = question_number(field.question)
            if block is not None and number is not None and number > block:
                return self.fields[:position] + slots + self.fields[position:]
        return self.all_fields

    @property
    def coded_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.all_fields if f.kind in CODED_KINDS)

    @property
    def question_ids(self) -> tuple[str, ...]:
        """Distinct questions in order (a multi-choice block counts once)."""
        return tuple(dict.fromkeys(f.question for f in self.all_fields))

    @property
    def expected_columns(self) -> tuple[str, ...]:
        """Every column the pipeline reads from the export."""
        columns = (self.id_column, *self.timing_columns, *self.background_columns,
                   *(f.field for f in self.all_fields), *self.status_columns)
        return tuple(dict.fromkeys(columns))

    def purpose_by_code(self) -> dict[int, Purpose]:
        return {p.code: p for p in self.purposes}


def build_questionnaire(spec: dict) -> Questionnaire:
    """Turn the parsed questionnaire YAML into a Questionnaire."""
    purposes = tuple(Purpose(int(p["code"]), p["key"], p["english"]) for p in spec["purposes"])
    barriers = tuple(Purpose(int(b["code"]), b["key"], b["english"]) for b in spec["barriers"])
    item_lists = {"purposes": spec["purposes"], "barriers": spec["barriers"]}
    fields: list[Field] = []
    for question in spec["questions"]:
        field_id, kind = question["field"], question["kind"]
        if kind == "multi":
            for item in item_lists[question["items"]]:
                fields.append(Field(
                    field=f"{field_id}_{item['code']}", name=f"{question['name']}_{item['key']}",
                    kind="multi_item", question=field_id, value_set="chosen",
                    english=f"{question['english']}: {item['english']}"))
        else:
            fields.append(Field(field=field_id, name=question["name"], kind=kind,
                                question=field_id.split("_")[0], english=question["english"],
                                value_set=question.get("value_set")))

    block = spec["initiatives"]
    prefix = block["field_prefix"]
    initiatives = []
    for slot in range(1, int(spec["max_initiatives"]) + 1):
        def slot_field(part: str, kind: str, value_set: str | None) -> Field:
            return Field(field=f"{prefix}_{slot}_{block[part]['suffix']}", name=part, kind=kind,
                         question=prefix, english=block[part]["english"], value_set=value_set)
        initiatives.append(Initiative(
            slot=slot,
            type=slot_field("type", "single", block["type"]["value_set"]),
            start=slot_field("start", "year", None),
            active=slot_field("active", "single", block["active"]["value_set"])))

    export = spec["export"]
    status_columns = tuple(f"{family}_{i}" for family, count in export["status_families"].items()
                           for i in range(1, int(count) + 1))
    return Questionnaire(
        fields=tuple(fields), initiatives=tuple(initiatives), purposes=purposes,
        dont_know_label=spec["dont_know_label"], id_column=export["id_column"],
        municipality_column=export["municipality_column"],
        timing_columns=tuple(export["timing_columns"]),
        start_column=export["start_column"], close_column=export["close_column"],
        respondent_name_column=export["respondent_name_column"],
        personal_data_columns=tuple(export["personal_data_columns"]),
        background_columns=tuple(export["background_columns"]),
        status_columns=status_columns,
        completed_column=export["completed_column"],
        declined_column=export["declined_column"],
        value_sets=spec["value_sets"], barriers=barriers)
