from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import apps as admin_apps
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Overseas base registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps

        from registry.accounts import signals as accounts_signals
        from registry.core import signals as core_signals
        from registry.core.country_order import django_country_name, django_country_pairs
        from registry.parsing.countries import use_country_names
        from registry.public import signals as public_signals
        from registry.staff import signals as staff_signals
        from registry.survey import signals as survey_signals

        # Every signal receiver of the registry, one signals.py per part (what each listens to is listed there).
        for part in (core_signals, staff_signals, survey_signals, public_signals, accounts_signals):
            part.connect()
        # The Django-free parser of country names reads django-countries' names too, handed in here.
        use_country_names(django_country_pairs, django_country_name)

        # Apps that name themselves in English, untranslated (django-axes "Axes", django-tasks' database backend).
        japanese_names = {"axes": _("Login attempts"), "django_tasks_database": _("Background tasks")}
        for config in apps.get_app_configs():
            if config.label in japanese_names:
                config.verbose_name = japanese_names[config.label]


class RegistryAdminSite(admin.AdminSite):
    """The registry's admin site: Japanese titles, and signing in leads to the home page (``/``), not the app list.

    It lives here, not in registry.admin: importing that package registers every admin into the site."""

    site_header = _("Overseas Base Registry")
    site_title = _("Overseas Base Registry")
    index_title = _("Records")
    site_url = "/"
    enable_nav_sidebar = False  # the header's navigation (registry/includes/site_header.html) takes its place

    def login(self, request, extra_context=None):
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {REDIRECT_FIELD_NAME: reverse("registry:home"), **(extra_context or {})}
        return super().login(request, extra_context)


class RegistryAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the registry's site (registry.apps.RegistryAdminSite) as ``admin.site``."""

    default = False

    default_site = "registry.apps.RegistryAdminSite"
