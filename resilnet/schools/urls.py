from django.urls import path

from resilnet.schools import views
from resilnet.schools.map_views import map_page

app_name = "schools"
urlpatterns = [
    path("", views.index, name="index"),
    path("countries/<str:iso3>/", views.country, name="country"),
    path("map/", map_page, name="map"),
]
