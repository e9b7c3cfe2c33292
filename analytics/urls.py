from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analysis_overview, name="overview"),
    path("<slug:slug>/run/", views.analysis_start, name="start"),
]
