"""Page routes."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from immigrationos.access import views as access_views
from immigrationos.audit import views as audit_views
from immigrationos.privacy import views as privacy_views
from immigrationos.web import (
    views,
    views_case,
    views_departures,
    views_exports,
    views_queue,
    views_reports,
    views_review,
)

app_name = "web"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("persons/<str:person_id>/", views.person_detail, name="person"),
    path("reports/overstay/", views_reports.overstay_report, name="report_overstay"),
    path("review/", views_review.review_queue, name="review"),
    path("review/<str:review_id>/", views_review.review_item, name="review_item"),
    path("review/<str:review_id>/decide/", views_review.review_decide, name="review_decide"),
    path(
        "review/changes/<int:change_id>/reverse/",
        views_review.review_change_reverse,
        name="review_change_reverse",
    ),
    path(
        "review/decisions/<int:decision_id>/revoke/",
        views_review.review_decision_revoke_view,
        name="review_decision_revoke",
    ),
    path("persons/<str:person_id>/split/", views_review.person_split, name="person_split"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views_case.case_detail, name="case"),
    path("cases/<int:case_id>/transition/", views_case.case_transition, name="case_transition"),
    path("cases/<int:case_id>/notes/", views_case.case_note_add, name="case_note_add"),
    path(
        "cases/<int:case_id>/attachments/",
        views_case.case_attachment_add,
        name="case_attachment_add",
    ),
    path(
        "cases/<int:case_id>/attachments/<int:attachment_id>/",
        views_case.case_attachment_get,
        name="case_attachment_get",
    ),
    path(
        "cases/<int:case_id>/proposals/decide/",
        views_case.case_proposal_decide,
        name="case_proposal_decide",
    ),
    path(
        "cases/<int:case_id>/citizenship-claims/",
        views_case.citizenship_claim_add,
        name="citizenship_claim_add",
    ),
    path(
        "cases/<int:case_id>/citizenship-claims/decide/",
        views_case.citizenship_claim_decide_view,
        name="citizenship_claim_decide",
    ),
    path("cases/<int:case_id>/watch/", views_case.case_watch, name="case_watch"),
    path("cases/export.csv", views_exports.cases_csv, name="cases_csv"),
    path(
        "cases/<int:case_id>/summary.pdf",
        views_exports.case_summary_pdf,
        name="case_summary_pdf",
    ),
    path("queue/", views_queue.queue, name="queue"),
    path("cases/<int:case_id>/claim/", views_queue.case_claim_view, name="case_claim"),
    path("cases/<int:case_id>/release/", views_queue.case_release_view, name="case_release"),
    path("cases/<int:case_id>/assign/", views_queue.case_assign_view, name="case_assign"),
    path("cases/bulk/", views_queue.cases_bulk, name="cases_bulk"),
    path("saved-filters/", views_queue.saved_filter_save_view, name="saved_filter_save"),
    path(
        "saved-filters/<int:filter_id>/delete/",
        views_queue.saved_filter_delete_view,
        name="saved_filter_delete",
    ),
    path("departures/", views_departures.departures, name="departures"),
    path("departures/live/", views_departures.departures_live, name="departures_live"),
    path("notifications/", views_queue.notifications, name="notifications"),
    path("notifications/read/", views_queue.notifications_read, name="notifications_read"),
    path("overrides/", views_queue.overrides, name="overrides"),
    path(
        "overrides/<int:override_id>/review/",
        views_queue.override_review_view,
        name="override_review",
    ),
    path("purpose/", access_views.purpose_choose, name="purpose"),
    path("break-glass/", access_views.break_glass_list, name="break_glass_list"),
    path("break-glass/request/", access_views.break_glass_request, name="break_glass_request"),
    path(
        "break-glass/<str:break_glass_id>/review/",
        access_views.break_glass_review,
        name="break_glass_review",
    ),
    path("access/grants/", access_views.office_grants, name="office_grants"),
    path(
        "access/grants/<int:grant_id>/end/",
        access_views.office_grant_end,
        name="office_grant_end",
    ),
    path("audit/", audit_views.audit_events, name="audit_events"),
    path("privacy/disclosures/", privacy_views.disclosures, name="privacy_disclosures"),
    path("privacy/amendments/", privacy_views.amendments, name="amendments"),
    path("privacy/amendments/new/", privacy_views.amendment_new, name="amendment_new"),
    path(
        "privacy/amendments/<str:tracking_number>/",
        privacy_views.amendment_detail,
        name="amendment",
    ),
]
