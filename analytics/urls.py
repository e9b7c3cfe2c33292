from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_export, name="export"),
    path("findings/", views.analysis_overview, name="overview"),
    path("suggestions/", views.candidate_queue, name="suggestions"),
    path("candidates/<int:pk>/confirm/", views.candidate_confirm, name="candidate-confirm"),
    path("candidates/<int:pk>/dismiss/", views.candidate_dismiss, name="candidate-dismiss"),
    path("<slug:slug>/run/", views.analysis_start, name="start"),
    path("<slug:slug>/state/", views.run_state, name="run-state"),
]
