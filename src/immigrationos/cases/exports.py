"""Build case exports: one case's summary as a PDF, and case lists as CSV lines.

Every person value goes through ``access.masking`` for the viewer's role, and every CSV cell
through ``csv_cells.row_neutralise``. Nothing here sends or audits anything: the export views
write the audit event before the first byte leaves.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from fpdf import FPDF
from fpdf.fonts import FontFace

from immigrationos.access.context import AccessContext
from immigrationos.access.masking import A_NUMBER, DOB, PASSPORT_NUMBER, value_display
from immigrationos.cases.errors import ConfigurationError
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseState,
    CitizenshipClaim,
    GuardOverride,
    SourceRecord,
)
from immigrationos.cases.workflow import citizenship_claims_for
from immigrationos.csv_cells import row_neutralise
from immigrationos.labels import code_label
from immigrationos.workflow.transitions import TRANSITIONS_BY_NAME

# The handling line printed at the top and bottom of every PDF page.
HANDLING_LINE: Final = "CONTROLLED UNCLASSIFIED INFORMATION // PRIVACY ACT"
HANDLING_NOTICE: Final = (
    "This summary contains personal information protected by the Privacy Act of 1974 "
    "(5 U.S.C. 552a). Use it inside the agency only. Record any disclosure outside the agency "
    "in the accounting of disclosures (5 U.S.C. 552a(c))."
)

CASE_EXPORT_MAX_ROWS_ENV: Final = "IMMIGRATIONOS_CASE_EXPORT_MAX_ROWS"
# The audit event of a CSV export lists every exported case id, so this cap also bounds the
# size of that event (an estimate: about 8 bytes of JSON per id).
CASE_EXPORT_MAX_ROWS_DEFAULT: Final = 50_000
# Cases read per query while a CSV streams.
CSV_CHUNK_ROWS: Final = 500
CSV_COLUMNS: Final = (
    "case_id",
    "state",
    "tier",
    "office",
    "opened",
    "due_on",
    "assignee",
    "person_id",
    "name",
    "dob",
    "nationality",
    "status",
)

# DejaVu Sans covers Latin Extended (ř, ł, ő), pinyin tone marks, Greek and Cyrillic, which
# the PDF core fonts (Latin-1 only) cannot print. matplotlib ships it with its licence.
# NOTE: DejaVu Sans has no Chinese, Japanese or Korean characters. fpdf2 2.8 leaves them
# out of the PDF and emits a warning that names them, so a name in those scripts is lost.
FONT_FAMILY: Final = "DejaVu"
_FONT_PACKAGE: Final = "matplotlib"
_FONT_FOLDER: Final = ("mpl-data", "fonts", "ttf")
_FONT_FILES: Final = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


def case_export_max_rows() -> int:
    """Return the maximum number of cases in one CSV export.

    Raises ConfigurationError when IMMIGRATIONOS_CASE_EXPORT_MAX_ROWS is not a positive
    integer.
    """
    raw = os.environ.get(CASE_EXPORT_MAX_ROWS_ENV, "").strip()
    if not raw:
        return CASE_EXPORT_MAX_ROWS_DEFAULT
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"invalid {CASE_EXPORT_MAX_ROWS_ENV} {raw!r}: expected a positive integer such as "
            f"{CASE_EXPORT_MAX_ROWS_DEFAULT}; unset it to use the default"
        ) from exc
    if value < 1:
        raise ConfigurationError(
            f"invalid {CASE_EXPORT_MAX_ROWS_ENV} {raw!r}: expected a positive integer such as "
            f"{CASE_EXPORT_MAX_ROWS_DEFAULT}"
        )
    return value


# CSV


# The database values behind the CSV columns. They are read with values(), because building
# model instances took most of the time of a 20,000-case export.
_CSV_VALUES: Final = (
    "pk",
    "state",
    "tier",
    "office_id",
    "opened_at",
    "due_on",
    "assignee__username",
    "person_id",
    "person__given_name",
    "person__family_name",
    "person__dob",
    "person__nationality",
    "person__status",
)


def case_csv_row(*, values: Mapping[str, Any], access: AccessContext) -> list[object]:
    """Return the CSV cells of one case, masked for ``access`` and neutralised.

    ``values`` maps each name in ``_CSV_VALUES`` to the case's value.
    """
    name_parts = (values["person__given_name"], values["person__family_name"])
    row: dict[str, object] = {
        "case_id": values["pk"],
        "state": values["state"],
        "tier": _text(values["tier"]),
        "office": values["office_id"],
        "opened": values["opened_at"].date().isoformat(),
        "due_on": _text(values["due_on"]),
        "assignee": values["assignee__username"] or "",
        "person_id": values["person_id"],
        "name": " ".join(part for part in name_parts if part),
        "dob": value_display(access=access, field_name=DOB, value=values["person__dob"]),
        "nationality": values["person__nationality"],
        "status": values["person__status"],
    }
    return row_neutralise(row[column] for column in CSV_COLUMNS)


def case_csv_lines(*, case_ids: Sequence[int], access: AccessContext) -> Iterator[str]:
    """Yield the CSV text of ``case_ids`` in their order: a header, then one row per case.

    Cases are read ``CSV_CHUNK_ROWS`` at a time, so a long list never sits in memory whole.
    A case missing when its chunk is read is left out. The header starts with a UTF-8 byte
    order mark, because Excel reads a CSV without one in the system code page and garbles
    names such as "Dvořák".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + _buffer_take(buffer)

    for start in range(0, len(case_ids), CSV_CHUNK_ROWS):
        chunk = list(case_ids[start : start + CSV_CHUNK_ROWS])
        rows = Case.objects.filter(pk__in=chunk).order_by().values(*_CSV_VALUES)
        by_id = {row["pk"]: row for row in rows}
        for case_id in chunk:
            values = by_id.get(case_id)
            if values is not None:
                writer.writerow(case_csv_row(values=values, access=access))
        yield _buffer_take(buffer)


