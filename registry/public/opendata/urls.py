from django.urls import path

from registry.public.opendata import views

app_name = "opendata"
# The isodate converter is registered by registry.urls, included before this module.

urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog, name="catalog"),
    path("<isodate:reference_date>/datapackage.json", views.package_descriptor, name="datapackage"),
    path("<isodate:reference_date>/list.pdf", views.list_pdf, name="list_pdf"),
    path("<isodate:reference_date>/report.pdf", views.report_pdf_file, name="report_pdf"),
    path("<isodate:reference_date>/<slug:table>.csv", views.table_file, name="table"),
]
