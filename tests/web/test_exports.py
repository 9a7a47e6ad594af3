"""Case exports: the case summary PDF and the case list CSV, their masking and audit events."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.http import StreamingHttpResponse
from pypdf import PdfReader

from immigrationos.access.masking import MASK
from immigrationos.audit import chain
from immigrationos.audit.models import AuditEvent, Outcome
from immigrationos.cases import exports
from immigrationos.cases.errors import ConfigurationError
from immigrationos.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CitizenshipClaim,
    GuardOverride,
    Office,
    Person,
    SourceRecord,
)

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
NAME = "Jiří Dvořák"
# Values of person PJ that a role masking every identifier must not see.
SECRETS = ("1981-03-14", "A123456789", "CZ7654321")
NOTE = "Spoke with counsel; Łucja Wróbel confirmed the address."
CLAIM = "States he was born in Chicago in 1981."
JUSTIFICATION = "Link confirmed by fingerprint match at the encounter."


@dataclass(frozen=True)
class Sample:
    """Ids of the sample cases: three in NYC (one with a formula name), one in LOS."""

    jiri_case: int
    lucja_case: int
    formula_case: int
    los_case: int


def _person(person_id: str, given_name: str, family_name: str, **fields: Any) -> Person:
    return Person.objects.create(
        person_id=person_id,
        given_name=given_name,
        family_name=family_name,
        nationality=fields.pop("nationality", "CZE"),
        status="overstay",
        **fields,
    )


def _case(person: Person, office: Office, *, state: str = "lead", tier: int = 1) -> Case:
    return Case.objects.create(
        person=person, office=office, state=state, tier=tier, opened_at=AT, updated_at=AT
    )


@pytest.fixture
def sample(db: None) -> Sample:
    nyc = Office.objects.create(code="NYC", name="New York City")
    los = Office.objects.create(code="LOS", name="Los Angeles")
    author = get_user_model().objects.create_user(username="officer-notes")

    jiri = _person(
        "PJ",
        "Jiří",
        "Dvořák",
        dob=date(1981, 3, 14),
        a_numbers=["A123456789"],
        passports=[{"country": "CZE", "number": "CZ7654321"}],
        status_rule_id="overstay.nonimmigrant",
        status_explanation="Admitted until 2024-05-01; no departure or extension recorded.",
        priority_reasons=[
            {"rule": "overstay_1y", "points": 40, "text": "Overstayed over a year", "evidence": []}
        ],
    )
    SourceRecord.objects.create(
        record_uid="arrivals:I94-77",
        person=jiri,
        source="arrivals",
        record_id="I94-77",
        match_probability=0.9731,
        link_rule="splink",
    )
    jiri_case = _case(jiri, nyc, state="vetting")
    event = CaseEvent.objects.create(
        case=jiri_case,
        actor=author,
        at=AT,
        from_state="lead",
        to_state="vetting",
        reason="Started vetting",
        kind=CaseEventKind.TRANSITION,
    )
    CaseNote.objects.create(case=jiri_case, author=author, at=AT, text=NOTE)
    CitizenshipClaim.objects.create(
        person=jiri,
        case=jiri_case,
        source="counsel",
        statement=CLAIM,
        recorded_by=author,
        recorded_at=AT,
    )
    GuardOverride.objects.create(
        case=jiri_case,
        event=event,
        transition="assign_for_action",
        guards=[{"code": "weak_link", "message": "rests on a link below the threshold"}],
        justification=JUSTIFICATION,
        overridden_by=author,
        overridden_at=AT,
    )

    lucja = _person("PW", "Łucja", "Wróbel", nationality="POL", dob=date(1990, 7, 1))
    formula = _person("PX", '=HYPERLINK("http://x")', "-Smith", nationality="GBR")
    luis = _person("PL", "Luis", "Ortega", nationality="MEX")
    return Sample(
        jiri_case=jiri_case.pk,
        lucja_case=_case(lucja, nyc, state="lead", tier=2).pk,
        formula_case=_case(formula, nyc, state="lead", tier=3).pk,
        los_case=_case(luis, los, state="vetting").pk,
    )


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    # Wrapped table cells come out with runs of spaces and line breaks between words.
    return " ".join(text.split())


def _csv_rows(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _audit_writes_break(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fields: Any) -> AuditEvent:
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(chain, "chain_append", fail)
    monkeypatch.setattr("immigrationos.audit.services.chain_append", fail)


# Case summary PDF


def test_summary_pdf_headers(role_client: Any, sample: Sample) -> None:
    response = role_client("officer").get(f"/cases/{sample.jiri_case}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="case-{sample.jiri_case}-summary.pdf"'
    assert "no-store" in response["Cache-Control"]


def test_summary_pdf_contents(role_client: Any, sample: Sample) -> None:
    client = role_client("officer", username="officer-pdf")
    text = _pdf_text(client.get(f"/cases/{sample.jiri_case}/summary.pdf").content)
    assert exports.HANDLING_LINE in text
    assert NAME in text
    for secret in SECRETS:
        assert secret in text
    assert "New York City (NYC)" in text
    assert "Vetting" in text
    assert "officer-pdf (officer)" in text
    assert "Case work" in text
    assert "overstay.nonimmigrant" in text
    assert "no departure or extension recorded" in text
    assert "Overstayed over a year" in text
    assert "arrivals:I94-77" in text
    assert "0.9731" in text
    assert "Started vetting" in text
    assert "Łucja Wróbel" in text
    assert "born in Chicago" in text
    assert "fingerprint match" in text


def test_summary_pdf_masked_for_analyst(role_client: Any, sample: Sample) -> None:
    client = role_client("analyst", office=None)
    text = _pdf_text(client.get(f"/cases/{sample.jiri_case}/summary.pdf").content)
    assert NAME in text
    assert MASK in text
    for secret in SECRETS:
        assert secret not in text


def test_summary_pdf_audit_event(role_client: Any, sample: Sample) -> None:
    role_client("officer").get(f"/cases/{sample.jiri_case}/summary.pdf")
    [event] = _events("case_summary_export")
    assert event.outcome == Outcome.OK
    assert event.object_type == "case"
    assert event.object_ids == [str(sample.jiri_case)]
    assert event.purpose == "case_work"
    assert event.details["format"] == "pdf"
    assert event.details["row_count"] == 1
    assert event.details["sections"]["notes"] == 1
    assert NAME not in str(event.details)


def test_summary_pdf_out_of_office_404(role_client: Any, sample: Sample) -> None:
    response = role_client("officer").get(f"/cases/{sample.los_case}/summary.pdf")
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert _events("case_summary_export") == []
    [denial] = _events("access_denied")
    assert denial.object_ids == [str(sample.los_case)]


def test_summary_pdf_missing_case_404(role_client: Any, sample: Sample) -> None:
    response = role_client("analyst", office=None).get("/cases/999999/summary.pdf")
    assert response.status_code == 404
    [event] = _events("case_summary_export")
    assert event.outcome == Outcome.FAILED
    assert event.object_ids == ["999999"]


# Case list CSV


def test_cases_csv_filtered_rows(role_client: Any, sample: Sample) -> None:
    response = role_client("analyst", office=None).get("/cases/export.csv?state=vetting")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert "no-store" in response["Cache-Control"]
    rows = _csv_rows(response)
    assert [row["case_id"] for row in rows] == [str(sample.jiri_case), str(sample.los_case)]
    assert {row["state"] for row in rows} == {"vetting"}
    assert rows[0]["name"] == NAME
    assert rows[0]["office"] == "NYC"
    assert rows[0]["opened"] == "2026-03-02"
    assert rows[0]["person_id"] == "PJ"


def test_cases_csv_columns(role_client: Any, sample: Sample) -> None:
    response = role_client("officer").get("/cases/export.csv?tier=1")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(exports.CSV_COLUMNS)


def test_cases_csv_dob_by_role(role_client: Any, sample: Sample) -> None:
    query = "/cases/export.csv?tier=1&office=NYC"
    [officer_row] = _csv_rows(role_client("officer").get(query))
    [analyst_row] = _csv_rows(role_client("analyst", office=None).get(query))
    assert officer_row["dob"] == "1981-03-14"
    assert analyst_row["dob"] == MASK


def test_cases_csv_office_scope(role_client: Any, sample: Sample) -> None:
    rows = _csv_rows(role_client("officer").get("/cases/export.csv"))
    ids = {int(row["case_id"]) for row in rows}
    assert ids == {sample.jiri_case, sample.lucja_case, sample.formula_case}


def test_cases_csv_audit_event(role_client: Any, sample: Sample) -> None:
    response = role_client("officer").get("/cases/export.csv?state=lead")
    rows = _csv_rows(response)
    [event] = _events("case_list_export")
    assert event.outcome == Outcome.OK
    assert event.object_ids == [row["case_id"] for row in rows]
    assert event.object_ids == [str(sample.lucja_case), str(sample.formula_case)]
    assert event.details == {
        "format": "csv",
        "filters": {"state": "lead", "tier": None, "office": ""},
        "row_count": 2,
    }


def test_cases_csv_neutralises_formulas(role_client: Any, sample: Sample) -> None:
    rows = _csv_rows(role_client("officer").get("/cases/export.csv?tier=3"))
    [row] = rows
    assert row["name"] == '\'=HYPERLINK("http://x") -Smith'


def test_cases_csv_streams_in_chunks(
    role_client: Any, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 1)
    response = role_client("officer").get("/cases/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    parts = list(response.streaming_content)
    # The header, then one part per case.
    assert len(parts) == 4


def test_cases_csv_over_limit(
    role_client: Any, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(exports.CASE_EXPORT_MAX_ROWS_ENV, "2")
    response = role_client("officer").get("/cases/export.csv")
    assert response.status_code == 400
    text = response.content.decode()
    assert "3 cases match these filters" in text
    assert "at most 2" in text
    [event] = _events("case_list_export")
    assert event.outcome == Outcome.DENIED
    assert event.object_ids == []
    assert event.details["matched"] == 3


def test_cases_csv_at_limit(
    role_client: Any, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(exports.CASE_EXPORT_MAX_ROWS_ENV, "3")
    response = role_client("officer").get("/cases/export.csv")
    assert response.status_code == 200
    assert len(_csv_rows(response)) == 3


@pytest.mark.parametrize("query", ["state=bogus", "office=LOS", "tier=x"])
def test_cases_csv_invalid_filter(role_client: Any, sample: Sample, query: str) -> None:
    response = role_client("officer").get(f"/cases/export.csv?{query}")
    assert response.status_code == 400
    assert b"The filters are not valid" in response.content
    [event] = _events("case_list_export")
    assert event.outcome == Outcome.FAILED
    assert event.object_ids == []


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_max_rows_setting_invalid(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(exports.CASE_EXPORT_MAX_ROWS_ENV, value)
    with pytest.raises(ConfigurationError, match=exports.CASE_EXPORT_MAX_ROWS_ENV):
        exports.case_export_max_rows()


# Both exports


@pytest.mark.parametrize("path", ["/cases/export.csv", "/cases/{case}/summary.pdf"])
def test_export_requires_purpose(role_client: Any, sample: Sample, path: str) -> None:
    url = path.format(case=sample.jiri_case)
    response = role_client("officer", purpose=None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/purpose/?next=")
    assert AuditEvent.objects.filter(action__endswith="_export").count() == 0


@pytest.mark.parametrize("path", ["/cases/export.csv", "/cases/{case}/summary.pdf"])
def test_export_refused_without_audit(
    role_client: Any, sample: Sample, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    client = role_client("officer")
    _audit_writes_break(monkeypatch)
    response = client.get(path.format(case=sample.jiri_case))
    assert response.status_code == 503
    assert not getattr(response, "streaming", False)
    assert b"%PDF" not in response.content
    assert b"case_id" not in response.content
    assert NAME.encode() not in response.content


@pytest.mark.parametrize("role", ["auditor", "privacy_officer", "admin"])
def test_export_denied_to_non_staff(role_client: Any, sample: Sample, role: str) -> None:
    client = role_client(role, office=None)
    assert client.get("/cases/export.csv").status_code == 403
    assert client.get(f"/cases/{sample.jiri_case}/summary.pdf").status_code == 403


def test_export_links_on_pages(role_client: Any, sample: Sample) -> None:
    client = role_client("officer")
    case_page = client.get(f"/cases/{sample.jiri_case}/").content.decode()
    assert f'href="/cases/{sample.jiri_case}/summary.pdf"' in case_page
    list_page = client.get("/cases/?state=lead&tier=2").content.decode()
    assert 'href="/cases/export.csv?state=lead&amp;tier=2"' in list_page


def test_summary_pdf_uses_state_and_transition_labels(role_client: Any, sample: Sample) -> None:
    case = Case.objects.get(pk=sample.jiri_case)
    CaseEvent.objects.create(
        case=case,
        actor=None,
        at=AT,
        from_state="assigned",
        to_state="removal_pending",
        reason="Removal order served",
        kind=CaseEventKind.TRANSITION,
    )
    text = _pdf_text(role_client("officer").get(f"/cases/{case.pk}/summary.pdf").content)

    assert "Removal pending" in text
    assert "removal_pending" not in text
    assert "removal_ pending" not in text
    assert "Assign for action" in text
    assert "assign_for_action" not in text


def test_summary_pdf_heading_not_stranded_at_page_foot() -> None:
    pdf = exports._SummaryDocument(title="test")
    pdf.add_page()
    # Leave room for the heading alone, not for the lines that follow it.
    pdf.set_y(pdf.h - pdf.b_margin - 12)
    exports._heading(pdf, "Notes")
    assert pdf.page_no() == 2

    roomy = exports._SummaryDocument(title="test")
    roomy.add_page()
    exports._heading(roomy, "Notes")
    assert roomy.page_no() == 1
