from django.urls import path

from resilnet.planning import map_views, views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/<int:dataset_id>/delete", views.dataset_delete, name="dataset_delete"),
    path("new/", views.scenario_new, name="scenario_new"),
    path("compare/", views.compare, name="compare"),
    path("<int:scenario_id>/", views.scenario_detail, name="scenario"),
    path("<int:scenario_id>/edit/", views.scenario_edit, name="scenario_edit"),
    path("<int:scenario_id>/run", views.scenario_run, name="scenario_run"),
    path("<int:scenario_id>/copy", views.scenario_copy, name="scenario_copy"),
    path("<int:scenario_id>/delete", views.scenario_delete, name="scenario_delete"),
    path("<int:scenario_id>/sites/", views.scenario_sites, name="sites"),
    path("<int:scenario_id>/report/", views.scenario_report, name="report"),
    path("<int:scenario_id>/export.<str:fmt>", views.scenario_export, name="export"),
    path("<int:scenario_id>/map.geojson", map_views.map_data, name="map_data"),
    path("<int:scenario_id>/map/<int:result_id>.json", map_views.map_site, name="map_site"),
]
