from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analysis_overview, name="overview"),
    path("suggestions/", views.candidate_queue, name="suggestions"),
    path("candidates/<int:pk>/confirm/", views.candidate_confirm, name="candidate-confirm"),
    path("candidates/<int:pk>/dismiss/", views.candidate_dismiss, name="candidate-dismiss"),
    path("<slug:slug>/run/", views.analysis_start, name="start"),
]
