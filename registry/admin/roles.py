from django.contrib import admin

from registry.models import RoleChange


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The access log: read-only, written by grant_role, revoke_role and any change of role groups."""

    list_display = ["changed_at", "user_name", "role", "organization_code", "organization_name", "action", "actor_name"]
    list_filter = ["action", "role"]
    search_fields = ["user_name", "organization_code", "organization_name", "actor_name"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
