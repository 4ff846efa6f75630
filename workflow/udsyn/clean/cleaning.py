"""The cleaning step: a validated raw export to tidy, audited tables.

Every raw row ends up exactly once in ``respondents`` or in ``exclusions``
(with its reason), and every value that differs from the raw export is logged
in ``changes`` with the rule that changed it. Personal data never reaches the
outputs: the distribution list's personal columns are not read, and personal
data inside free text is scrubbed (its raw value is withheld from the log).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from udsyn.clean.names import MunicipalityMatcher
from udsyn.clean.parse import NUMBER_RULES, YEAR_RULES, parse_number, parse_unique, parse_year
from udsyn.clean.scrub import SCRUB_RULES, scrub_personal_data
from udsyn.core.errors import input_error
from udsyn.core.files import csv_safety
from udsyn.ingest.questionnaire import Field, Questionnaire
from udsyn.ingest.validation import parse_timestamps

# Exclusion reasons, in the order they are tested (documented in the README).
EXCLUSION_REASONS = {
    "test_response": "marked as a test in the distribution list (config cleaning.test_marker)",
    "declined": "the municipality declined to take part (SurveyXact status 'Frafaldet')",
    "no_response": "distributed but fewer questions answered than cleaning.min_answered_questions",
    "duplicate_superseded": "another submission from the same municipality was kept "
    "(config cleaning.duplicate_rule)",
}

NAME_RULES = {
    "name_normalised": "the typed name equals a register name after normalisation (case, "
    "spaces, hyphens, a trailing 'Kommune', å/æ/ø written aa/ae/oe)",
    "name_alias": "the typed name is in the alias table (config cleaning.aliases), e.g. an "
    "old or genitive name; never a fuzzy guess",
    "name_predecessor": "the typed name is a pre-2007 municipality (config "
    "register.predecessors): its 2007 successor; a municipality split "
    "between successors is an error naming them, never a guess",
}

ZERO_RULES = {
    "multi_zeros_not_answered": "a multiple-choice question whose items all read 0 counts as "
    "answered ('none chosen') only when the row was started, the "
    "question was shown (its shown_if in the questionnaire) and the "
    "respondent answered a later question or completed the survey; "
    "otherwise the 0s mean 'never reached' and become missing",
}

TEXT_RULES = {
    "text_truncated": "a free-text answer longer than config cleaning.max_text_chars characters "
    "(after scrubbing) is cut there and '[… N more characters removed]' is "
    "appended; the raw value is not repeated in changes.csv",
}

SAFETY_RULES = {
    "formula_neutralised": "a text value that starts with =, +, -, @, a tab or a carriage return "
    "(and is not a plain number) would run as a formula in a spreadsheet: "
    "every results CSV writes it with a leading apostrophe (') "
    "(udsyn.core.files.write_table); the value is otherwise unchanged",
    "line_break_normalised": "a lone carriage return (an old Mac line break) inside a text value "
    "is written as a line feed, so that every results CSV has one "
    "record per row (udsyn.core.files.write_table)",
}

# A logged raw value that contained personal data is shown as this.
WITHHELD = "[withheld: contained personal data]"


@dataclass(frozen=True)
class CleaningSettings:
    test_marker_column: str
    test_marker_value: str
    duplicate_rule: str
    min_answered_questions: int
    suggestions: int
    year_min: int
    fielded_year: int
    year_range_pick: str
    year_before_offset: int
    decade_offset: int
    fte_min: float
    fte_max: float
    timestamp_format: str
    max_text_chars: int = 10_000

    @classmethod
    def from_config(cls, cleaning: dict, survey: dict) -> CleaningSettings:
        return cls(
            test_marker_column=cleaning["test_marker"]["column"],
            test_marker_value=cleaning["test_marker"]["value"],
            duplicate_rule=cleaning["duplicate_rule"],
            min_answered_questions=cleaning["min_answered_questions"],
            suggestions=cleaning["suggestions"],
            year_min=cleaning["year_min"],
            fielded_year=survey["fielded_year"],
            year_range_pick=cleaning["year_range_pick"],
            year_before_offset=cleaning["year_before_offset"],
            decade_offset=cleaning["decade_offset"],
            fte_min=cleaning["fte_min"],
            fte_max=cleaning["fte_max"],
            timestamp_format=survey["timestamp_format"],
            max_text_chars=cleaning["max_text_chars"],
        )

    def year_options(self) -> dict:
        return dict(
            fielded_year=self.fielded_year,
            year_min=self.year_min,
            range_pick=self.year_range_pick,
            before_offset=self.year_before_offset,
            decade_offset=self.decade_offset,
        )

    def number_options(self) -> dict:
        return dict(minimum=self.fte_min, maximum=self.fte_max)


@dataclass(frozen=True)
class CleanResult:
    respondents: pd.DataFrame
    initiatives: pd.DataFrame
    exclusions: pd.DataFrame
    changes: pd.DataFrame


class _ChangeLog:
    """Collects changed values as frames; one concat at the end."""

    COLUMNS = ["respondentid", "column", "raw_value", "clean_value", "rule"]

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        respondentid: pd.Series,
        column: str,
        raw: pd.Series,
        clean: pd.Series,
        rule: pd.Series,
        changed: pd.Series,
    ) -> None:
        if changed.any():
            self.parts.append(
                pd.DataFrame(
                    {
                        "respondentid": respondentid[changed],
                        "column": column,
                        "raw_value": raw[changed],
                        "clean_value": clean[changed].astype("string"),
                        "rule": rule[changed],
                    }
                )
            )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in self.COLUMNS})
        return pd.concat(self.parts, ignore_index=True)


def _question_order(questionnaire: Questionnaire) -> list[str]:
    """Questions in the order a respondent meets them (the export's order)."""
    return list(dict.fromkeys(f.question for f in questionnaire.export_fields))


def unanswered_zero_blocks(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Where a multiple-choice block of 0s means "not answered" (the zero rule).

    SurveyXact writes 0 in every multiple-choice item of a row that never
    started, and of a question the respondent never reached or was never shown,
    exactly as for a question answered with nothing chosen. A block whose items
    all read 0 (or are empty) is therefore an answer only when the row was
    started (no status in ``export.not_started_columns``), the question was
    shown (its ``shown_if`` holds) and the respondent went past it (answered a
    later question, or completed the survey). A boolean frame: one column per
    multiple-choice question, True where its 0s are not an answer.
    """
    blocks = questionnaire.multi_questions
    if not blocks:
        return pd.DataFrame(index=frame.index)
    order = _question_order(questionnaire)
    fields = questionnaire.all_fields
    cells = _cells(frame, [field.field for field in fields])
    is_item = np.array([field.kind == "multi_item" for field in fields])
    # content: an item chosen ("1"), or any other field not blank
    given = np.where(is_item, cells == "1", _not_blank(cells))
    answered = _any_by_question(given, [field.question for field in fields])
    later = {}  # question -> answered a question after it
    after = np.zeros(len(frame), dtype=bool)
    for question in reversed(order):
        later[question] = after
        after = after | answered[question]
    status = _cells(frame, list(questionnaire.not_started_columns)) == "1"
    not_started = status.any(axis=1)
    completed = frame[questionnaire.completed_column].to_numpy(dtype=object) == "1"
    columns = {field.field: position for position, field in enumerate(fields)}
    unanswered = {}
    for question, items in blocks.items():
        block = cells[:, [columns[item.field] for item in items]]
        zero = block == "0"
        zeros = (zero | (block == "")).all(axis=1) & zero.any(axis=1)
        shown = np.ones(len(frame), dtype=bool)
        if items[0].shown_if is not None:
            condition_field, codes = items[0].shown_if
            shown = frame[condition_field].str.strip().isin(codes).to_numpy(dtype=bool)
        went_past = later[question] | completed
        unanswered[question] = zeros & ~(~not_started & shown & went_past)
    return pd.DataFrame(unanswered, index=frame.index)


def _cells(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns' cells as one object array (rows x columns, none: rows x 0);
    missing is NaN."""
    return frame[columns].to_numpy(dtype=object)


def _not_blank(cells: np.ndarray) -> np.ndarray:
    """True where a cell holds more than white space (a missing cell counts as
    not blank, as pandas' ``str.strip() != ""`` has it), by pandas' own strip
    over all cells at once rather than column by column."""
    stripped = pd.Series(cells.ravel(), dtype="str").str.strip()
    return (stripped != "").to_numpy(dtype=bool).reshape(cells.shape)


def _any_by_question(flags: np.ndarray, questions: list[str]) -> dict[str, np.ndarray]:
    """Per question, True where any of its fields' columns in ``flags`` is True."""
    positions: dict[str, list[int]] = {}
    for position, question in enumerate(questions):
        positions.setdefault(question, []).append(position)
    return {question: flags[:, where].any(axis=1) for question, where in positions.items()}


def blank_unanswered_zeros(
    frame: pd.DataFrame, questionnaire: Questionnaire, unanswered: pd.DataFrame
) -> pd.DataFrame:
    """``frame`` with the items of every unanswered zero block made empty."""
    changed = {}
    for question, items in questionnaire.multi_questions.items():
        mask = unanswered[question]
        if mask.any():
            for item in items:
                changed[item.field] = frame[item.field].where(~mask, "")
    return frame.assign(**changed) if changed else frame


def _log_zero_blocks(
    log: _ChangeLog,
    kept: pd.DataFrame,
    raw: pd.DataFrame,
    unanswered: pd.DataFrame,
    questionnaire: Questionnaire,
) -> None:
    """Every 0 made missing by the zero rule in a kept row, cell by cell."""
    for question, items in questionnaire.multi_questions.items():
        block = unanswered.loc[kept.index, question]
        for item in items:
            cells = raw.loc[kept.index, item.field]
            changed = block & (cells == "0")
            if changed.any():
                log.add(
                    kept["respondentid"],
                    item.field,
                    cells,
                    pd.Series(pd.NA, index=kept.index, dtype="string"),
                    pd.Series("multi_zeros_not_answered", index=kept.index, dtype="string"),
                    changed,
                )


def answered_questions(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.Series:
    """How many questions (a multi-choice block counts once) a row answered."""
    fields = questionnaire.all_fields
    filled = _not_blank(_cells(frame, [field.field for field in fields]))
    by_question = _any_by_question(filled, [field.question for field in fields])
    counts = np.sum(list(by_question.values()), axis=0, dtype="int64")
    return pd.Series(counts, index=frame.index, dtype="int64")


def _pick_duplicates(candidates: pd.DataFrame, rule: str) -> pd.Series:
    """True for the row kept in each municipality, by the configured rule.

    Ties end on respondentid so the choice never depends on row order. Among
    equally complete submissions a finished one (with a closetime) comes before an
    unfinished one, whose only time is when it was started: a colleague's
    half-done submission must not replace a finished one because it began later.
    """
    last_time = candidates["closed_at_ts"].fillna(candidates["started_at_ts"])
    finished = candidates["closed_at_ts"].notna()
    ordered = candidates.assign(_last=last_time, _finished=finished)
    if rule == "most_complete_then_latest":
        keys = ["answered_questions", "_finished", "_last", "respondentid"]
        ascending = [False, False, False, False]
    elif rule == "latest":
        keys, ascending = ["_last", "respondentid"], [False, False]
    elif rule == "first":
        keys, ascending = ["started_at_ts", "respondentid"], [True, True]
    else:  # the config schema admits no other value
        raise ValueError(f"unknown duplicate rule {rule!r}")
    ordered = ordered.sort_values(keys, ascending=ascending, na_position="last", kind="stable")
    kept_index = ordered.groupby("municipality_code", sort=False).head(1).index
    return candidates.index.isin(kept_index)


def _exclusions(
    frame: pd.DataFrame,
    settings: CleaningSettings,
    questionnaire: Questionnaire,
    marker_labels: dict[str, str],
) -> pd.Series:
    """The reason each row is excluded before matching ("" when kept so far).

    The test marker is compared as exported and, where the labels table labels the
    marker column's codes (a background variable exported as codes: 2 = "TEST"),
    as its label: a code must not hide a test response among the real ones."""
    raw_marker = frame[settings.test_marker_column]
    marker = raw_marker.map(marker_labels).fillna(raw_marker) if marker_labels else raw_marker
    marker = marker.astype("str").str.strip().str.casefold()
    reasons = np.select(
        [
            marker == settings.test_marker_value.casefold(),
            frame[questionnaire.declined_column] == "1",
            frame["answered_questions"] < settings.min_answered_questions,
        ],
        ["test_response", "declined", "no_response"],
        default="",
    )
    return pd.Series(reasons, index=frame.index)


def _label_maps(labels: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each field's code -> label, from the labels table."""
    return {
        field: dict(zip(group["field_value"], group["field_text"]))
        for field, group in labels.groupby("field_name", sort=True)
    }


def _labelled(codes: pd.Series, labels: dict[str, str]) -> pd.Series:
    """Each code's label, missing where a code has none (what
    ``codes.map(labels).astype("string")`` gives, without the set-up pandas' map
    pays on every call: most of it for a column of 98 codes)."""
    return pd.Series(
        [labels.get(code) for code in codes.tolist()],
        index=codes.index,
        name=codes.name,
        dtype="string",
    )


def _clean_parsed(raw: pd.Series, field: Field, settings: CleaningSettings):
    """Parse a free-text year or number column; return (values, rules)."""
    if field.kind == "year":
        parsed = parse_unique(raw, parse_year, **settings.year_options())
        values = parsed["value"].astype("Int64")
    else:
        parsed = parse_unique(raw, parse_number, **settings.number_options())
        values = parsed["value"].astype("Float64")
    return values, parsed["rule"].astype("string")


# How a year or a number is written when it is taken as is (rules year and number);
# written otherwise ("2010.", "2."), the value differs from the export's text: logged.
_AS_WRITTEN = {"year": r"[0-9]{4}", "number": r"-?[0-9]+(?:\.[0-9]+)?"}


def _log_parsed(
    log: _ChangeLog,
    ids: pd.Series,
    field: Field,
    raw: pd.Series,
    values: pd.Series,
    rules: pd.Series,
    names: pd.Series,
) -> None:
    """Log every parsed value that differs from the export's text. A year or number
    box holds free text too ("1 - ask Anne, 12 34 56 78"): a logged raw text with
    personal data in it is withheld, its scrub rules added to the parse rule."""
    stripped = raw.str.strip()
    as_written = pd.Series(False, index=raw.index)
    for rule, pattern in _AS_WRITTEN.items():
        as_written |= (rules == rule) & stripped.str.fullmatch(pattern).fillna(False)
    changed = ~(rules.eq("missing") | as_written) | (raw != stripped)
    shown, shown_rules = raw.astype("string").copy(), rules.astype("string").copy()
    for index in changed[changed].index:
        _, applied = _scrubbed(raw[index], names[index])
        if applied:
            shown[index] = WITHHELD
            shown_rules[index] = "+".join([rules[index], *applied])
    log.add(ids, field.field, shown, values, shown_rules, changed)


def _scrubbed(text: str | None, name: str | None) -> tuple[str | None, list[str]]:
    """A cell's text with the respondent's personal data removed, and the change
    log's rules for what was removed (``scrub_email``, ...)."""
    scrubbed, applied = scrub_personal_data(text or None, [name] if name else [])
    return scrubbed, [f"scrub_{kind}" for kind in applied]


def truncate_text(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, saying how many were removed."""
    return f"{text[:max_chars]} [… {len(text) - max_chars} more characters removed]"


def _clean_text(
    raw: pd.Series,
    names: pd.Series,
    ids: pd.Series,
    field: Field,
    settings: CleaningSettings,
    log: _ChangeLog,
) -> pd.Series:
    """Scrub personal data from free text, then cut overlong text.

    The raw text of a scrubbed cell is withheld from the log and that of a cut
    one not repeated. What the CSV writer will change (``udsyn.core.files.csv_safety``:
    a formula neutralised, a lone carriage return) is logged with the value as
    written.
    """
    cleaned, logged_raw, logged_clean, rules = [], [], [], []
    for text, name in zip(raw.tolist(), names.tolist()):
        scrubbed, applied = _scrubbed(text, name)
        shown = WITHHELD if applied else text
        if isinstance(scrubbed, str) and len(scrubbed) > settings.max_text_chars:
            scrubbed = truncate_text(scrubbed, settings.max_text_chars)
            applied.append("text_truncated")
            shown = shown if shown == WITHHELD else f"[not repeated: {len(text)} characters]"
        written, safety = csv_safety(scrubbed)
        applied += safety
        cleaned.append(scrubbed)
        logged_raw.append(shown)
        logged_clean.append(written)
        rules.append("+".join(applied))
    cleaned = pd.Series(cleaned, index=raw.index, dtype="string")
    rules = pd.Series(rules, index=raw.index, dtype="string")
    log.add(
        ids,
        field.field,
        pd.Series(logged_raw, index=raw.index, dtype="string"),
        pd.Series(logged_clean, index=raw.index, dtype="string"),
        rules,
        rules != "",
    )
    return cleaned


def _log_csv_safety(
    log: _ChangeLog, ids: pd.Series, column: str, raw: pd.Series, values: pd.Series
) -> None:
    """Log the labels the CSV writer will change (``udsyn.core.files.csv_safety``)."""
    safety = {label: csv_safety(label) for label in values.dropna().unique()}
    if not any(rule for _, rule in safety.values()):
        return
    rules = values.map(lambda label: "+".join(safety[label][1]) if label in safety else "")
    changed = (rules != "").fillna(False).astype(bool)
    if changed.any():
        written = values.map(lambda label: safety[label][0] if label in safety else label)
        log.add(ids, column, raw, written.astype("string"), rules.astype("string"), changed)


def clean_export(
    dataset: pd.DataFrame,
    labels: pd.DataFrame,
    register: pd.DataFrame,
    aliases: pd.DataFrame,
    questionnaire: Questionnaire,
    settings: CleaningSettings,
    *,
    dataset_file: str,
    register_file: str,
    aliases_file: str,
    data_origin: str,
    predecessors: pd.DataFrame | None = None,
    predecessors_file: str = "",
) -> CleanResult:
    """Clean a validated export. Raises InputError for an unmatched municipality,
    an export without data rows, or one whose every row is excluded."""
    if dataset.empty:
        raise input_error(
            dataset_file,
            "the survey dataset has a header but no data rows",
            "export the dataset again with its responses; an export without "
            "rows has nothing to analyse",
        )
    id_column = questionnaire.id_column
    raw = dataset.reset_index(drop=True)
    # The zero rule first: 0s that mean "never reached" are not answers.
    unanswered = unanswered_zero_blocks(raw, questionnaire)
    frame = blank_unanswered_zeros(raw, questionnaire, unanswered)
    frame = frame.assign(
        row_number=np.arange(1, len(frame) + 1),
        respondentid=frame[id_column].astype("int64"),
        answered_questions=answered_questions(frame, questionnaire),
    )
    for column, parsed in (
        (questionnaire.start_column, "started_at_ts"),
        (questionnaire.close_column, "closed_at_ts"),
    ):
        # checked by the validate rule: every non-empty value parses
        frame[parsed] = parse_timestamps(frame[column], settings.timestamp_format)
    log = _ChangeLog()

    label_maps = _label_maps(labels)  # once, for the test marker and both tables
    reasons = _exclusions(
        frame, settings, questionnaire, label_maps.get(settings.test_marker_column, {})
    ).to_numpy(dtype=object)
    details = np.full(len(frame), "", dtype=object)

    # Municipality names: normalisation plus the alias table, never a fuzzy guess.
    # Only the columns matching and duplicate resolution need are taken for every
    # candidate row; the kept rows' answers are taken once, below.
    muni_column = questionnaire.municipality_column
    candidates = frame.loc[
        reasons == "",
        [
            "respondentid",
            "row_number",
            muni_column,
            "answered_questions",
            "started_at_ts",
            "closed_at_ts",
        ],
    ]
    matcher = MunicipalityMatcher(
        register[["code", "name"]],
        aliases,
        register_file=register_file,
        aliases_file=aliases_file,
        predecessors=predecessors,
        predecessors_file=predecessors_file,
    )
    matched = matcher.match_series(
        candidates[muni_column],
        file=dataset_file,
        column=muni_column,
        row_numbers=candidates["row_number"],
        suggestions=settings.suggestions,
    )
    candidates["municipality_code"] = matched["code"].astype("int64")
    candidates["municipality_name"] = matched["name"]
    renamed = matched["rule"] != "exact"
    log.add(
        candidates["respondentid"],
        muni_column,
        candidates[muni_column],
        matched["code"].astype(str) + " " + matched["name"],
        "name_" + matched["rule"],
        renamed,
    )

    # Several submissions from one municipality: keep one by the configured rule.
    keep = _pick_duplicates(candidates, settings.duplicate_rule)
    kept_rows = candidates[keep]
    superseded = candidates[~keep]
    # The detail names the municipality and its kept row: written once per municipality.
    detail_of = {
        code: f"municipality {code} {name}: kept respondentid {kept_id} "
        f"(rule {settings.duplicate_rule})"
        for code, name, kept_id in zip(
            kept_rows["municipality_code"],
            kept_rows["municipality_name"],
            kept_rows["respondentid"],
        )
    }
    reasons[superseded.index] = "duplicate_superseded"
    details[:] = _zero_details(reasons, details, unanswered)
    details[superseded.index] = superseded["municipality_code"].map(detail_of).to_numpy(object)
    kept = frame.loc[kept_rows.index].assign(
        municipality_code=kept_rows["municipality_code"],
        municipality_name=kept_rows["municipality_name"],
    )
    reasons = pd.Series(reasons, index=frame.index, dtype="str")
    details = pd.Series(details, index=frame.index, dtype="str")
    if kept.empty:
        counts = ", ".join(
            f"{reason} {count}"
            for reason, count in sorted(reasons[reasons != ""].value_counts().items())
        )
        raise input_error(
            dataset_file,
            f"no row is kept as a response: all {len(frame)} were excluded ({counts})",
            "check config cleaning.test_marker and cleaning.min_answered_questions, "
            "and that survey.dataset is the export with the responses",
        )

    _log_zero_blocks(log, kept, raw, unanswered, questionnaire)
    respondents = _respondent_table(kept, label_maps, questionnaire, settings, log)
    initiatives = _initiative_table(kept, label_maps, questionnaire, settings, log)

    excluded = frame.loc[reasons != "", ["respondentid", "row_number"]]
    exclusions = pd.DataFrame(
        {
            "respondentid": excluded["respondentid"],
            "row_number": excluded["row_number"],
            "reason": reasons[excluded.index],
            "detail": details[excluded.index],
        }
    )
    changes = log.frame()

    result = CleanResult(
        respondents=_finish(respondents, data_origin, ["municipality_code"]),
        initiatives=_finish(initiatives, data_origin, ["municipality_code", "initiative_no"]),
        exclusions=_finish(exclusions, data_origin, ["respondentid"]),
        changes=_finish(changes, data_origin, ["respondentid", "column", "rule"]),
    )
    check_row_accounting(frame["respondentid"], result)
    return result


def _zero_details(
    reasons: np.ndarray, details: np.ndarray, unanswered: pd.DataFrame
) -> np.ndarray:
    """A no_response row's detail names the blocks of 0s not counted as answers."""
    details = details.copy()
    if unanswered.empty or not unanswered.to_numpy().any():
        return details
    questions = np.array(unanswered.columns)
    for position in np.flatnonzero((reasons == "no_response") & unanswered.any(axis=1).to_numpy()):
        blocks = ", ".join(questions[unanswered.iloc[position].to_numpy()])
        details[position] = (
            f"multiple-choice items reading 0 not counted as answers "
            f"(rule multi_zeros_not_answered): {blocks}"
        )
    return details


def _finish(table: pd.DataFrame, data_origin: str, sort_by: list[str]) -> pd.DataFrame:
    """Deterministic order, and the data's origin stamped on every row."""
    table = table.sort_values(sort_by, kind="stable").reset_index(drop=True)
    table.insert(0, "data_origin", data_origin)
    return table


def _respondent_table(
    kept: pd.DataFrame,
    label_maps: dict[str, dict[str, str]],
    questionnaire: Questionnaire,
    settings: CleaningSettings,
    log: _ChangeLog,
) -> pd.DataFrame:
    ids = kept["respondentid"]
    names = kept[questionnaire.respondent_name_column]
    out = {
        "respondentid": ids,
        "municipality_code": kept["municipality_code"],
        "municipality_name": kept["municipality_name"],
        "completion": np.where(kept[questionnaire.completed_column] == "1", "complete", "partial"),
        "answered_questions": kept["answered_questions"],
        "started_at": kept[questionnaire.start_column].replace("", None),
        "closed_at": kept[questionnaire.close_column].replace("", None),
    }
    for field in questionnaire.fields:
        raw = kept[field.field]
        if field.kind == "single":
            out[field.name] = _labelled(raw, label_maps[field.field])
            _log_csv_safety(log, ids, field.field, raw, out[field.name])
        elif field.kind == "multi_item":
            out[field.name] = pd.to_numeric(raw.replace("", None)).astype("Int64")
        elif field.kind == "text":
            out[field.name] = _clean_text(raw, names, ids, field, settings, log)
        else:
            values, rules = _clean_parsed(raw, field, settings)
            _log_parsed(log, ids, field, raw, values, rules, names)
            out[field.name] = values
            out[f"{field.name}_rule"] = rules.where(rules != "missing")
    return pd.DataFrame(out)


def _initiative_table(
    kept: pd.DataFrame,
    label_maps: dict[str, dict[str, str]],
    questionnaire: Questionnaire,
    settings: CleaningSettings,
    log: _ChangeLog,
) -> pd.DataFrame:
    """One row per reported initiative (a Q8 slot with any field filled)."""
    purpose_keys = {str(p.code): p.key for p in questionnaire.purposes}
    ids = kept["respondentid"]
    names = kept[questionnaire.respondent_name_column]
    slots = []
    for slot in questionnaire.initiatives:
        raw_type, raw_start, raw_active = (
            kept[f.field] for f in (slot.type, slot.start, slot.active)
        )
        reported = (raw_type.str.strip() + raw_start.str.strip() + raw_active.str.strip()) != ""
        years, rules = _clean_parsed(raw_start, slot.start, settings)
        _log_parsed(log, ids, slot.start, raw_start, years, rules, names)
        type_label = _labelled(raw_type, label_maps[slot.type.field])
        still_active = _labelled(raw_active, label_maps[slot.active.field])
        _log_csv_safety(log, ids, slot.type.field, raw_type, type_label)
        _log_csv_safety(log, ids, slot.active.field, raw_active, still_active)
        slots.append(
            pd.DataFrame(
                {
                    "respondentid": ids,
                    "municipality_code": kept["municipality_code"],
                    "initiative_no": slot.slot,
                    "initiative_type": _labelled(raw_type, purpose_keys),
                    "initiative_type_label": type_label,
                    "start_year": years,
                    "start_year_rule": rules.where(rules != "missing"),
                    "still_active": still_active,
                }
            )[reported]
        )
    return pd.concat(slots, ignore_index=True)


def rule_catalogue() -> pd.DataFrame:
    """Every exclusion reason and change rule with its documentation.

    Written beside exclusions.csv and changes.csv, whose `reason` and `rule`
    columns it explains.
    """
    kinds = [
        ("exclusion", EXCLUSION_REASONS),
        ("municipality name", NAME_RULES),
        ("year", YEAR_RULES),
        ("number", NUMBER_RULES),
        ("personal data", {f"scrub_{k}": v for k, v in SCRUB_RULES.items()}),
        ("multiple choice", ZERO_RULES),
        ("free text", TEXT_RULES),
        ("spreadsheet safety", SAFETY_RULES),
    ]
    return pd.DataFrame(
        [
            {"kind": kind, "rule": rule, "description": text}
            for kind, rules in kinds
            for rule, text in rules.items()
        ]
    )


def cleaning_summary(n_raw_rows: int, result: CleanResult, rules: pd.DataFrame) -> pd.DataFrame:
    """Counts of rows kept and excluded, per exclusion reason and per change rule.

    A change logged under several rules ("scrub_email+scrub_phone") counts once
    for each of them.
    """
    described = dict(zip(rules["rule"], rules["description"]))
    reasons = result.exclusions["reason"].value_counts()
    applied: dict[str, int] = {}  # each distinct combination of rules split once
    for combined, count in result.changes["rule"].value_counts().items():
        for rule in combined.split("+"):
            applied[rule] = applied.get(rule, 0) + int(count)
    rows = [
        {
            "kind": "rows",
            "rule": "raw",
            "count": n_raw_rows,
            "description": "data rows in the survey export",
        },
        {
            "kind": "rows",
            "rule": "kept",
            "count": len(result.respondents),
            "description": "rows kept as responses (results/clean/respondents.csv)",
        },
        {
            "kind": "rows",
            "rule": "excluded",
            "count": len(result.exclusions),
            "description": "rows excluded, with their reason (results/clean/exclusions.csv)",
        },
    ]
    for kind, counts in (("exclusion", reasons), ("change", applied)):
        rows += [
            {"kind": kind, "rule": rule, "count": int(count), "description": described[rule]}
            for rule, count in sorted(counts.items())
        ]
    return pd.DataFrame(rows)


def check_row_accounting(raw_ids: pd.Series, result: CleanResult) -> None:
    """Every raw row is in respondents or exclusions, exactly once (else a bug)."""
    kept = result.respondents["respondentid"]
    excluded = result.exclusions["respondentid"]
    combined = pd.concat([kept, excluded], ignore_index=True)
    if combined.duplicated().any() or sorted(combined) != sorted(raw_ids):
        raise AssertionError("row accounting broken: raw rows are lost or counted twice")
