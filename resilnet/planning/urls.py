from django.urls import path

from resilnet.core.views import module_placeholder

app_name = "planning"
urlpatterns = [path("", module_placeholder, {"slug": "planning"}, name="index")]
