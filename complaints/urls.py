from django.urls import path

from complaints.views import imports, preventive, problems, repeated

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

urlpatterns += [
    path("repeated/", repeated.repeated_list, name="repeated-list"),
    path("repeated/new/", repeated.repeated_create, name="repeated-create"),
    path("repeated/<int:pk>/", repeated.repeated_detail, name="repeated-detail"),
    path("repeated/<int:pk>/edit/", repeated.repeated_edit, name="repeated-edit"),
    path("repeated/<int:pk>/options/new/", repeated.option_create, name="option-create"),
    path(
        "repeated/<int:pk>/options/<int:option_pk>/edit/",
        repeated.option_edit,
        name="option-edit",
    ),
    path("repeated/<int:pk>/consultation/", repeated.repeated_consult, name="repeated-consult"),
    path("repeated/<int:pk>/decide/", repeated.repeated_decide, name="repeated-decide"),
]

urlpatterns += [
    path("prevent/", preventive.prevent_list, name="prevent-list"),
    path("prevent/new/", preventive.prevent_create, name="prevent-create"),
    path("prevent/<int:pk>/", preventive.prevent_detail, name="prevent-detail"),
    path("prevent/<int:pk>/edit/", preventive.prevent_edit, name="prevent-edit"),
    path(
        "prevent/<int:pk>/communications/new/",
        preventive.communication_create,
        name="prevent-communication-create",
    ),
    path(
        "prevent/<int:pk>/adjustments/new/",
        preventive.adjustment_create,
        name="prevent-adjustment-create",
    ),
]
