from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("registry.urls")),
    path("opendata/", include("registry.public.opendata.urls")),
    path("api/v1/", include("registry.public.api.urls")),
    path("public/", include("registry.public.portal.urls")),
]
