"""What every registry admin and inline shares: organization scope, change reasons, history."""
import functools

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import smart_split, unescape_string_literal
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.core.history import current_context, is_revertible, restore_version
from registry.core.history.labels import actor_label
from registry.core.paging import KeysFirstPaginator
from registry.parsing.text import clean_control_characters
from registry.core.permissions import (
    can_revert,
    has_model_permission,
    never_reverts,
    organization_path,
    record_in_scope,
    restrict_choices,
    restrict_queryset,
    user_can,
)

from .watching import WatchButton

CHANGE_REASON_FIELD = "change_reason"
VERSION_FIELD = "seen_version"


class SharedSearchMixin:
    """The admin's search box searches as the list pages do (``registry.core.search``), term by term as the admin
    splits them ("a quoted phrase" stays one term); ``search_fields`` stays for the box's help text."""

    def search_condition(self, request, term):
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, "")
        for term in smart_split(search_term):
            if term.startswith(('"', "'")) and term[0] == term[-1]:
                term = unescape_string_literal(term)
            queryset = queryset.filter(self.search_condition(request, term))
        return queryset, may_have_duplicates


@admin.display(description=_("country/region"), ordering="country")
def country_name(obj):
    """A list column for a ``CountryField``: the admin's own display of a field with choices builds the
    field's 250 translated choices again for every row (most of a 50-row page's time)."""
    return obj.country.name


def latest_history_id(instance):
    """The id of the record's newest history entry (None for records without history)."""
    history = getattr(type(instance), "_tracked_history", None)
    if history is None or instance.pk is None:
        return None
    manager = getattr(instance, history.manager_name)
    return manager.order_by("-history_id").values_list("history_id", flat=True).first()


class RecordForm(forms.ModelForm):
    """Every admin form of a record: text without control characters, and no lost updates.

    The form carries the id of the record's newest history entry as it was when the
    form was opened. Saving checks it again (the row locked, inside the admin's
    transaction): if someone saved the record in between, the form comes back with
    their change spelled out and the user's own input kept, instead of overwriting it.
    """

    seen_version = forms.IntegerField(label="", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault(VERSION_FIELD, latest_history_id(self.instance))

    @property
    def changed_data(self):
        # The version is how the form was opened, never a change: a read-only inline row whose page
        # does not carry it must not count as edited (and be saved over what the base's save just wrote).
        return [name for name in super().changed_data if name != VERSION_FIELD]

    def clean(self):
        cleaned_data = super().clean()
        for name, value in cleaned_data.items():
            if isinstance(value, str):
                cleaned_data[name] = clean_control_characters(value)
        self.check_version(cleaned_data.get(VERSION_FIELD))
        return cleaned_data

    def check_version(self, seen):
        instance = self.instance
        if instance.pk is None or seen is None or getattr(type(instance), "_tracked_history", None) is None:
            return
        # Waits for a concurrent save of the same record to commit (PostgreSQL); SQLite's
        # IMMEDIATE transactions already let one writer in at a time.
        type(instance)._default_manager.select_for_update().filter(pk=instance.pk).exists()
        current = latest_history_id(instance)
        if current is None or current == seen:
            return
        from registry.core.history.log import describe

        history = getattr(instance, type(instance)._tracked_history.manager_name)
        newer = list(history.filter(history_id__gt=seen).order_by("history_id"))
        lines = []
        for entry in describe(newer):
            who = actor_label(entry.record.actor_name) or gettext("someone")
            when = date_format(localtime(entry.record.history_date), "DATETIME_FORMAT")
            lines.append(f"{who} ({when}): {entry.changes_text or entry.action_label}")
        self.add_error(None, gettext(
            "Someone else saved this record after you opened it: %(changes)s. Your input is still in the form; "
            "check it against their change and save again."
        ) % {"changes": " / ".join(lines)})
        # Saving again after reading the message is a decision made knowing the other change.
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = current


class ReasonForm(RecordForm):
    """A record form with the optional 変更理由 that goes into the history entry."""

    change_reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Recorded in the change history."),
    )


