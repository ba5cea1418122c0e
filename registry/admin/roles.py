from django.apps import apps
from django.contrib import admin
from axes.admin import AccessAttemptAdmin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group, User
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import RoleChange

from .scoping import LogAdmin


@admin.register(RoleChange)
class RoleChangeAdmin(LogAdmin):
    """The access log: read-only, written by grant_role, revoke_role and any change of role groups."""

    list_display = ["changed_at", "user_name", "action", "role", "organization_code", "organization_name", "actor_name", "address", "detail"]
    list_filter = ["action", "role"]
    search_fields = ["user_name", "organization_code", "organization_name", "actor_name"]
    date_hierarchy = "changed_at"


PERMISSION_ACTIONS = {"add": _("add"), "change": _("change"), "delete": _("delete"), "view": _("view")}


def record_kind(model):
    """A record type's name; a many-to-many link table is named after the two types it links."""
    if model._meta.auto_created:
        ends = [field.related_model._meta.verbose_name for field in model._meta.fields if field.is_relation]
        return gettext("%(first)s–%(second)s link") % {"first": ends[0], "second": ends[1]}
    return model._meta.verbose_name


def permission_label(permission):
    """「アプリ｜記録の種類｜操作」 in the UI language (Django stores permission names in English)."""
    model = permission.content_type.model_class()
    app = apps.get_app_config(permission.content_type.app_label).verbose_name
    if model is None:
        return f"{app}｜{permission.content_type.model}｜{gettext(permission.name)}"
    kind = record_kind(model)
    if hasattr(model, "instance_type"):  # simple-history's table of a record type's versions
        kind = gettext("%(model)s (history)") % {"model": record_kind(model.instance_type)}
    action, _sep, rest = permission.codename.partition("_")
    if action in PERMISSION_ACTIONS and rest == model._meta.model_name:
        return f"{app}｜{kind}｜{PERMISSION_ACTIONS[action]}"
    return f"{app}｜{kind}｜{gettext(permission.name)}"


class PermissionLabels:
    """User and group pages list permissions by their Japanese labels."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            # django-otp's devices are not managed in the admin (their secrets stay out of it): nor are their rights.
            field.queryset = field.queryset.select_related("content_type").exclude(
                content_type__app_label__in=("otp_static", "otp_totp"))
            field.label_from_instance = permission_label
        return field


admin.site.unregister(User)
admin.site.unregister(Group)


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django 5.2 appends an untranslatable English warning to this help text: say it in the UI language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = format_html(
                '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
                SetUnusablePasswordMixin.usable_password_help_text,
                gettext("If disabled, the current password for this user will be lost."),
            )


@admin.register(User)
class RegistryUserAdmin(PermissionLabels, UserAdmin):
    change_password_form = PasswordChangeForm


# django-axes leaves this column of its attempts list unnamed (shown as the English "Status").
AccessAttemptAdmin.status.short_description = _("Status")


@admin.register(Group)
class RegistryGroupAdmin(PermissionLabels, GroupAdmin):
    pass
