from django.urls import path

from complaints.views import imports, problems

app_name = "complaints"

urlpatterns = [
    path("problems/", problems.problem_list, name="problem-list"),
    path("problems/new/", problems.problem_create, name="problem-create"),
    path("problems/export.<str:fmt>", problems.problem_export, name="problem-export"),
    path("problems/<int:pk>/", problems.problem_detail, name="problem-detail"),
    path("problems/<int:pk>/edit/", problems.problem_edit, name="problem-edit"),
    path("problems/<int:pk>/status/", problems.problem_status, name="problem-status"),
    path("problems/<int:pk>/actions/new/", problems.action_create, name="action-create"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
]
