from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import AdminLoginForm, LoginForm
from config import views

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("home/learner/", views.learner_home, name="home-learner"),
    path("home/assessor/", views.assessor_home, name="home-assessor"),
    path("home/verifier/", views.verifier_home, name="home-verifier"),
    path("home/manager/", views.manager_home, name="home-manager"),
    path("home/centre-admin/", views.centre_admin_home, name="home-centre-admin"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("log/", include("complaints.urls")),
    path("analysis/", include("analytics.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("api/v1/", include("config.api")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# A database that went away outside a view still gets the 503 page (config.views).
handler500 = "config.views.server_error"
