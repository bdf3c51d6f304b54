from django.urls import path

from resilnet.alerts import audience_views
from resilnet.core.views import module_placeholder

app_name = "alerts"
urlpatterns = [
    path("", module_placeholder, {"slug": "alerts"}, name="index"),
    path("operators/", audience_views.operators, name="operators"),
    path("subscribers/", audience_views.subscribers, name="subscribers"),
    path("subscribers/segments/", audience_views.segments, name="segments"),
]
