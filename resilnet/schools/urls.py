from django.urls import path

from resilnet.schools import import_views, views
from resilnet.schools.map_views import map_page

app_name = "schools"
urlpatterns = [
    path("", views.index, name="index"),
    path("countries/<str:iso3>/", views.country, name="country"),
    path("map/", map_page, name="map"),
    path("countries/<str:iso3>/benchmark", views.country_benchmark, name="country_benchmark"),
    path("list/", views.school_list, name="list"),
    path("export.<str:fmt>", views.export, name="export"),
    path("<int:school_id>/", views.school_detail, name="school"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:job_id>/report/", import_views.import_report, name="import_report"),
]
