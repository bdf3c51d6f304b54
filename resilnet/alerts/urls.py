from django.urls import path

from resilnet.core.views import module_placeholder

app_name = "alerts"
urlpatterns = [path("", module_placeholder, {"slug": "alerts"}, name="index")]
