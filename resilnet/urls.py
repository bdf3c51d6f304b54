from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from resilnet.api import api
from resilnet.core import modules, views
from resilnet.core.auth import AdminLoginForm, LoginForm
from resilnet.core.health import healthz
from resilnet.core.metrics import metrics_view

admin.site.login_form = AdminLoginForm
admin.site.site_header = "resilnet"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/docs", views.api_reference, {"api": api}, name="api_docs"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", views.tokens, name="tokens"),
    path("accounts/tokens/<int:token_id>/revoke", views.token_revoke, name="token_revoke"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/<str:iso3>/", views.country_detail, name="country_detail"),
    path("users/", views.user_list, name="user_list"),
    path("users/new", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export", views.audit_export, name="audit_export"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/download", views.job_download, name="job_download"),
    path("admin/", admin.site.urls),
]
# Each module's pages at /<slug>/, in the namespace <slug> (the module contract).
urlpatterns += [
    path(f"{module.slug}/", include(module.urls)) for module in modules.installed() if module.urls
]
# Their map tiles at /tiles/<slug>/, apart from the pages: no session, cached by URL.
urlpatterns += [
    path(f"tiles/{module.slug}/", include((module.tiles, f"{module.slug}-tiles")))
    for module in modules.installed()
    if module.tiles
]

handler403 = "resilnet.core.views.forbidden"
handler404 = "resilnet.core.views.not_found"
