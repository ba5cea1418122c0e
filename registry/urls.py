from django.urls import path, re_path
from django.views.generic import RedirectView

from registry.views import history

app_name = "registry"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("history/", history.change_log, name="history"),
    re_path(r"^history/export\.(?P<file_format>csv|xlsx)$", history.export_change_log, name="history_export"),
]
