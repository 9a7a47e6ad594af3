"""The case page and its forms: sections, actions with refusal reasons, overrides, notes,
attachments, version conflicts, citizenship claims and proposals."""

from __future__ import annotations

import re
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from immigrationos.audit.models import AuditEvent
from immigrationos.cases import workflow
from immigrationos.cases.attachments import attachment_path, attachments_root
from immigrationos.cases.models import (
    Case,
    CaseAttachment,
    CaseNote,
    CaseProposal,
    CitizenshipClaim,
    GuardOverride,
    Office,
    Person,
    SourceRecord,
    StatusPeriod,
)
from immigrationos.workflow.transitions import JUSTIFICATION_MIN_CHARS

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
JUSTIFICATION = "Fingerprints taken at the 2026-11-30 encounter confirm the identity."
# The EICAR anti-virus test file: harmless, and reported as infected by every scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A Windows executable starts with "MZ" whatever its name.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@dataclass
class CaseWorld:
    case: Case
    person: Person


@pytest.fixture
def world(db: None) -> CaseWorld:
    office = Office.objects.create(code="NYC", name="New York City")
    Office.objects.create(code="LOS", name="Los Angeles")
    person = Person.objects.create(
        person_id="PC-1",
        given_name="Nora",
        family_name="Casetest",
        status="potential_overstay_unconfirmed",
        status_since=date(2025, 9, 1),
        status_rule_id="no_departure_after_admit_until",
        status_explanation="Admitted until 2025-08-31; no departure recorded.",
        status_flags=["unconfirmed"],
        tier=1,
        score=40,
        priority_reasons=[
            {
                "reason": "Overstay of more than 365 days",
                "rule": "long_overstay",
                "points": 40,
                "evidence": ["arrivals:A-1"],
            }
        ],
        min_link_probability=0.999,
    )
    SourceRecord.objects.create(
        record_uid="arrivals:A-1",
        person=person,
        source="arrivals",
        record_id="A-1",
        given_name="Nora",
        family_name="Casetest",
        event_date=date(2025, 3, 1),
        match_probability=0.999,
        link_rule="passport_exact",
    )
    SourceRecord.objects.create(
        record_uid="visas:V-1",
        person=person,
        source="visas",
        record_id="V-1",
        given_name="Norah",
        family_name="Casetest",
        event_date=date(2025, 1, 10),
        match_probability=0.871,
        link_rule="probabilistic",
    )
    StatusPeriod.objects.create(
        person=person,
        seq=1,
        start_date=date(2025, 3, 1),
        end_date=date(2025, 8, 31),
        status="in_status",
        rule_id="admitted_b2",
        evidence=["arrivals:A-1"],
    )
    case = Case.objects.create(
        person=person,
        office=office,
        tier=1,
        opened_at=OPENED,
        updated_at=OPENED,
        state_entered_at=OPENED,
        due_on=date(2026, 11, 9),
    )
    return CaseWorld(case=case, person=person)


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _url(name: str, case: Case, **kwargs: Any) -> str:
    return reverse(f"web:{name}", kwargs={"case_id": case.pk, **kwargs})


def _move(case: Case, name: str, actor: Any, reason: str = "checked") -> Case:
    case = _fresh(case)
    workflow.case_transition(
        case_id=case.pk, name=name, actor=actor, version=case.version, reason=reason
    )
    return _fresh(case)


def _vetting_claimed(world: CaseWorld, officer: Any) -> Case:
    case = _fresh(world.case)
    workflow.case_claim(case_id=case.pk, actor=officer, version=case.version)
    return _move(case, "start_vetting", officer)


def _post_transition(client: Any, case: Case, name: str, **fields: Any) -> Any:
    data = {"transition": name, "version": _fresh(case).version, "reason": "checked", **fields}
    return client.post(_url("case_transition", case), data)


def _events_during(action: Any) -> tuple[Any, list[AuditEvent]]:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    result = action()
    return result, list(AuditEvent.objects.filter(seq__gt=last).order_by("seq"))


# --- the page ------------------------------------------------------------------------------


