"""Admin bulk actions that leave one history entry per changed record, grouped as one action."""
import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.core.history import Source, change_context
from registry.models import BaseStatus
from registry.core.permissions import restrict_queryset


def apply_to_each(modeladmin, request, queryset, reason, change):
    """Call ``change(obj)`` on each selected record the user may change, and save it.

    Records are saved one by one through ``save()`` so each gets its history
    entry, all under one change group with the given reason. All or nothing: a
    record that fails validation stops the action and nothing is saved.
    Returns the number of records saved.
    """
    changeable = restrict_queryset(queryset, request.user, "change")
    refused = queryset.count() - changeable.count()
    if refused:
        modeladmin.message_user(
            request, gettext("%(count)d selected records are outside your organizations.") % {"count": refused},
            messages.ERROR,
        )
        return 0
    saved = 0
    try:
        with transaction.atomic(), change_context(source=Source.BULK, reason=reason):
            for obj in changeable:
                if change(obj) is False:
                    continue
                obj.full_clean()
                obj.save()
                saved += 1
    except ValidationError as error:
        modeladmin.message_user(request, gettext("Nothing was changed: %(errors)s") % {
            "errors": " ".join(error.messages)}, messages.ERROR)
        return 0
    modeladmin.message_user(request, gettext("%(count)d records changed.") % {"count": saved}, messages.SUCCESS)
    return saved


@admin.action(description=_("Mark as closed today"), permissions=["change"])
def mark_closed_today(modeladmin, request, queryset):
    today = datetime.date.today()

    def close(base):
        if base.status == BaseStatus.CLOSED:
            return False
        base.status = BaseStatus.CLOSED
        base.closed_on = today
        return True

    apply_to_each(modeladmin, request, queryset, "一括操作: 本日付で閉鎖", close)
