from django.urls import path

from resilnet.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("search.atom", views.search_atom, name="search_atom"),
    path("search.csv", views.search_csv, name="search_csv"),
    path("search.xlsx", views.search_xlsx, name="search_xlsx"),
    path("podcasts.rss", views.podcasts_rss, name="podcasts_rss"),
    path("podcasts/", views.podcasts, name="podcasts"),
    path("videos/", views.videos, name="videos"),
    path("records/<int:record_id>/", views.record_detail, name="record"),
    path("records/<int:record_id>/edit", views.record_edit, name="edit"),
    path("records/<int:record_id>/revisions/", views.record_revisions, name="revisions"),
    path("records/<int:record_id>/attachments", views.attachment_add, name="attachment_add"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path(
        "attachments/<int:attachment_id>/remove", views.attachment_remove, name="attachment_remove"
    ),
    path(
        "attachments/<int:attachment_id>/<str:action>",
        views.attachment_decide,
        name="attachment_decide",
    ),
    path("records/<int:record_id>/<str:action>", views.record_transition, name="transition"),
    path("new/<str:collection>/", views.record_create, name="create"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/decide", views.moderation_decide, name="moderation_decide"),
    path("import/", views.import_upload, name="import"),
    path("mine/", views.my_records, name="mine"),
    path("propose/", views.propose_choose, name="propose"),
    path("proposed/", views.proposed, name="proposed"),
    path("propose/<str:collection>/", views.propose, name="propose_collection"),
    path("countries/<str:iso3>/", views.country, name="country"),
]
