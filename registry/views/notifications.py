"""A user's notifications (通知), their settings (e-mail, watches, calendar feed) and the calendar feeds."""
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from registry.calendar_feed import public_calendar, user_calendar
from registry.models import NotificationSettings
from registry.permissions import is_active_user
from registry.views.lists import StaffPageMixin

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
