"""Office scope: lists, search and grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from access.conftest import Offices
from immigrationos.access.models import OfficeGrant
from immigrationos.access.roles import user_role_assign, user_role_get
from immigrationos.audit.models import AuditEvent


def _main(response: Any) -> str:
    # The page body without the head, whose CSP nonce differs per response.
    text: str = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def _names(response: Any) -> set[str]:
    return {hit.person.person_id for hit in response.context["hits"]}


def test_search_hides_other_office(role_client: Any, offices: Offices) -> None:
    officer = role_client("officer").get("/search/", {"q": "Testperson"})
    analyst = role_client("analyst", office=None).get("/search/", {"q": "Testperson"})
    assert _names(officer) == {"PN", "PF"}
    assert _names(analyst) == {"PN", "PL", "PF"}
    event = AuditEvent.objects.filter(action="person_search").order_by("seq").first()
    assert event is not None
    assert event.details["hidden_out_of_scope"] == 1


def test_case_list_only_own_office(role_client: Any, offices: Offices) -> None:
    response = role_client("supervisor").get("/cases/")
    shown = [case.pk for case in response.context["page"]]
    assert shown == [offices.nyc_case]
    event = AuditEvent.objects.get(action="case_list_view")
    assert event.object_ids == [str(offices.nyc_case)]


def test_case_list_filter_cannot_widen(role_client: Any, offices: Offices) -> None:
    response = role_client("officer").get("/cases/", {"office": "LOS"})
    # LOS is not offered, so the filter is invalid and the list shows only NYC cases.
    assert [case.pk for case in response.context["page"]] == [offices.nyc_case]
    assert "office" in response.context["form"].errors
    offered = [code for code, _label in response.context["form"].fields["office"].choices]
    assert offered == ["", "NYC"]


def test_person_page_lists_only_scoped_cases(role_client: Any, offices: Offices) -> None:
    from immigrationos.cases.models import Case, Office

    # Give PN a closed case in LOS as well: the NYC officer sees PN, but not that case.
    Case.objects.create(
        person_id="PN",
        office=Office.objects.get(code="LOS"),
        state="closed",
        closed_reason="self_departed",
        opened_at=timezone.now(),
        updated_at=timezone.now(),
    )
    response = role_client("officer").get("/persons/PN/")
    assert [case.office_id for case in response.context["detail"].cases] == ["NYC"]
    assert "Cases in other offices, not listed: 1." in response.content.decode()


def test_office_grant_widens_until_expiry(role_client: Any, offices: Offices) -> None:
    client = role_client("officer", username="granted")
    user = get_user_model().objects.get(username="granted")
    admin = get_user_model().objects.create_user(username="granter")
    grant = OfficeGrant.objects.create(
        user=user,
        office_id="LOS",
        granted_by=admin,
        reason="Covering the Los Angeles caseload during a staff shortage",
        granted_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert client.get(f"/cases/{offices.los_case}/").status_code == 200
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    assert client.get(f"/cases/{offices.los_case}/").status_code == 404


def test_out_of_scope_looks_like_missing(role_client: Any, offices: Offices) -> None:
    client = role_client("officer")
    hidden = client.get(f"/cases/{offices.los_case}/")
    missing = client.get("/cases/999999/")
    assert hidden.status_code == missing.status_code == 404
    hidden_text = _main(hidden).replace(f"/cases/{offices.los_case}/", "/cases/ID/")
    assert hidden_text == _main(missing).replace("/cases/999999/", "/cases/ID/")
    denial = AuditEvent.objects.get(action="access_denied")
    assert denial.object_ids == [str(offices.los_case)]
    assert denial.outcome == "denied"


def test_two_role_groups_mean_no_role(db: None) -> None:
    user = get_user_model().objects.create_user(username="double")
    user_role_assign(user=user, role="analyst", office_code=None)
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name="auditor")[0])
    assert user_role_get(user=user) is None


def test_user_without_role_denied(client: Any, offices: Offices) -> None:
    user = get_user_model().objects.create_user(username="norole")
    client.force_login(user)
    assert client.get("/").status_code == 403
    assert client.get("/persons/PN/").status_code == 403
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_navigation_lists_openable_pages(role_client: Any, offices: Offices) -> None:
    supervisor = role_client("supervisor").get("/").content.decode()
    auditor = role_client("auditor", office=None).get("/").content.decode()
    assert 'href="/break-glass/"' in supervisor
    assert 'href="/search/"' in supervisor
    assert 'href="/break-glass/"' not in auditor
    assert 'href="/search/"' not in auditor
    assert 'href="/cases/"' not in auditor


def test_admin_grants_and_ends_office(role_client: Any, offices: Offices) -> None:
    officer = role_client("officer", username="olga")
    admin = role_client("admin", office=None, username="root-admin")
    url = f"/cases/{offices.los_case}/"
    form = {"username": "olga", "office": "LOS", "reason": "Covering LOS this week", "days": 3}

    created = admin.post("/access/grants/", form)
    assert created.status_code == 302
    grant = OfficeGrant.objects.get()
    assert grant.granted_by.get_username() == "root-admin"
    assert officer.get(url).status_code == 200
    assert "Covering LOS this week" in admin.get("/access/grants/").content.decode()

    ended = admin.post(f"/access/grants/{grant.pk}/end/")
    assert ended.status_code == 302
    assert officer.get(url).status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"office_grant_create", "office_grant_revoke"} <= actions


def test_admin_grant_form_errors(role_client: Any, offices: Offices) -> None:
    admin = role_client("admin", office=None)
    form = {"username": "nobody", "office": "LOS", "reason": "Covering LOS this week", "days": 3}
    missing = admin.post("/access/grants/", form)
    assert "no user &#x27;nobody&#x27;" in missing.content.decode()
    role_client("analyst", office=None, username="ana")
    analyst = admin.post("/access/grants/", {**form, "username": "ana"})
    assert "is not an officer or supervisor" in analyst.content.decode()
    assert not OfficeGrant.objects.exists()
