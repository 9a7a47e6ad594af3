"""Written contracts for the eight source extracts.

A contract names each column of a source's CSV extract, its type, whether it is required and,
for dates, the format the source system writes. The synthetic generator writes extracts that
follow these contracts (with deliberate defects), and ingest validates every row against them.

Date formats are declared per source, never guessed per row: the consular visa system writes
day-first dates, the I-94 system month-first, the conviction history two-digit years.
Identity columns (``IDENTITY_COLUMNS``) go to fixed columns of the staged ``records`` table;
every other column goes to the record's ``attrs`` JSON with dates as ISO 8601 strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal[
    "text",  # free text, stripped
    "name",  # a personal name; the original spelling is kept for display
    "date",  # a calendar date in the contract's date_format
    "datetime",  # ISO 8601 timestamp, offset optional (read in the port's zone when absent)
    "date_or_ds",  # a date in date_format, or the literal "D/S" (duration of status)
    "bool",  # true/false, yes/no, y/n, 1/0
    "enum",  # one of ``choices``
    "country",  # ISO 3166-1 alpha-3 code
    "sex",  # M, F or X
    "a_number",  # alien registration number: optional "A", 8 or 9 digits
    "document",  # passport, visa, I-94, receipt or case number: letters and digits
    "timezone",  # IANA time zone name
    "port",  # port code from ``immigrationos.sources.ports``
]

IDENTITY_COLUMNS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "dob",
    "sex",
    "nationality",
    "country_of_birth",
    "passport_no",
    "passport_country",
    "a_number",
    "fbi_number",
)

ISO_DATE = "%Y-%m-%d"
DAY_FIRST = "%d/%m/%Y"
MONTH_FIRST = "%m/%d/%Y"
TWO_DIGIT_YEAR = "%d-%m-%y"

EVIDENCE_KINDS = (
    "carrier_manifest",
    "boarding_confirmation",
    "biometric_confirmation",
    "land_exit",
    "self_reported",
    "third_country_entry",
)
MODES = ("air", "sea", "land")
# N-600 is the application for a certificate of citizenship (a citizen through a parent).
# SATISFACTORY_DEPARTURE is a Visa Waiver visitor's request for up to 30 more days to leave
# (8 CFR 217.3(a)); it has no form number.
BENEFIT_FORMS = (
    "I-539",
    "I-129",
    "I-485",
    "I-589",
    "I-821",
    "I-821D",
    "N-400",
    "I-131",
    "N-600",
    "SATISFACTORY_DEPARTURE",
)
BENEFIT_DECISIONS = ("pending", "approved", "denied", "withdrawn")
# The relation of the person a benefits record names to the applicant: the applicant's
# spouse, parent or child.
RELATIONSHIPS = ("spouse", "parent", "child")
COURT_DECISIONS = ("pending", "removal", "relief", "termination", "voluntary_departure")
APPEALS = ("none", "waived", "pending", "dismissed", "sustained")
OFFENCE_CATEGORIES = (
    "homicide",
    "sexual_assault",
    "assault",
    "robbery",
    "kidnapping",
    "weapons",
    "drug_trafficking",
    "drug_possession",
    "burglary",
    "theft",
    "fraud",
    "dui",
    "immigration",
    "traffic",
    "national_security",
)
SEVERITIES = ("felony", "misdemeanor")
ENFORCEMENT_KINDS = ("encounter", "arrest", "detention", "removal", "release")
STUDENT_STATUSES = ("active", "completed", "terminated")


@dataclass(frozen=True)
class Column:
    """One column of a source extract."""

    name: str
    kind: ColumnKind
    required: bool = False
    date_format: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceContract:
    """The layout and rules of one source system's extract."""

    name: str
    description: str
    columns: tuple[Column, ...]
    event_date_column: str
    encoding: str = "utf-8"
    file_name: str = ""
    id_column: str = "record_id"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """Return the extract's file name inside ``extracts/``."""
        return self.file_name or f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _identity(
    dob_format: str,
    *,
    names_required: bool = True,
    dob_required: bool = True,
    passport: bool = True,
) -> tuple[Column, ...]:
    columns = [
        Column("given_name", "name", required=names_required),
        Column("family_name", "name", required=names_required),
        Column("dob", "date", required=dob_required, date_format=dob_format),
        Column("sex", "sex"),
        Column("nationality", "country"),
    ]
    if passport:
        columns += [Column("passport_no", "document"), Column("passport_country", "country")]
    return tuple(columns)


VISAS = SourceContract(
    name="visas",
    description="Consular visa issuance. Dates are day-first (DD/MM/YYYY).",
    columns=(
        Column("record_id", "text", required=True),
        Column("visa_number", "document", required=True),
        *_identity(DAY_FIRST),
        Column("country_of_birth", "country"),
        Column("visa_class", "text", required=True),
        Column("issue_date", "date", required=True, date_format=DAY_FIRST),
        Column("expiry_date", "date", date_format=DAY_FIRST),
        Column("post", "text"),
    ),
    event_date_column="issue_date",
)

ARRIVALS = SourceContract(
    name="arrivals",
    description=(
        "I-94 admissions. Dates are month-first (MM/DD/YYYY); admission_ts is ISO 8601 and is "
        "read in port_tz when it has no offset; admit_until is a date or D/S."
    ),
    columns=(
        Column("record_id", "text", required=True),
        Column("i94_number", "document", required=True),
        *_identity(MONTH_FIRST),
        Column("a_number", "a_number"),
        Column("class_of_admission", "text", required=True),
        Column("admission_ts", "datetime", required=True),
        Column("port", "port", required=True),
        Column("port_tz", "timezone", required=True),
        Column("mode", "enum", required=True, choices=MODES),
        Column("admit_until", "date_or_ds", date_format=MONTH_FIRST),
    ),
    event_date_column="admission_ts",
)

