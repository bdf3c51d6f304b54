from django.urls import path

from resilnet.schools import import_views, views

app_name = "schools"
urlpatterns = [
    path("", views.index, name="index"),
    path("countries/<str:iso3>/", views.country, name="country"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:job_id>/report/", import_views.import_report, name="import_report"),
]
