from django.urls import path

from resilnet.alerts import audience_views, feeds, import_views, report_views, views

app_name = "alerts"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.compose, name="new"),
    path("<int:alert_id>/", views.detail, name="detail"),
    path("<int:alert_id>/edit/", views.compose, name="edit"),
    path("<int:alert_id>/review/", views.review, name="review"),
    path("<int:alert_id>/report/", report_views.report, name="report"),
    path("<int:alert_id>/report.csv", report_views.report_csv, name="report_csv"),
    path("<int:alert_id>/campaign/<slug:action>/", report_views.switch, name="campaign"),
    path("<int:alert_id>/<slug:action>/", views.transition, name="transition"),
    path("operators/", audience_views.operators, name="operators"),
    path("subscribers/", audience_views.subscribers, name="subscribers"),
    path("subscribers/segments/", audience_views.segments, name="segments"),
    path("subscribers/import/", import_views.import_upload, name="import"),
    path(
        "subscribers/import/<int:job_id>/report/",
        import_views.import_report,
        name="import_report",
    ),
    path("feed.atom", feeds.feed_atom, name="feed"),
    path("<str:identifier>.xml", feeds.cap_xml, name="cap"),
]
