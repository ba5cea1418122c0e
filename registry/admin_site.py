"""The registry's admin site (outside registry.admin, which registers into it): Japanese titles, and signing in
leads to the home page (``/``), not the app list."""
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RegistryAdminSite(admin.AdminSite):
    site_header = _("Overseas Base Registry")
    site_title = _("Overseas Base Registry")
    index_title = _("Records")
    site_url = "/"
    enable_nav_sidebar = False  # the header's navigation (registry/includes/site_header.html) takes its place

    def login(self, request, extra_context=None):
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {REDIRECT_FIELD_NAME: reverse("registry:home"), **(extra_context or {})}
        return super().login(request, extra_context)
