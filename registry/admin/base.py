"""What every registry admin shares: organization scope, change reasons, history."""
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.history import current_context, restore_version
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


class RevertForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Recorded in the change history."),
    )


class ScopedAdmin(SimpleHistoryAdmin):
    """ModelAdmin whose every query and object goes through the restricted queryset."""

    form = ReasonForm
    object_history_list_template = "registry/history/object_history_list.html"
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
        from registry.history_review import organization_condition
        from registry.permissions import organization_ids_in_scope

        history = self.model.history.filter(**{self.model._meta.pk.attname: object_id}).order_by(
            "-history_date", "-history_id"
        )
        last = history.first()
        if last is None:
            return False
        allowed = organization_ids_in_scope(request.user, "view")
        if allowed is None:
            return True
        condition = organization_condition(self.model, allowed)
        return condition is not None and history.filter(condition, history_id=last.history_id).exists()

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Show each version's changes the way the change log does (labels and display values)."""
        from registry.history_review import describe

        records = list(historical_records)
        for record, entry in zip(records, describe(records)):
            record.entry = entry

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Revert (or restore a deleted record) to one version, after confirmation and with a reason."""
        from registry.history_review import changes_to_restore

        object_id = unquote(object_id)
        version = get_object_or_404(
            self.model.history, **{self.model._meta.pk.attname: object_id, "history_id": version_id}
        )
        if not self.history_object_in_scope(request, object_id):
            raise Http404
        current = self.model._default_manager.filter(pk=object_id).first()
        allowed = self.has_add_permission(request) if current is None else self.has_change_permission(request, current)
        if not allowed:
            raise PermissionDenied
        form = RevertForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    restored = restore_version(version, form.cleaned_data["reason"], user=request.user)
                    if not user_can(request.user, restored, "change"):
                        raise PermissionDenied(_("This record would leave your organizations."))
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(request, gettext("Restored “%s” to the chosen version.") % restored, messages.SUCCESS)
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[restored.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Revert %s") % (current or version.history_object),
            "opts": self.model._meta,
            "object_id": object_id,
            "version": version,
            "current": current,
            "form": form,
            "changes": changes_to_restore(version, current),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "registry/history/revert_confirm.html", context)


class ScopedInline:
    """Inline mixin: rows and choices restricted like the parent admin."""

    def get_queryset(self, request):
        return restrict_queryset(super().get_queryset(request), request.user, "view")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field.queryset, "restrict"):
            field.queryset = field.queryset.restrict(request.user, "view")
        return field
