from django.contrib import admin

from registry.models import RoleChange

from .scoping import LogAdmin


@admin.register(RoleChange)
class RoleChangeAdmin(LogAdmin):
    """The access log: read-only, written by grant_role, revoke_role and any change of role groups."""

    list_display = ["changed_at", "user_name", "role", "organization_code", "organization_name", "action", "actor_name"]
    list_filter = ["action", "role"]
    search_fields = ["user_name", "organization_code", "organization_name", "actor_name"]
    date_hierarchy = "changed_at"
