"""The codebook: which export columns exist and what each one means.

Built from ``config/questionnaire.yaml`` so that a real export with other
field names is read through config alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

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
    # The question is shown only when this field holds one of these codes
    # (SurveyXact's skip logic, declared in the questionnaire); None: always.
    shown_if: tuple[str, tuple[str, ...]] | None = None
    # A multiple-choice item's option as the survey words it (the item's ``text``),
    # checked against the export's structure (udsyn.ingest.export_structure).
    option_text: str | None = None


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
    # The label the yes/no questions' "yes" has (derived flags compare with it).
    yes_label: str = "Ja"
    # Export label -> questionnaire label, for an export whose labels are worded
    # otherwise (e.g. an English-language questionnaire): the user's copy of
    # the questionnaire says how its labels map; never guessed.
    label_map: dict = dataclass_field(default_factory=dict)
    # Status columns that mark a row that was never started (new, distributed).
    not_started_columns: tuple[str, ...] = ()

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
        slots = self.all_fields[len(self.fields) :]
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
        columns = (
            self.id_column,
            *self.timing_columns,
            *self.background_columns,
            *(f.field for f in self.all_fields),
            *self.status_columns,
        )
        return tuple(dict.fromkeys(columns))

    @property
    def optional_columns(self) -> frozenset[str]:
        """Columns an export may lack: the status families the pipeline does not
        read (only the family of the completed and declined flags is needed;
        the short names of the others are not documented)."""
        needed = {
            column.rpartition("_")[0]
            for column in (self.completed_column, self.declined_column, *self.not_started_columns)
        }
        return frozenset(c for c in self.status_columns if c.rpartition("_")[0] not in needed)

    @property
    def multi_questions(self) -> dict[str, tuple[Field, ...]]:
        """Each multiple-choice question and its 0/1 item fields, in order."""
        blocks: dict[str, list[Field]] = {}
        for field in self.fields:
            if field.kind == "multi_item":
                blocks.setdefault(field.question, []).append(field)
        return {question: tuple(items) for question, items in blocks.items()}

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
        shown_if = _shown_if(question.get("shown_if"))
        if kind == "multi":
            # SurveyXact names an item by its position in the option list, not
            # by its code (an option with code 16 can be _14).
            for position, item in enumerate(item_lists[question["items"]], start=1):
                fields.append(
                    Field(
                        field=f"{field_id}_{position}",
                        name=f"{question['name']}_{item['key']}",
                        kind="multi_item",
                        question=field_id,
                        value_set="chosen",
                        english=f"{question['english']}: {item['english']}",
                        shown_if=shown_if,
                        option_text=item.get("text"),
                    )
                )
        else:
            fields.append(
                Field(
                    field=field_id,
                    name=question["name"],
                    kind=kind,
                    question=field_id.split("_")[0],
                    english=question["english"],
                    value_set=question.get("value_set"),
                    shown_if=shown_if,
                )
            )

    block = spec["initiatives"]
    prefix = block["field_prefix"]
    initiatives = []
    for slot in range(1, int(spec["max_initiatives"]) + 1):

        def slot_field(part: str, kind: str, value_set: str | None) -> Field:
            return Field(
                field=f"{prefix}_{slot}_{block[part]['suffix']}",
                name=part,
                kind=kind,
                question=prefix,
                english=block[part]["english"],
                value_set=value_set,
            )

        initiatives.append(
            Initiative(
                slot=slot,
                type=slot_field("type", "single", block["type"]["value_set"]),
                start=slot_field("start", "year", None),
                active=slot_field("active", "single", block["active"]["value_set"]),
            )
        )

    export = spec["export"]
    status_columns = tuple(
        f"{family}_{i}"
        for family, count in export["status_families"].items()
        for i in range(1, int(count) + 1)
    )
    return Questionnaire(
        fields=tuple(fields),
        initiatives=tuple(initiatives),
        purposes=purposes,
        dont_know_label=spec["dont_know_label"],
        id_column=export["id_column"],
        municipality_column=export["municipality_column"],
        timing_columns=tuple(export["timing_columns"]),
        start_column=export["start_column"],
        close_column=export["close_column"],
        respondent_name_column=export["respondent_name_column"],
        personal_data_columns=tuple(export["personal_data_columns"]),
        background_columns=tuple(export["background_columns"]),
        status_columns=status_columns,
        completed_column=export["completed_column"],
        declined_column=export["declined_column"],
        value_sets=spec["value_sets"],
        barriers=barriers,
        yes_label=spec["yes_label"],
        label_map={str(k): str(v) for k, v in (spec.get("label_map") or {}).items()},
        not_started_columns=tuple(export.get("not_started_columns", ())),
    )


def _shown_if(condition: dict | None) -> tuple[str, tuple[str, ...]] | None:
    """``{field: q1, codes: [1]}`` as (field, codes as export text)."""
    if not condition:
        return None
    return str(condition["field"]), tuple(str(code) for code in condition["codes"])
