from django.urls import path

from registry.opendata import views

app_name = "opendata"
# The isodate converter is registered by registry.urls, included before this module.

urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog, name="catalog"),
    path("<isodate:reference_date>/datapackage.json", views.package_descriptor, name="datapackage"),
    path("<isodate:reference_date>/<slug:table>.csv", views.table_file, name="table"),
]
