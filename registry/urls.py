from django.urls import path, re_path, register_converter

from registry.core.converters import IsoDateConverter
from registry.staff.views import accounts, coming_up, history, home, lists, notifications, survey

app_name = "registry"

register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("coming-up/", coming_up.ComingUpView.as_view(), name="coming_up"),
    path("history/", history.ChangeLogView.as_view(), name="history"),
    re_path(r"^history/export\.(?P<file_format>csv|xlsx)$", history.ChangeLogExportView.as_view(), name="history_export"),
]

# List pages and the survey's update workflow and report (issue 6).
urlpatterns += [
    path("bases/", lists.BaseListView.as_view(), name="base_list"),
    path("agreements/", lists.AgreementListView.as_view(), name="agreement_list"),
    path("contractors/", lists.ContractorListView.as_view(), name="contractor_list"),
    path("survey/", survey.SurveyRoundListView.as_view(), name="survey_rounds"),
    path("survey/<isodate:reference_date>/", survey.SurveyReportView.as_view(), name="survey_report"),
    path("survey/<isodate:reference_date>/progress/", survey.SurveyProgressView.as_view(), name="survey_progress"),
    path("survey/<isodate:reference_date>/progress/pending.xlsx", survey.PendingSheetView.as_view(),
         name="survey_pending_sheet"),
    path("survey/<isodate:reference_date>/review/", survey.SurveyReviewView.as_view(), name="survey_review"),
    path("survey/<isodate:reference_date>/review/<int:base_id>/close/", survey.ProposeClosingView.as_view(),
         name="survey_propose_closing"),
]

# The round's lifecycle (issue 12): open, close, publish, remind; the published sheet; corrections.
urlpatterns += [
    path("survey/open/", survey.OpenRoundView.as_view(), name="survey_open"),
    path("survey/current/", survey.CurrentRoundView.as_view(), name="survey_current"),
    *(path(f"survey/<isodate:reference_date>/{step}/", survey.RoundStepView.as_view(), {"step": step},
           name=f"survey_{step}") for step in ("close", "publish")),
    path("survey/<isodate:reference_date>/remind/", survey.RemindView.as_view(), name="survey_remind"),
    path("survey/<isodate:reference_date>/list/", survey.SurveyListView.as_view(), name="survey_list"),
    path("survey/<isodate:reference_date>/published.xlsx", survey.PublishedSheetView.as_view(),
         name="survey_published_sheet"),
    path("survey/<isodate:reference_date>/correct/<int:record_id>/", survey.CorrectionView.as_view(),
         name="survey_correct"),
]

# Notifications, watches and calendar feeds (issue 29; docs/notifications.md).
urlpatterns += [
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path("notifications/watch/", notifications.WatchView.as_view(), name="watch"),
    path("notifications/settings/", notifications.NotificationSettingsView.as_view(), name="notification_settings"),
    path("calendar/<str:token>.ics", notifications.CalendarFeedView.as_view(), name="calendar_feed"),
]

# Accounts (issue 23; docs/accounts.md): per organization, invitations, handover, reactivation, account events.
urlpatterns += [
    path("accounts/", accounts.AccountListView.as_view(), name="accounts"),
    path("accounts/organizations/<str:code>/", accounts.OrganizationAccountsView.as_view(),
         name="organization_accounts"),
    path("accounts/invite/", accounts.InviteView.as_view(), name="invite"),
    path("accounts/invite/bulk/", accounts.BulkInviteView.as_view(), name="bulk_invite"),
    re_path(r"^accounts/invitations/(?P<pk>[0-9]+)/(?P<action>resend|withdraw)/$",
            accounts.InvitationActionView.as_view(), name="invitation_action"),
    path("accounts/users/<int:pk>/handover/", accounts.HandoverView.as_view(), name="handover"),
    path("accounts/users/<int:pk>/reactivate/", accounts.ReactivateView.as_view(), name="reactivate"),
    path("accounts/events/", accounts.AccountEventsView.as_view(), name="account_events"),
    path("invitation/<str:token>/", accounts.AcceptInvitationView.as_view(), name="invitation_accept"),
]