def _buffer_take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return text


# PDF


@dataclass(frozen=True)
class CaseSummary:
    """The contents of the case summary PDF: the case, its person's records, its history."""

    case: Case
    records: list[SourceRecord]
    events: list[CaseEvent]
    notes: list[CaseNote]
    open_claims: list[CitizenshipClaim]
    overrides: list[GuardOverride]

    def section_counts(self) -> dict[str, int]:
        """Return the number of rows in each list section, for the audit event's details."""
        return {
            "records": len(self.records),
            "events": len(self.events),
            "notes": len(self.notes),
            "open_citizenship_claims": len(self.open_claims),
            "overrides": len(self.overrides),
        }


def case_summary_get(*, case_id: int) -> CaseSummary:
    """Return the case with everything its summary shows. Raises Case.DoesNotExist."""
    case = Case.objects.select_related("person", "office", "assignee").get(pk=case_id)
    # The claims that block enforcement, counted as the safeguards count them: on the person,
    # on their cases and on persons merged into them.
    open_claims = (
        citizenship_claims_for(person_id=case.person_id)
        .filter(status__in=[CitizenshipClaim.Status.OPEN, CitizenshipClaim.Status.UPHELD])
        .select_related("recorded_by")
    )
    return CaseSummary(
        case=case,
        records=list(case.person.records.order_by("event_date", "record_uid")),
        events=list(case.events.select_related("actor").order_by("at", "id")),
        notes=list(case.notes.select_related("author").order_by("at", "id")),
        open_claims=list(open_claims.order_by("recorded_at", "id")),
        overrides=list(
            case.overrides.select_related("overridden_by", "reviewed_by").order_by(
                "overridden_at", "id"
            )
        ),
    )


@dataclass(frozen=True)
class ExportHeader:
    """The user, time and purpose of use printed at the top of an export."""

    generated_by: str
    role: str
    generated_at: datetime
    purpose: str


