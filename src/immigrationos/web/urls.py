"""Page routes."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from immigrationos.web import views

app_name = "web"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("persons/<str:person_id>/", views.person_detail, name="person"),
    path("review/", views.review_queue, name="review"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
]
