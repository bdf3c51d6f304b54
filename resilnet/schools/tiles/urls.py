from django.urls import re_path

from resilnet.schools.tiles import views

# Any text between the slashes reaches the view, which answers a problem document naming
# the bad part instead of a bare 404 page.
urlpatterns = [
    re_path(r"^(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.mvt$", views.tile, name="tile"),
]