DEPARTURES = SourceContract(
    name="departures",
    description=(
        "Departure events: carrier manifests, boarding and biometric confirmations, land exits, "
        "self-reported exits. departure_ts is ISO 8601, read in port_tz when it has no offset."
    ),
    columns=(
        Column("record_id", "text", required=True),
        Column("event_id", "document", required=True),
        *_identity(ISO_DATE, names_required=False, dob_required=False),
        Column("departure_ts", "datetime", required=True),
        Column("port", "port", required=True),
        Column("port_tz", "timezone", required=True),
        Column("carrier", "text"),
        Column("mode", "enum", required=True, choices=MODES),
        Column("evidence_kind", "enum", required=True, choices=EVIDENCE_KINDS),
        # The place a self_reported exit gives as the point of departure.
        Column("reported_location", "text"),
    ),
    event_date_column="departure_ts",
)

STUDENTS = SourceContract(
    name="students",
    description="SEVIS-like programme records for F, M and J students and exchange visitors.",
    columns=(
        Column("record_id", "text", required=True),
        Column("sevis_id", "document", required=True),
        *_identity(ISO_DATE),
        Column("visa_class", "enum", required=True, choices=("F1", "M1", "J1")),
        Column("program_start", "date", required=True, date_format=ISO_DATE),
        Column("program_end", "date", required=True, date_format=ISO_DATE),
        Column("opt_end", "date", date_format=ISO_DATE),
        Column("student_status", "enum", required=True, choices=STUDENT_STATUSES),
        Column("termination_date", "date", date_format=ISO_DATE),
        Column("termination_reason", "text"),
    ),
    event_date_column="program_start",
)

BENEFITS = SourceContract(
    name="benefits",
    description="USCIS-like benefit applications and their decisions.",
    columns=(
        Column("record_id", "text", required=True),
        Column("receipt_number", "document", required=True),
        Column("a_number", "a_number"),
        *_identity(ISO_DATE),
        Column("country_of_birth", "country"),
        Column("form", "enum", required=True, choices=BENEFIT_FORMS),
        Column("filed_date", "date", required=True, date_format=ISO_DATE),
        Column("decision", "enum", required=True, choices=BENEFIT_DECISIONS),
        Column("decision_date", "date", date_format=ISO_DATE),
        Column("new_class", "text"),
        Column("valid_until", "date", date_format=ISO_DATE),
        Column("timely_filed", "bool"),
        # Found frivolous or filed only to delay departure: no authorised stay while pending.
        Column("frivolous", "bool"),
        # The citizen parent an N-600 claim rests on.
        Column("parent_a_number", "a_number"),
        Column("parent_name", "text"),
        Column("parent_naturalisation_date", "date", date_format=ISO_DATE),
        Column("parent_custody", "bool"),
        # A related person the application names: the petitioning spouse or parent an I-485
        # rests on, or a child an N-400 lists. ``relationship`` is that person's relation to
        # the applicant. An N-600's parent is in the parent_* columns, not here.
        Column("related_a_number", "a_number"),
        Column("related_name", "text"),
        Column("relationship", "enum", choices=RELATIONSHIPS),
    ),
    event_date_column="filed_date",
)

COURT = SourceContract(
    name="court",
    description="EOIR-like removal proceedings, decisions and appeals.",
    columns=(
        Column("record_id", "text", required=True),
        Column("case_number", "document", required=True),
        Column("a_number", "a_number", required=True),
        *_identity(ISO_DATE, dob_required=False, passport=False),
        Column("nta_date", "date", required=True, date_format=ISO_DATE),
        Column("decision", "enum", required=True, choices=COURT_DECISIONS),
        Column("decision_date", "date", date_format=ISO_DATE),
        Column("appeal", "enum", choices=APPEALS),
        Column("appeal_decision_date", "date", date_format=ISO_DATE),
        Column("in_absentia", "bool"),
        Column("vd_deadline", "date", date_format=ISO_DATE),
    ),
    event_date_column="nta_date",
)

CRIMINAL = SourceContract(
    name="criminal",
    description=(
        "Conviction history. The DOB has a two-digit year (DD-MM-YY), resolved against the "
        "conviction date; other dates are ISO."
    ),
    columns=(
        Column("record_id", "text", required=True),
        Column("fbi_number", "document", required=True),
        *_identity(TWO_DIGIT_YEAR, passport=False),
        Column("offence_category", "enum", required=True, choices=OFFENCE_CATEGORIES),
        Column("severity", "enum", required=True, choices=SEVERITIES),
        Column("violent", "bool"),
        Column("tco_related", "bool"),
        Column("conviction_date", "date", required=True, date_format=ISO_DATE),
    ),
    event_date_column="conviction_date",
)

ENFORCEMENT = SourceContract(
    name="enforcement",
    description="Encounters, arrests, detention, releases and removals.",
    columns=(
        Column("record_id", "text", required=True),
        Column("event_id", "document", required=True),
        Column("a_number", "a_number"),
        Column("fbi_number", "document"),
        *_identity(ISO_DATE, names_required=False, dob_required=False, passport=False),
        Column("kind", "enum", required=True, choices=ENFORCEMENT_KINDS),
        Column("event_date", "date", required=True, date_format=ISO_DATE),
        Column("aor", "text", required=True),
    ),
    event_date_column="event_date",
)

CONTRACTS: dict[str, SourceContract] = {
    contract.name: contract
    for contract in (VISAS, ARRIVALS, DEPARTURES, STUDENTS, BENEFITS, COURT, CRIMINAL, ENFORCEMENT)
}

__all__ = ["CONTRACTS", "IDENTITY_COLUMNS", "Column", "SourceContract"]
