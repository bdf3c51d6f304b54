from django.urls import path

from resilnet.core.views import module_placeholder

app_name = "catalog"
urlpatterns = [path("", module_placeholder, {"slug": "catalog"}, name="index")]
