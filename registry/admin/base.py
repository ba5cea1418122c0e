"""What every registry admin shares: organization scope, change reasons, history."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.history import current_context
from registry.permissions import restrict_queryset, user_can

CHANGE_REASON_FIELD = "change_reason"


class ReasonForm(forms.ModelForm):
    """A model form with the optional 変更理由 that goes into the history entry."""

    change_reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Recorded in the change history."),
    )


class ScopedAdmin(SimpleHistoryAdmin):
    """ModelAdmin whose every query and object goes through the restricted queryset."""

    form = ReasonForm
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return restrict_queryset(super().get_queryset(request), request.user, "view")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            if not any(CHANGE_REASON_FIELD in (opts.get("fields") or ()) for _name, opts in fieldsets):
                fieldsets.append((_("Change history"), {"fields": [CHANGE_REASON_FIELD]}))
        return fieldsets

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != CHANGE_REASON_FIELD]
        return fields

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, obj, "change"))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_can(request.user, obj, "delete"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "restrict"):
            field.queryset = field.queryset.restrict(request.user, "view")
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "restrict"):
            field.queryset = field.queryset.restrict(request.user, "view")
        return field

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get(CHANGE_REASON_FIELD, "") if hasattr(form, "cleaned_data") else ""
        context = current_context()
        if context is not None and reason:
            context.reason = reason
        super().save_model(request, obj, form, change)
        # The admin wraps this in a transaction: refusing here rolls the save back,
        # so nobody can move a record to an organization outside their scope.
        if not user_can(request.user, obj, "change"):
            raise PermissionDenied(_("This record would leave your organizations."))

    def history_view(self, request, object_id, extra_context=None):
        if not self.history_object_in_scope(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_object_in_scope(self, request, object_id):
        """The live object, or for a deleted one its last history row, must be in scope."""
        queryset = self.get_queryset(request)
        if queryset.filter(pk=object_id).exists():
            return True
        if queryset.model._default_manager.filter(pk=object_id).exists():
            return False
        return self.deleted_history_in_scope(request, object_id)

    def deleted_history_in_scope(self, request, object_id):
        from registry.permissions import organization_ids_in_scope

        history = self.model.history.filter(**{self.model._meta.pk.attname: object_id}).order_by("-history_date")
        last = history.first()
        if last is None:
            return False
        allowed = organization_ids_in_scope(request.user, "view")
        if allowed is None:
            return True
        organization_id = getattr(last, "organization_id", None)
        return organization_id in allowed


class ScopedInline:
    """Inline mixin: rows and choices restricted like the parent admin."""

    def get_queryset(self, request):
        return restrict_queryset(super().get_queryset(request), request.user, "view")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "restrict"):
            field.queryset = field.queryset.restrict(request.user, "view")
        return field
