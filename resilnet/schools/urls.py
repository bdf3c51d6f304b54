from django.urls import path

from resilnet.core.views import module_placeholder

app_name = "schools"
urlpatterns = [path("", module_placeholder, {"slug": "schools"}, name="index")]
