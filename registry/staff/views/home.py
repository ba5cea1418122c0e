"""The home page (``/``): where everyone lands after signing in, with their next step first.

Clerks see their organizations' bases and ties and the open round's to-do; coordinators the rounds,
their progress and the last imports; supervisors the recent changes and the import groups.
Superusers see every section.
"""
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from registry.staff.coming_up import coming_up
from registry.core.history.log import HistoryFilters, history_querysets, visible_models
from registry.core.history.story import ActionLines
from registry.models import Base, ImportRecord, Organization, SurveyRound
from registry.core.permissions import Role, lead_prefecture_ids, user_roles
from registry.models import ReviewState
from registry.survey.progress import STATE_ORDER, current_round, pending_organizations, progress_totals, round_progress, round_todo
from registry.staff.views.lists import StaffPageMixin

RECENT_CHANGES = 10
RECENT_IMPORTS = 5
COMING_UP = 10  # events on the home page; the coming-up page lists them all
STATE_LABELS = dict(ReviewState.choices)


class HomeView(StaffPageMixin, TemplateView):
    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        roles = user_roles(user)
        everything = user.is_superuser
        context = super().get_context_data(title=_("Home"), **kwargs)
        rounds = SurveyRound.objects.restrict(user, "view").order_by("-reference_date")
        context["open_round"] = current_round()
        context["roles"] = [Role.LABELS[role] for role in Role.ALL if role in roles]
        if Role.CLERK in roles:
            context["organizations"] = self.clerk_organizations(user)
            context["todo"] = round_todo(user)  # registry/rounds/_todo.html
        if everything or Role.COORDINATOR in roles or Role.LEAD in roles:
            # A lead's progress is its prefecture's and its municipalities' (round_progress is restricted).
            context["rounds"] = rounds[:3]
            if context["open_round"] is not None:
                progress = round_progress(context["open_round"], user)
                labels = [STATE_LABELS[state] for state in STATE_ORDER]
                context["progress_summary"] = list(zip(labels, progress_totals(progress)))
                context["progress_pending"] = len(pending_organizations(progress))
                context["progress_organizations"] = len(progress)
            context["can_import"] = user.has_perm("registry.import_base")
            context["lead_prefectures"] = lead_prefecture_ids(user)
        if everything or Role.COORDINATOR in roles or Role.SUPERVISOR in roles:
            context["imports"] = ImportRecord.objects.select_related("survey_round")[:RECENT_IMPORTS]
        if everything or Role.CLERK in roles or Role.COORDINATOR in roles or Role.LEAD in roles:
            context["coming_up"] = coming_up(user)[:COMING_UP]
        if (everything or Role.SUPERVISOR in roles) and visible_models(user):
            # The latest actions as the change log tells them (an import is one line).
            context["recent_changes"] = ActionLines(history_querysets(user, HistoryFilters()), RECENT_CHANGES)[
                :RECENT_CHANGES]
        return context

    def clerk_organizations(self, user):
        """The clerk's organizations, each with its bases (active first) and its number of ties."""
        organizations = list(
            Organization.objects.filter(memberships__user=user).order_by("code").annotate(
                tie_count=Count("agreements", distinct=True),
            )
        )
        bases = Base.objects.restrict(user, "view").filter(organization__in=organizations).order_by("status", "number")
        by_organization = {organization.pk: [] for organization in organizations}
        for base in bases:
            by_organization[base.organization_id].append(base)
        for organization in organizations:
            organization.base_list = by_organization[organization.pk]
        return organizations
