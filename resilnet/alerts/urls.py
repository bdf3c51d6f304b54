from django.urls import path

from resilnet.alerts import feeds
from resilnet.core.views import module_placeholder

app_name = "alerts"
urlpatterns = [
    path("", module_placeholder, {"slug": "alerts"}, name="index"),
    path("feed.atom", feeds.feed_atom, name="feed"),
    path("<str:identifier>.xml", feeds.cap_xml, name="cap"),
]
