from django.urls import path

from resilnet.schools import views

app_name = "schools"
urlpatterns = [
    path("", views.index, name="index"),
    path("countries/<str:iso3>/", views.country, name="country"),
]