def is_autocomplete_request(request):
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


def may_edit_autocomplete_source(request):
    """Whether the user may add or change records of the model whose form field the autocomplete serves."""
    try:
        source = apps.get_model(request.GET.get("app_label", ""), request.GET.get("model_name", ""))
    except (LookupError, ValueError):
        return True
    return any(has_model_permission(request.user, source, action) for action in ("add", "change"))


def action_scope(action):
    """The permission an admin action's rows are narrowed by: delete, view, or (by default) change."""
    allowed = set(getattr(action, "allowed_permissions", ()) or ())
    if "delete" in allowed:
        return "delete"
    if allowed == {"view"}:
        return "view"
    return "change"


def in_scope_only(action):
    """Wrap an admin action so it only ever receives rows the user may act on.

    The changelist hands actions the rows the user may *view*, including every
    row matching the filters when "select all" is used across pages.
    """
    scope = action_scope(action)

    @functools.wraps(action)
    def scoped_action(modeladmin, request, queryset):
        return action(modeladmin, request, restrict_queryset(queryset, request.user, scope))

    return scoped_action


def scoped_list_filter(model, list_filter):
    """Plain relation filters list only related rows the user can see, not every row of the table."""
    scoped = []
    for entry in list_filter:
        if isinstance(entry, str) and get_fields_from_path(model, entry)[-1].is_relation:
            entry = (entry, admin.RelatedOnlyFieldListFilter)
        scoped.append(entry)
    return scoped


class RevertForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Recorded in the change history."),
    )