def font_paths() -> dict[str, Path]:
    """Return the DejaVu Sans files by fpdf2 style ("" regular, "B" bold).

    Raises ConfigurationError when matplotlib, which ships the files, is not installed.
    The package is located without importing it.
    """
    spec = importlib.util.find_spec(_FONT_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    paths = {
        style: Path(locations[0]).joinpath(*_FONT_FOLDER, name) if locations else Path(name)
        for style, name in _FONT_FILES.items()
    }
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise ConfigurationError(
            f"the PDF export needs the DejaVu Sans fonts that the {_FONT_PACKAGE} package "
            f"ships, and these files are missing: {missing}. Install the project's "
            "dependencies again (pip install -e .)."
        )
    return paths


class _SummaryDocument(FPDF):
    """An A4 document with the handling line at the top and bottom of every page."""

    def __init__(self, *, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document_title = title
        for style, path in font_paths().items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(left=15, top=15, right=15)

    def header(self) -> None:
        self.set_font(FONT_FAMILY, "B", 8)
        self.cell(0, 5, HANDLING_LINE, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(0, 5, self.document_title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT_FAMILY, "B", 8)
        self.cell(0, 4, HANDLING_LINE, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, "", 8)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")


def case_summary_pdf_build(
    *, summary: CaseSummary, access: AccessContext, header: ExportHeader
) -> bytes:
    """Return the case summary as PDF bytes, with person fields masked for ``access``."""
    case = summary.case
    pdf = _SummaryDocument(title=f"Case {case.pk} summary")
    pdf.set_title(f"Case {case.pk} summary")
    pdf.set_author(header.generated_by)
    pdf.set_creator("ImmigrationOS")
    pdf.set_creation_date(header.generated_at)
    pdf.add_page()

    _heading(pdf, f"Case {case.pk} summary", size=14)
    _facts(pdf, _case_facts(case=case, header=header))
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.multi_cell(0, 4, HANDLING_NOTICE, new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "Person")
    _facts(pdf, _person_facts(case=case, access=access))
    _heading(pdf, "Current status")
    _facts(pdf, _status_facts(case=case))
    _priority_section(pdf, case=case)
    _identity_section(pdf, case=case, records=summary.records)
    _history_sections(pdf, summary=summary)
    return bytes(pdf.output())


def _case_facts(*, case: Case, header: ExportHeader) -> list[tuple[str, str]]:
    state = case.get_state_display()
    if case.closed_reason:
        state += f" ({case.get_closed_reason_display()})"
    return [
        ("Case", str(case.pk)),
        ("Office", f"{case.office.name} ({case.office_id})"),
        ("State", state),
        ("Tier", _text(case.tier) or "none"),
        ("Assignee", case.assignee.get_username() if case.assignee is not None else "none"),
        ("Opened", _when(case.opened_at)),
        ("Due on", _text(case.due_on) or "no due date"),
        ("Case version", str(case.version)),
        ("Generated by", f"{header.generated_by} ({header.role})"),
        ("Generated at", _when(header.generated_at)),
        ("Purpose of use", header.purpose),
    ]


def _person_facts(*, case: Case, access: AccessContext) -> list[tuple[str, str]]:
    person = case.person
    passports = [_passport_text(item) for item in person.passports or []]
    facts = [
        ("Person id", person.person_id),
        ("Name", person.display_name or "not recorded"),
        ("Aliases", ", ".join(_alias_text(alias) for alias in person.aliases or []) or "none"),
        ("Date of birth", value_display(access=access, field_name=DOB, value=person.dob)),
        ("Nationality", person.nationality or "not recorded"),
        (
            "A-numbers",
            value_display(access=access, field_name=A_NUMBER, value=list(person.a_numbers or [])),
        ),
        ("Passports", value_display(access=access, field_name=PASSPORT_NUMBER, value=passports)),
    ]
    if person.protected:
        facts.append(("Protection", person.protection or "protection recorded"))
    if person.merged_into:
        facts.append(("Merged into", person.merged_into))
    return [(label, value or "not recorded") for label, value in facts]


def _status_facts(*, case: Case) -> list[tuple[str, str]]:
    person = case.person
    return [
        ("Status", _code_text(person.status) or "not derived"),
        ("Since", _text(person.status_since) or "not recorded"),
        ("As of", _text(person.status_as_of) or "not recorded"),
        ("Rule", _code_text(person.status_rule_id) or "none"),
        ("Citation", person.status_citation or "none"),
        ("Explanation", person.status_explanation or "none"),
        ("Flags", ", ".join(_code_text(flag) for flag in _as_list(person.status_flags)) or "none"),
    ]


def _priority_section(pdf: FPDF, *, case: Case) -> None:
    person = case.person
    _heading(pdf, "Priority")
    _facts(
        pdf,
        [
            ("Person tier", _text(person.tier) or "none"),
            ("Score", _text(person.score) or "none"),
            ("Policy version", person.policy_version or "none"),
        ],
    )
    rows = [
        [
            _text(reason.get("rule") or reason.get("rule_id")),
            _text(reason.get("points")),
            _text(reason.get("text") or reason.get("reason")),
            ", ".join(_as_list(reason.get("evidence"))),
        ]
        if isinstance(reason, Mapping)
        else ["", "", _text(reason), ""]
        for reason in _as_list_raw(person.priority_reasons)
    ]
    _table(
        pdf,
        ["Rule", "Points", "Reason", "Evidence records"],
        rows,
        widths=(30, 14, 80, 56),
        empty="No priority reasons recorded.",
    )


def _identity_section(pdf: FPDF, *, case: Case, records: list[SourceRecord]) -> None:
    person = case.person
    _heading(pdf, "Identity")
    weakest = person.min_link_probability
    _facts(
        pdf,
        [
            ("Identity in review", "yes" if person.identity_in_review else "no"),
            ("Weakest link", f"{weakest:.4f}" if weakest is not None else "single record"),
        ],
    )
    rows = [
        [
            record.record_uid,
            record.source,
            _text(record.event_date),
            f"{record.match_probability:.4f}" if record.match_probability is not None else "",
            record.link_rule,
        ]
        for record in records
    ]
    _table(
        pdf,
        ["Record", "Source", "Event date", "Match probability", "Link rule"],
        rows,
        widths=(55, 28, 24, 28, 45),
        empty="No source records are linked to this person.",
    )


def _history_sections(pdf: FPDF, *, summary: CaseSummary) -> None:
    _heading(pdf, "Case history")
    _table(
        pdf,
        ["When", "By", "Kind", "From", "To", "Reason"],
        [
            [
                _when(event.at),
                event.actor.get_username() if event.actor is not None else "pipeline",
                event.get_kind_display(),
                _state_label(event.from_state) or "-",
                _state_label(event.to_state),
                event.reason,
            ]
            for event in summary.events
        ],
        # From and To fit the longest state label, "Removal pending", on one line at 8 pt.
        widths=(28, 22, 22, 28, 28, 52),
        empty="No events.",
    )

    _heading(pdf, "Notes")
    _table(
        pdf,
        ["When", "Author", "Note"],
        [[_when(note.at), note.author.get_username(), note.text] for note in summary.notes],
        widths=(30, 28, 122),
        empty="No notes.",
    )

    _heading(pdf, "Citizenship claims that block enforcement")
    _table(
        pdf,
        ["Recorded", "By", "Status", "Source", "Statement"],
        [
            [
                _when(claim.recorded_at),
                claim.recorded_by.get_username(),
                claim.get_status_display(),
                claim.source,
                claim.statement,
            ]
            for claim in summary.open_claims
        ],
        widths=(28, 22, 30, 34, 66),
        empty="No open or upheld citizenship claims.",
    )

    _heading(pdf, "Safeguard overrides")
    _table(
        pdf,
        ["When", "By", "Transition", "Safeguards overridden", "Justification", "Reviewed"],
        [_override_row(override) for override in summary.overrides],
        widths=(28, 22, 34, 38, 36, 22),
        empty="No overrides.",
    )


def _override_row(override: GuardOverride) -> list[str]:
    guards = [
        _text(guard.get("message") or guard.get("code"))
        if isinstance(guard, Mapping)
        else _text(guard)
        for guard in _as_list_raw(override.guards)
    ]
    reviewed = "not yet"
    if override.reviewed_at is not None:
        reviewer = override.reviewed_by.get_username() if override.reviewed_by else "unknown"
        reviewed = f"{_when(override.reviewed_at)} by {reviewer}"
    return [
        _when(override.overridden_at),
        override.overridden_by.get_username(),
        _transition_label(override.transition),
        "; ".join(guards),
        override.justification,
        reviewed,
    ]


# A heading starts a new page unless this much room (mm) is left below it: the heading
# itself and about three lines of what follows.
_HEADING_KEEP_MM: Final = 7 + 3 * 5


def _heading(pdf: FPDF, text: str, *, size: int = 11) -> None:
    if pdf.will_page_break(2 + _HEADING_KEEP_MM):
        pdf.add_page()
    else:
        pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", size)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    """Print label and value pairs in two columns. Long values wrap."""
    pdf.set_font(FONT_FAMILY, "", 9)
    with pdf.table(
        col_widths=(40, 140),
        first_row_as_headings=False,
        borders_layout="NONE",
        text_align="LEFT",
        line_height=5,
        padding=0.5,
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)


def _table(
    pdf: FPDF,
    headings: list[str],
    rows: list[list[str]],
    *,
    widths: tuple[int, ...],
    empty: str,
) -> None:
    """Print ``rows`` under ``headings``, or the ``empty`` sentence when there are none."""
    pdf.set_font(FONT_FAMILY, "", 8)
    if not rows:
        pdf.multi_cell(0, 5, empty, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=4, padding=0.8, repeat_headings=1
    ) as table:
        table.row(headings)
        for cells in rows:
            table.row(cells)


def _passport_text(passport: Any) -> str:
    if isinstance(passport, Mapping):
        parts = (passport.get("country"), passport.get("number"))
        return " ".join(str(part) for part in parts if part)
    return _text(passport)


def _alias_text(alias: Any) -> str:
    if isinstance(alias, Mapping):
        parts = (alias.get("given_name"), alias.get("family_name"))
        return " ".join(str(part) for part in parts if part) or _text(dict(alias))
    return _text(alias)


def _as_list(value: Any) -> list[str]:
    return [_text(item) for item in _as_list_raw(value)]


def _as_list_raw(value: Any) -> list[Any]:
    if value in (None, "", [], {}):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, Mapping):
        return [f"{key}: {item}" if item is not True else str(key) for key, item in value.items()]
    return [value]


def _state_label(state: str) -> str:
    """Return the case state's label ("Removal pending"), or ``state`` when it is unknown."""
    if state in CaseState.values:
        return str(CaseState(state).label)
    return state


def _transition_label(name: str) -> str:
    transition = TRANSITIONS_BY_NAME.get(name)
    return transition.label if transition is not None else name


def _code_text(code: Any) -> str:
    """Return a status, rule or flag code as the web page shows it: the label, then the code
    in brackets when the two differ."""
    text = _text(code)
    label = code_label(text)
    return label if label == text else f"{label} ({text})"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()