def test_page_sections_show_real_values(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response, events = _events_during(lambda: client.get(_url("case", world.case)))
    text = response.content.decode()

    assert response.status_code == 200
    assert "Nora Casetest" in text
    assert reverse("web:person", args=["PC-1"]) in text
    assert "no departure recorded" in text.lower()
    assert "Admitted until 2025-08-31; no departure recorded." in text
    assert "Unconfirmed." in text
    assert "Overstay of more than 365 days" in text  # priority reason
    assert "admitted_b2" in text  # status history period
    assert "0.871" in text
    assert "weakest link, below the automatic threshold" in text
    assert "2026-11-09" in text
    assert "! overdue" in text
    assert "Version</dt><dd>1</dd>" in text
    assert "nobody (in the office queue)" in text
    assert "Start vetting" in text
    assert [(event.action, event.purpose, event.object_ids) for event in events] == [
        ("case_view", "case_work", [str(world.case.pk)])
    ]


def test_history_shows_actor_states_and_reason(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    _vetting_claimed(world, _user("off"))
    _move(world.case, "return_to_lead", _user("off"), reason="needs another source check")

    text = client.get(_url("case", world.case)).content.decode()
    history = text[text.index('id="case-history"') :]

    assert "needs another source check" in history
    assert re.search(r"<td>off</td>\s*<td>State changed</td>\s*<td>vetting</td>", history)
    assert "Claimed" in history


def test_analyst_sees_no_action_forms(role_client: Any, world: CaseWorld) -> None:
    text = role_client("analyst", office=None).get(_url("case", world.case)).content.decode()

    assert "Only officers and supervisors act on cases." in text
    assert _url("case_transition", world.case) not in text
    assert _url("citizenship_claim_add", world.case) in text


# --- actions and refusals ------------------------------------------------------------------


def test_refused_action_lists_its_reason(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    _vetting_claimed(world, _user("off"))
    Person.objects.filter(pk="PC-1").update(identity_in_review=True)

    text = client.get(_url("case", world.case)).content.decode()
    actions = text[text.index('id="case-actions"') : text.index('id="case-proposals"')]

    assert "<strong>Assign for action</strong>: not allowed now" in actions
    assert "the person&#x27;s identity has a link waiting in the review queue" in actions
    assert "(a supervisor may override)" in actions
    assert "Override and" not in actions  # an officer is not offered the override
    assert ">Return to leads</button>" in actions  # allowed actions stay enabled


def test_transition_post_redirects_and_changes_state(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response, events = _events_during(
        lambda: _post_transition(client, world.case, "start_vetting", reason="")
    )

    assert response.status_code == 302
    assert response["Location"] == _url("case", world.case) + "#actions"
    assert _fresh(world.case).state == "vetting"
    assert [event.action for event in events] == ["case_transition"]


def test_transition_with_htmx_swaps_actions_and_header(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response = client.post(
        _url("case_transition", world.case),
        {"transition": "start_vetting", "version": 1},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()

    assert response.status_code == 200
    assert text.lstrip().startswith('<section id="case-actions"')
    assert '<section id="case-header" aria-label="Case facts" hx-swap-oob="true">' in text
    assert "Version</dt><dd>2</dd>" in text
    assert "Done: the case is now vetting." in text


def test_missing_reason_is_refused_with_422(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    _vetting_claimed(world, _user("off"))
    response, events = _events_during(
        lambda: _post_transition(client, world.case, "return_to_lead", reason="  ")
    )

    assert response.status_code == 422
    assert "say why: a reason is required" in response.content.decode()
    assert _fresh(world.case).state == "vetting"
    assert [(event.action, event.outcome) for event in events] == [("case_transition", "failed")]


def test_supervisor_override_is_recorded(role_client: Any, world: CaseWorld) -> None:
    client = role_client("supervisor", username="sup")
    _vetting_claimed(world, _user("sup"))
    Person.objects.filter(pk="PC-1").update(identity_in_review=True)

    page = client.get(_url("case", world.case)).content.decode()
    assert "Override and assign for action" in page
    assert f'minlength="{JUSTIFICATION_MIN_CHARS}"' in page

    response = _post_transition(
        client, world.case, "assign_for_action", justification=JUSTIFICATION
    )
    assert response.status_code == 302
    case = _fresh(world.case)
    assert case.state == "assigned"
    override = GuardOverride.objects.get(case=case)
    assert override.justification == JUSTIFICATION
    assert [guard["code"] for guard in override.guards] == ["identity_in_review"]
    assert override.overridden_by == _user("sup")

    history = client.get(_url("case", world.case)).content.decode()
    assert "! Override by sup" in history
    assert "awaiting review by another supervisor" in history


def test_officer_cannot_override(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    _vetting_claimed(world, _user("off"))
    Person.objects.filter(pk="PC-1").update(identity_in_review=True)

    response = _post_transition(
        client, world.case, "assign_for_action", justification=JUSTIFICATION
    )

    assert response.status_code == 422
    assert "only a supervisor may override a safeguard" in response.content.decode()
    assert _fresh(world.case).state == "vetting"
    assert not GuardOverride.objects.exists()


def test_short_justification_is_refused(role_client: Any, world: CaseWorld) -> None:
    client = role_client("supervisor", username="sup")
    _vetting_claimed(world, _user("sup"))
    Person.objects.filter(pk="PC-1").update(identity_in_review=True)

    response = _post_transition(client, world.case, "assign_for_action", justification="ok")

    assert response.status_code == 422
    assert f"at least {JUSTIFICATION_MIN_CHARS} characters" in response.content.decode()
    assert _fresh(world.case).state == "vetting"


def test_analyst_may_not_post_transition(role_client: Any, world: CaseWorld) -> None:
    client = role_client("analyst", office=None)
    response = _post_transition(client, world.case, "start_vetting")

    assert response.status_code == 403
    assert _fresh(world.case).state == "lead"


# --- optimistic concurrency ----------------------------------------------------------------


def test_version_conflict_keeps_typed_text(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    role_client("officer", username="other")
    _vetting_claimed(world, _user("off"))
    seen = _fresh(world.case).version
    # Someone else changes the case after the officer opened it.
    workflow.case_release(
        case_id=world.case.pk, actor=_user("off"), version=seen, reason="handing over"
    )
    workflow.case_claim(case_id=world.case.pk, actor=_user("other"), version=seen + 1)

    typed = "Spoke to the sponsor; address confirmed at 12 Test Street."
    response = client.post(
        _url("case_transition", world.case),
        {"transition": "return_to_lead", "version": seen, "reason": typed},
    )
    text = response.content.decode()

    assert response.status_code == 409
    assert "changed since you opened it" in text
    assert f"version {seen + 2}, worked by other" in text
    assert f">{typed}</textarea>" in text
    assert _fresh(world.case).state == "vetting"


def test_version_conflict_with_htmx_returns_the_panel(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    _vetting_claimed(world, _user("off"))
    seen = _fresh(world.case).version
    _move(world.case, "close_self_departed", _user("off"), reason="left by land")

    typed = "Reason typed before the case was closed"
    response = client.post(
        _url("case_transition", world.case),
        {"transition": "return_to_lead", "version": seen, "reason": typed},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()

    assert response.status_code == 409
    assert text.lstrip().startswith('<section id="case-actions"')
    assert "It is now closed (self-departed)" in text
    # Return to leads is no longer offered, so the text is kept in a box of its own.
    assert f'<textarea id="typed-kept" rows="3" readonly>{typed}</textarea>' in text


# --- notes ---------------------------------------------------------------------------------


def test_note_append_shows_author_and_time(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response = client.post(_url("case_note_add", world.case), {"text": "Called the sponsor."})
    assert response.status_code == 302

    note = CaseNote.objects.get(case=world.case)
    assert (note.text, note.author.username) == ("Called the sponsor.", "off")
    text = client.get(_url("case", world.case)).content.decode()
    notes = text[text.index('id="case-notes"') : text.index('id="case-attachments"')]
    assert "<strong>off</strong>" in notes
    assert note.at.strftime("%Y-%m-%d %H:%M") in notes
    assert "Called the sponsor." in notes


def test_note_with_htmx_returns_notes_and_history(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response = client.post(
        _url("case_note_add", world.case),
        {"text": "Second source checked."},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()

    assert response.status_code == 200
    assert text.lstrip().startswith('<section id="case-notes"')
    assert "Second source checked." in text
    assert (
        '<section id="case-history" aria-labelledby="history-heading" hx-swap-oob="true">' in text
    )


def test_empty_note_is_refused_and_text_kept(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    response = client.post(_url("case_note_add", world.case), {"text": "   "})

    assert response.status_code == 422
    assert "the note is empty" in response.content.decode()
    assert not CaseNote.objects.exists()


def test_notes_have_no_edit_or_delete_route() -> None:
    from django.urls import get_resolver

    names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert [name for name in names if "note" in name] == []  # app routes are namespaced
    web_names = set(get_resolver().namespace_dict["web"][1].reverse_dict)
    assert {name for name in web_names if isinstance(name, str) and "note" in name} == {
        "case_note_add"
    }


# --- attachments ---------------------------------------------------------------------------


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMMIGRATIONOS_HOME", str(tmp_path))
    monkeypatch.delenv("IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND", raising=False)
    monkeypatch.delenv("IMMIGRATIONOS_ATTACHMENT_MAX_BYTES", raising=False)
    return tmp_path


@pytest.fixture
def scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Configure a scanner script: exit 1 for the EICAR string, 2 for "FAIL", else 0."""
    script = tmp_path / "scan.py"
    script.write_text(
        "import sys\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "if b'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' in data:\n"
        "    sys.exit(1)\n"
        "if b'FAIL' in data:\n"
        "    sys.exit(2)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(
        "IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND", f"{sys.executable} {script} {{path}}"
    )
    return script


def _upload(client: Any, case: Case, name: str, content: bytes, content_type: str) -> Any:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        _url("case_attachment_add", case), {"file": upload, "description": "from the file"}
    )


def _stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_exe_renamed_pdf_is_refused(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    response, events = _events_during(
        lambda: _upload(client, world.case, "passport.pdf", EXE_BYTES, "application/pdf")
    )

    assert response.status_code == 422
    assert "not PDF, PNG, JPEG or plain UTF-8 text" in response.content.decode()
    assert not CaseAttachment.objects.exists()
    assert _stored_files(attachments_root()) == []
    assert [(e.action, e.outcome, e.details["rejected"]) for e in events] == [
        ("case_attachment_add", "failed", "type")
    ]


def test_too_large_is_refused(
    role_client: Any, world: CaseWorld, data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMMIGRATIONOS_ATTACHMENT_MAX_BYTES", "64")
    client = role_client("officer", username="off")
    response = _upload(client, world.case, "notes.txt", b"a" * 65, "text/plain")

    assert response.status_code == 422
    assert "larger than the limit of 64 bytes" in response.content.decode()
    assert not CaseAttachment.objects.exists()
    assert _stored_files(attachments_root()) == []


def test_infected_is_refused_and_not_stored(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    response = _upload(client, world.case, "eicar.txt", EICAR, "text/plain")

    assert response.status_code == 422
    assert "found malware" in response.content.decode()
    assert not CaseAttachment.objects.exists()
    assert _stored_files(attachments_root()) == []


def test_scanner_failure_is_refused(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    response = _upload(client, world.case, "fail.txt", b"FAIL please", "text/plain")

    assert response.status_code == 422
    assert "the virus scanner failed" in response.content.decode()
    assert _stored_files(attachments_root()) == []


def test_clean_file_is_stored_and_downloadable(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    # A disguised name: a right-to-left override would show "...fdp.exe" as "...exe.pdf".
    response = _upload(client, world.case, "../I-94\u202eexe.pdf", PDF_BYTES, "text/html")
    assert response.status_code == 302

    attachment = CaseAttachment.objects.get(case=world.case)
    assert attachment.filename == "I-94exe.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.scan == CaseAttachment.Scan.CLEAN
    path = attachment_path(sha256=attachment.sha256)
    assert path == data_home / "attachments" / attachment.sha256[:2] / attachment.sha256
    assert path.read_bytes() == PDF_BYTES
    assert _stored_files(attachments_root()) == [path]  # no temporary file left behind

    download, events = _events_during(
        lambda: client.get(_url("case_attachment_get", world.case, attachment_id=attachment.pk))
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="I-94exe.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert [(e.action, e.outcome, e.object_ids) for e in events] == [
        ("case_attachment_get", "ok", [str(world.case.pk)])
    ]


def test_html_uploaded_as_text_downloads_as_text(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    page = b"<html><script>alert(1)</script></html>"
    assert _upload(client, world.case, "notes.html", page, "text/html").status_code == 302
    attachment = CaseAttachment.objects.get(case=world.case)
    assert attachment.content_type == "text/plain; charset=utf-8"

    download = client.get(_url("case_attachment_get", world.case, attachment_id=attachment.pk))
    # The extension follows the bytes, so no program opens the saved file as a page.
    assert download["Content-Disposition"] == 'attachment; filename="notes.html.txt"'
    assert download["Content-Type"] == "text/plain; charset=utf-8"


def test_without_scanner_file_is_marked_not_scanned(
    role_client: Any, world: CaseWorld, data_home: Path
) -> None:
    client = role_client("officer", username="off")
    page = client.get(_url("case", world.case)).content.decode()
    assert "No virus scanner is configured" in page

    response = _upload(client, world.case, "memo.txt", "Notiz: Grüße\n".encode(), "text/plain")
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get(case=world.case)
    assert attachment.scan == CaseAttachment.Scan.NOT_SCANNED
    assert attachment.content_type == "text/plain; charset=utf-8"
    assert (
        "Not scanned (no scanner configured)"
        in client.get(_url("case", world.case)).content.decode()
    )


def test_attachment_of_another_case_is_not_found(
    role_client: Any, world: CaseWorld, data_home: Path
) -> None:
    client = role_client("officer", username="off")
    _upload(client, world.case, "memo.txt", b"plain text", "text/plain")
    attachment = CaseAttachment.objects.get()
    other = Case.objects.create(
        person=Person.objects.create(person_id="PC-2"),
        office_id="NYC",
        opened_at=OPENED,
        updated_at=OPENED,
    )

    response = client.get(_url("case_attachment_get", other, attachment_id=attachment.pk))

    assert response.status_code == 404


# --- citizenship claims and proposals ------------------------------------------------------


def test_citizenship_claim_blocks_until_decided(role_client: Any, world: CaseWorld) -> None:
    officer = role_client("officer", username="off")
    supervisor = role_client("supervisor", username="sup")
    analyst = role_client("analyst", office=None)
    _vetting_claimed(world, _user("off"))

    # Any staff role that can open the case may record a claim.
    response = analyst.post(
        _url("citizenship_claim_add", world.case),
        {"source": "the person, at the 2026-12-01 interview", "statement": "Born in El Paso"},
    )
    assert response.status_code == 302
    claim = CitizenshipClaim.objects.get(person_id="PC-1")
    assert claim.status == CitizenshipClaim.Status.OPEN

    refused = _post_transition(officer, world.case, "assign_for_action")
    assert refused.status_code == 422
    assert "a claim of US citizenship is open" in refused.content.decode()
    assert _fresh(world.case).state == "vetting"

    page = supervisor.get(_url("case", world.case)).content.decode()
    assert f"Record the decision on claim {claim.pk}" in page
    officer_page = officer.get(_url("case", world.case)).content.decode()
    assert "Record the decision on claim" not in officer_page

    missing_evidence = supervisor.post(
        _url("citizenship_claim_decide", world.case),
        {"claim_id": claim.pk, "decision": "not_substantiated", "evidence": "", "reason": "x"},
    )
    assert missing_evidence.status_code == 422
    decided = supervisor.post(
        _url("citizenship_claim_decide", world.case),
        {
            "claim_id": claim.pk,
            "decision": "not_substantiated",
            "evidence": "Texas birth registry: no record under this name and date of birth",
            "reason": "No birth record; the person later withdrew the claim.",
        },
    )
    assert decided.status_code == 302
    assert CitizenshipClaim.objects.get(pk=claim.pk).status == "not_substantiated"

    allowed = _post_transition(officer, world.case, "assign_for_action")
    assert allowed.status_code == 302
    assert _fresh(world.case).state == "assigned"


def test_officer_may_not_decide_a_claim(role_client: Any, world: CaseWorld) -> None:
    officer = role_client("officer", username="off")
    claim = workflow.citizenship_claim_record(
        person_id="PC-1", actor=_user("off"), source="counsel", statement="citizen by birth"
    )
    response = officer.post(
        _url("citizenship_claim_decide", world.case),
        {"claim_id": claim.pk, "decision": "upheld", "evidence": "e", "reason": "r"},
    )

    assert response.status_code == 403
    assert CitizenshipClaim.objects.get(pk=claim.pk).status == "open"


def test_proposal_accept_closes_the_case(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    proposal = workflow.proposal_raise(
        case=world.case,
        transition="close_self_departed",
        reason="departure recorded on 2026-11-20",
        evidence={"record_uids": ["departures:D-1"]},
        origin="test:departure",
        now=OPENED,
    )
    assert proposal is not None
    page = client.get(_url("case", world.case)).content.decode()
    assert f"Proposal {proposal.pk}: Close: self-departed" in page

    response = client.post(
        _url("case_proposal_decide", world.case),
        {
            "proposal_id": proposal.pk,
            "decision": "accept",
            "version": _fresh(world.case).version,
            "reason": "Carrier manifest confirms the departure.",
        },
    )

    assert response.status_code == 302
    case = _fresh(world.case)
    assert (case.state, case.closed_reason) == ("closed", "self_departed")
    assert CaseProposal.objects.get(pk=proposal.pk).status == "accepted"


def test_proposal_of_another_case_is_not_found(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    other = Case.objects.create(
        person=Person.objects.create(person_id="PC-2"),
        office_id="NYC",
        opened_at=OPENED,
        updated_at=OPENED,
    )
    proposal = workflow.proposal_raise(
        case=other,
        transition="close_self_departed",
        reason="departure recorded",
        evidence={},
        origin="test:other",
        now=OPENED,
    )
    assert proposal is not None
    response = client.post(
        _url("case_proposal_decide", world.case),
        {"proposal_id": proposal.pk, "decision": "accept", "version": 1, "reason": "r"},
    )

    assert response.status_code == 404
    assert _fresh(other).state == "lead"


# --- watching and office scope -------------------------------------------------------------


def test_watch_and_unwatch(role_client: Any, world: CaseWorld) -> None:
    client = role_client("analyst", office=None, username="ana")
    client.post(_url("case_watch", world.case), {"watch": "on"})
    assert "Stop watching" in client.get(_url("case", world.case)).content.decode()

    client.post(_url("case_watch", world.case), {"watch": ""})
    assert "Watch this case" in client.get(_url("case", world.case)).content.decode()
    assert not world.case.watchers.exists()


@pytest.mark.parametrize(
    "route",
    [
        "case_transition",
        "case_note_add",
        "case_attachment_add",
        "case_proposal_decide",
        "citizenship_claim_add",
        "citizenship_claim_decide",
        "case_watch",
    ],
)
def test_other_office_post_is_not_found(role_client: Any, world: CaseWorld, route: str) -> None:
    client = role_client("supervisor", office="LOS")
    response = client.post(_url(route, world.case), {"text": "x", "watch": "on"})

    assert response.status_code == 404
    assert not CaseNote.objects.exists()
    assert not world.case.watchers.exists()


def test_other_office_download_is_not_found(
    role_client: Any, world: CaseWorld, data_home: Path
) -> None:
    role_client("officer", username="off")
    attachment = _stored_attachment(world.case, _user("off"))
    client = role_client("officer", office="LOS")

    response = client.get(_url("case_attachment_get", world.case, attachment_id=attachment.pk))

    assert response.status_code == 404


def _stored_attachment(case: Case, actor: Any) -> CaseAttachment:
    from immigrationos.cases.attachments import case_attachment_add

    upload = SimpleUploadedFile("memo.txt", b"plain text", content_type="text/plain")
    return case_attachment_add(case_id=case.pk, actor=actor, upload=upload, filename="memo.txt")


def test_scan_command_without_path_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from immigrationos.cases.conf import attachment_scan_command
    from immigrationos.cases.errors import ConfigurationError

    monkeypatch.setenv("IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND", "clamdscan --no-summary")
    with pytest.raises(ConfigurationError, match=r"no \{path\} placeholder"):
        attachment_scan_command()
    monkeypatch.setenv("IMMIGRATIONOS_ATTACHMENT_SCAN_COMMAND", "scan {path}")
    assert attachment_scan_command() == ["scan", "{path}"]


def test_attachment_event_names_the_file(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    response = _upload(client, world.case, "../I-94\u202eexe.pdf", PDF_BYTES, "application/pdf")
    assert response.status_code == 302

    reasons = list(world.case.events.filter(kind="attachment").values_list("reason", flat=True))
    assert reasons == ["attachment added: I-94exe.pdf"]
    page = client.get(_url("case", world.case)).content.decode()
    history = page[page.index('id="case-history"') :]
    assert "attachment added: I-94exe.pdf" in history


def test_same_file_twice_is_refused(
    role_client: Any, world: CaseWorld, data_home: Path, scanner: Path
) -> None:
    client = role_client("officer", username="off")
    assert _upload(client, world.case, "i94.pdf", PDF_BYTES, "application/pdf").status_code == 302
    first = CaseAttachment.objects.get(case=world.case)
    added_on = timezone.localdate(first.uploaded_at).isoformat()

    again = _upload(client, world.case, "copy.pdf", PDF_BYTES, "application/pdf")

    assert again.status_code == 422
    text = again.content.decode()
    assert f"this file is already attached as i94.pdf on {added_on}" in text
    assert list(CaseAttachment.objects.filter(case=world.case)) == [first]
    assert world.case.events.filter(kind="attachment").count() == 1


def test_upheld_claim_proposal_reads_as_words(role_client: Any, world: CaseWorld) -> None:
    supervisor = role_client("supervisor", username="sup")
    role_client("officer", username="off")
    claim = workflow.citizenship_claim_record(
        person_id="PC-1", actor=_user("off"), source="counsel", statement="citizen by birth"
    )
    workflow.citizenship_claim_decide(
        claim_id=claim.pk,
        actor=_user("sup"),
        upheld=True,
        evidence="Texas birth certificate 1990-123 checked with the registry",
        reason="Birth record found.",
    )

    page = supervisor.get(_url("case", world.case)).content.decode()
    proposals = page[page.index('id="case-proposals"') : page.index('id="case-citizenship"')]

    assert f"raised when supervisor sup upheld citizenship claim {claim.pk}" in proposals
    assert f"Evidence: citizenship claim {claim.pk}" in proposals
    assert "citizenship_claim:" not in proposals
    assert "citizenship_claim_id" not in proposals


def test_status_proposal_reads_as_words(role_client: Any, world: CaseWorld) -> None:
    client = role_client("officer", username="off")
    proposal = workflow.proposal_raise(
        case=world.case,
        transition="close_self_departed",
        reason="status departed",
        evidence={
            "status": "departed",
            "rule_id": "departure_recorded",
            "records": ["departures:D-1", "arrivals:A-1"],
        },
        origin="status:departed:2026-11-30",
        now=OPENED,
    )
    assert proposal is not None

    page = client.get(_url("case", world.case)).content.decode()
    proposals = page[page.index('id="case-proposals"') : page.index('id="case-citizenship"')]

    assert "raised by the pipeline when the person&#x27;s status became departed on 2026-11-30" in (
        proposals
    )
    assert (
        "Evidence: status departed since 2026-11-30 by rule departure_recorded, "
        "records: departures:D-1, arrivals:A-1"
    ) in proposals
    assert "status:departed" not in proposals


def test_equal_links_mark_no_weakest(role_client: Any, world: CaseWorld) -> None:
    SourceRecord.objects.filter(person=world.person).update(match_probability=1.0)
    page = role_client("officer", username="off").get(_url("case", world.case)).content.decode()
    assert "1.000" in page
    assert "weakest link" not in page


def test_differing_links_mark_the_weakest(role_client: Any, world: CaseWorld) -> None:
    SourceRecord.objects.filter(record_uid="visas:V-1").update(match_probability=0.995)
    page = role_client("officer", username="off").get(_url("case", world.case)).content.decode()
    assert page.count("! weakest link") == 1
    assert "weakest link, below the automatic threshold" not in page
