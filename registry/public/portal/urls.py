from django.urls import path

from registry.public.portal import views
from registry.public.portal.calendar import public_feed

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("bases/", views.BaseListView.as_view(), name="bases"),
    path("countries/<str:code>/", views.CountryView.as_view(), name="country"),
    path("organizations/<str:code>/", views.OrganizationView.as_view(), name="organization"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("calendar.ics", public_feed, name="calendar"),
    path("trends/<slug:slug>.csv", views.trend_csv, name="trend_csv"),
]