class ScopedRows:
    """Rows and relation choices restricted to the user's organizations (admins and inlines alike)."""

    def get_queryset(self, request):
        return restrict_queryset(super().get_queryset(request), request.user, "view")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return restrict_field_choices(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return restrict_field_choices(field, request)


class ScopedAdmin(WatchButton, ScopedRows, SimpleHistoryAdmin):
    """ModelAdmin whose every query, choice, action and object goes through ``registry.core.permissions``.

    Records outside the user's organizations do not exist for them: their
    change, delete and history pages answer 404 like a missing record.
    """

    form = ReasonForm
    object_history_list_template = "registry/history/object_history_list.html"
    list_per_page = 50
    show_full_result_count = False
    paginator = KeysFirstPaginator

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            if not any(CHANGE_REASON_FIELD in (opts.get("fields") or ()) for _name, opts in fieldsets):
                fieldsets.append((_("Change history"), {"fields": [CHANGE_REASON_FIELD, VERSION_FIELD]}))
        return fieldsets

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in (CHANGE_REASON_FIELD, VERSION_FIELD)]
        return fields

    # --- object permissions -------------------------------------------------------------

    def object_in_scope(self, request, obj, action):
        return record_in_scope(request.user, self.model, obj.pk, action)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, "view"))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, "change"))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, "delete"))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "doesn't exist. Perhaps it was deleted?";
        # an out-of-scope record must look exactly like a missing one, and both are a 404.
        raise Http404(_("No such record."))

    # --- search, filters and actions ---------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        # The admin's autocomplete widgets search the target model's admin: offer
        # only what the form will accept, not everything the user may view. Someone
        # who cannot edit the source record (a supervisor filtering a list page)
        # searches what they may view (get_queryset already narrowed to that).
        if is_autocomplete_request(request) and may_edit_autocomplete_source(request):
            queryset = restrict_choices(queryset, request.user)
        return super().get_search_results(request, queryset, search_term)

    def get_list_filter(self, request):
        return scoped_list_filter(self.model, super().get_list_filter(request))

    def get_actions(self, request):
        return {
            name: (in_scope_only(func), name, description)
            for name, (func, name, description) in super().get_actions(request).items()
        }

    # --- saving -----------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change and not edited_fields(form):
            return  # saved as it was: no history entry (save_related tells the user when nothing changed)
        reason = form.cleaned_data.get(CHANGE_REASON_FIELD, "") if hasattr(form, "cleaned_data") else ""
        context = current_context()
        if context is not None and reason:
            context.reason = reason
        super().save_model(request, obj, form, change)
        # Every caller runs this inside a transaction: refusing here rolls the save back,
        # so nobody can move a record to an organization outside their scope.
        # A new record is checked against the right to add (a clerk may add a shared contractor
        # without being allowed to change existing ones), an edited one against the right to change.
        action = "change" if change else "add"
        if organization_path(self.model) is None:
            return  # a shared record belongs to no organization: who may change it was checked before the save
        if not restrict_queryset(self.model._default_manager.filter(pk=obj.pk), request.user, action).exists():
            raise PermissionDenied(_("This record would leave your organizations."))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and not edited_fields(form) and not any(formset.has_changed() for formset in formsets):
            request.registry_nothing_changed = True

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(request, "registry_nothing_changed", False):
            message, level = gettext("Nothing was changed: the record is as it was."), messages.INFO
        return super().message_user(request, message, level, *args, **kwargs)

    # --- history ----------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        self.check_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def check_history_access(self, request, object_id):
        """History of a record (live or deleted) outside the user's scope answers 404."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            in_scope = record_in_scope(request.user, self.model, unquote(object_id), "view")
        except (ValueError, ValidationError):
            in_scope = False
        if not in_scope:
            raise Http404(_("No such record."))

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Show each version's changes the way the change log does (labels and display values)."""
        from registry.core.history.log import describe

        records = list(historical_records)
        for record, entry in zip(records, describe(records)):
            record.entry = entry

    def revert_disabled(self, request, obj=None):
        """The history page offers 「この版に戻す」 to whoever may revert the record (supervisors included)."""
        return not self.may_revert(request, obj)

    def history_view_title(self, request, obj):
        return gettext("Change history: %s") % obj

    def may_revert(self, request, obj):
        """Supervisors revert whatever they may see; editors revert what they may change; nobody reverts access;
        a prefecture's lead never reverts."""
        if not is_revertible(self.model) or never_reverts(request.user):
            return False
        if obj is None:
            return can_revert(request.user) or self.has_add_permission(request)
        if can_revert(request.user):
            return user_can(request.user, obj, "view")
        return self.has_change_permission(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Revert (or restore a deleted record) to one version, after confirmation and with a reason."""
        from registry.core.history.diff import changes_to_restore

        object_id = unquote(object_id)
        version = get_object_or_404(
            self.model.history, **{self.model._meta.pk.attname: object_id, "history_id": version_id}
        )
        self.check_history_access(request, object_id)
        current = self.model._default_manager.filter(pk=object_id).first()
        if not self.may_revert(request, current):
            raise PermissionDenied
        form = RevertForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    restored = restore_version(version, form.cleaned_data["reason"], user=request.user)
                    if not self.may_revert(request, restored):
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


def edited_fields(form):
    """The fields someone changed (the reason for a change is not a change); without a form, all of them."""
    if form is None:
        return ["*"]
    return [name for name in form.changed_data if name != CHANGE_REASON_FIELD]


def restrict_field_choices(field, request):
    if field is not None and hasattr(field.queryset, "restrict"):
        field.queryset = restrict_choices(field.queryset, request.user)
    return field


class LogAdmin(admin.ModelAdmin):
    """A record written only by the system (import records, role changes): read, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline(ScopedRows):
    """Inline mixin: rows and choices restricted like the parent admin, rows saved as records (RecordForm)."""

    form = RecordForm

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != VERSION_FIELD]
        if self.has_change_permission(request, obj) and not all(f in self.get_readonly_fields(request, obj)
                                                                  for f in fields):
            fields.append(VERSION_FIELD)
        return fields
