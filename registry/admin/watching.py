"""「ウォッチする」/「ウォッチをやめる」 on the change page of a record one can watch (docs/notifications.md).

The button POSTs to the watch endpoint (registry/staff/views/notifications.py WatchView), which checks that the user
may see the record and comes back to the page (templates/admin/registry/change_form_object_tools.html).
"""
from registry.staff.notifications import watch_state


class WatchButton:
    """Puts ``watch`` (registry.staff.notifications.watch_state) into the context of a watchable record's change page."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["watch"] = watch_state(request.user, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
