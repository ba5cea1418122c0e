"""A user's notifications (通知), their settings (e-mail, watches, calendar feed) and the calendar feeds."""
import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from registry.staff.calendar_feed import public_calendar, user_calendar
from registry.models import Agreement, Base, Contractor, Notification, NotificationSettings, Organization, Watch
from registry.staff.notifications import visible_notifications, watched_by
from registry.core.permissions import Role, is_active_user, user_roles
from registry.staff.views.lists import StaffPageMixin

ICS_TYPE = "text/calendar; charset=utf-8"


def ics_response(calendar, file_name):
    response = HttpResponse(calendar.to_ical(), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def feed_url(request, feed_settings):
    return request.build_absolute_uri(reverse("registry:calendar_feed", args=[feed_settings.feed_token]))


class EmailModeForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_mode"]
        widgets = {"email_mode": forms.RadioSelect}


class NotificationSettingsView(StaffPageMixin, TemplateView):
    """E-mail choice, watches and the calendar feed's address (renewing it revokes the old one)."""

    template_name = "registry/notification_settings.html"

    def get_context_data(self, **kwargs):
        feed_settings = NotificationSettings.of(self.request.user)
        return super().get_context_data(
            title=_("Notification settings"), feed_url=feed_url(self.request, feed_settings),
            watch_rows=watch_rows(self.request.user),
            form=kwargs.pop("form", None) or EmailModeForm(instance=feed_settings), **kwargs)

    def post(self, request):
        feed_settings = NotificationSettings.of(request.user)
        if request.POST.get("action") == "renew_feed":
            feed_settings.renew_feed_token()
            messages.success(request, _("The calendar feed has a new address; the old one no longer works."))
            return redirect("registry:notification_settings")
        form = EmailModeForm(request.POST, instance=feed_settings)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        form.save()
        messages.success(request, _("Your notification settings were saved."))
        return redirect("registry:notification_settings")


class CalendarFeedView(View):
    """The private feed: the key in the address is the credential (calendar programs cannot sign in)."""

    def get(self, request, token):
        feed_settings = NotificationSettings.objects.select_related("user").filter(feed_token=token).first()
        if feed_settings is None or not is_active_user(feed_settings.user):
            raise Http404
        base_url = request.build_absolute_uri("/")[:-1]
        return ics_response(user_calendar(feed_settings.user, base_url), "registry.ics")


def public_feed(request):
    """The portal's feed of the published rounds' dates (for everyone)."""
    if request.method != "GET":
        return HttpResponse(status=405)
    return ics_response(public_calendar(), "published-surveys.ics")


class NotificationListView(StaffPageMixin, TemplateView):
    """通知: the user's notifications, newest first; POST marks them all read."""

    template_name = "registry/notifications.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Notifications"),
                                        notifications=visible_notifications(self.request.user), **kwargs)

    def post(self, request):
        now = timezone.now()
        for notification in Notification.objects.filter(user=request.user, read_at__isnull=True):
            notification.read_at = now
            notification.save(update_fields=["read_at"])
        return redirect("registry:notifications")


WATCH_MODELS = {"organization": Organization, "base": Base, "agreement": Agreement, "contractor": Contractor}


class WatchView(StaffPageMixin, View):
    """Watch or stop watching a record the user may see (an organization a clerk belongs to: the opt-out)."""

    def post(self, request):
        target = request.POST.get("target")
        if target not in WATCH_MODELS or not re.fullmatch(r"[0-9]{1,18}", request.POST.get("id", "")):
            return HttpResponseBadRequest()
        record = WATCH_MODELS[target].objects.restrict(request.user, "view").filter(pk=request.POST["id"]).first()
        if record is None:
            raise Http404
        set_watch(request.user, target, record, request.POST.get("action") == "watch")
        messages.success(request, _("Your watches were saved."))
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("registry:notification_settings")
        return redirect(next_url)


def set_watch(user, target, record, watching):
    default = target == "organization" and Role.CLERK in user_roles(user) and user.memberships.filter(
        organization=record).exists()
    if watching and default or not watching and not default:
        Watch.objects.filter(user=user, **{target: record}).delete()
    else:
        Watch.objects.update_or_create(user=user, **{target: record}, defaults={"muted": not watching})


def watch_rows(user):
    """What the user watches, and their organizations watched by default (with the opt-out), for the settings."""
    organizations, records = watched_by(user)
    rows = [(WATCH_MODELS["organization"].objects.get(pk=pk), "organization", pk in organizations)
            for pk in sorted(set(user.memberships.values_list("organization_id", flat=True)) | organizations)]
    for target, ids in records.items():
        visible = WATCH_MODELS[target].objects.restrict(user, "view").filter(pk__in=ids)  # not what left their scope
        rows += [(record, target, True) for record in visible]
    return rows
