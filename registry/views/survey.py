"""Survey pages: the rounds, a round's report, its update progress and the clerks' review."""
import datetime
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView, View

from registry.downloads import XLSX_CONTENT_TYPE
from registry.models import Organization, ReviewState, SurveyRound
from registry.report import compare_rounds, survey_report
from registry.review import (
    STATE_ORDER,
    mark_unchanged,
    pending_bases,
    progress_totals,
    propose_closing,
    records_by_base,
    reviewable_bases,
    round_progress,
)
from registry.sheets.survey.export import export_survey_xlsx
from registry.views.lists import StaffPageMixin

STATE_LABELS = dict(ReviewState.choices)


def record_id(text):
    """A primary key from a request parameter, or None (ASCII digits only, within the key's range)."""
    if text and re.fullmatch(r"[0-9]{1,18}", text):
        return int(text)
    return None


class SurveyRoundListView(StaffPageMixin, ListView):
    template_name = "registry/survey_rounds.html"

    def get_queryset(self):
        return SurveyRound.objects.restrict(self.request.user, "view")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Survey rounds"), **kwargs)


class RoundMixin(StaffPageMixin):
    """Pages of one round, named by its reference date in the URL."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.survey_round = get_object_or_404(
                SurveyRound.objects.restrict(request.user, "view"), reference_date=kwargs["reference_date"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["survey_round"] = self.survey_round
        return context


class SurveyReportView(RoundMixin, TemplateView):
    template_name = "registry/survey_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["title"] = gettext("Survey report: %(round)s") % {"round": self.survey_round}
        context["report"] = survey_report(self.survey_round, user)
        context["other_rounds"] = SurveyRound.objects.restrict(user, "view").exclude(pk=self.survey_round.pk)
        context.update(self.comparison_context())
        return context

    def comparison_context(self):
        text = self.request.GET.get("compare", "").strip()
        if not text:
            return {}
        try:
            reference_date = datetime.date.fromisoformat(text)
        except ValueError:
            return {"compare_error": gettext("Give the other round's date as YYYY-MM-DD.")}
        other = SurveyRound.objects.restrict(self.request.user, "view").filter(reference_date=reference_date).first()
        if other is None:
            return {"compare_error": gettext("There is no survey round dated %(date)s.") % {"date": text}}
        if other == self.survey_round:
            return {"compare_error": gettext("Choose a different round to compare with.")}
        return {"comparison": compare_rounds(self.survey_round, other, self.request.user)}


class SurveyProgressView(RoundMixin, TemplateView):
    template_name = "registry/survey_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = round_progress(self.survey_round, self.request.user)
        context.update(
            title=gettext("Update progress: %(round)s") % {"round": self.survey_round},
            progress=progress,
            totals=progress_totals(progress),
            state_labels=[STATE_LABELS[state] for state in STATE_ORDER],
            pending_count=sum(1 for row in progress if not row.done),
        )
        return context


class PendingSheetView(RoundMixin, View):
    """The pre-filled survey sheet for the organizations that have not finished the round."""

    def get(self, request, *args, **kwargs):
        bases = pending_bases(self.survey_round, request.user)
        content = export_survey_xlsx(bases, self.survey_round.reference_date)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        file_name = f"survey_{self.survey_round.reference_date:%Y-%m-%d}_pending.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response


class ReviewerMixin(RoundMixin):
    """Reviewing a round edits bases: for those who may change bases (not supervisors, who only read)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("registry.change_base"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SurveyReviewView(ReviewerMixin, TemplateView):
    """A clerk's checklist: edit what changed, confirm the rest in bulk, propose closures."""

    template_name = "registry/survey_review.html"

    def bases(self):
        bases = reviewable_bases(self.request.user)
        organization_id = record_id(self.request.GET.get("organization"))
        if organization_id:
            bases = bases.filter(organization_id=organization_id)
        return bases

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bases = list(self.bases())
        records = records_by_base(self.survey_round, bases)
        context.update(
            title=gettext("Review for %(round)s") % {"round": self.survey_round},
            rows=[(base, records.get(base.pk)) for base in bases],
            organizations=Organization.objects.filter(
                pk__in=reviewable_bases(self.request.user).values("organization")
            ).select_related("prefecture"),
            selected_organization=self.request.GET.get("organization", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        requested = {record_id(pk) for pk in request.POST.getlist("base")} - {None}
        bases = list(reviewable_bases(request.user).filter(pk__in=requested))
        if len(bases) != len(requested):
            raise PermissionDenied
        if request.POST.get("action") != "unchanged" or not bases:
            messages.error(request, gettext("Select the bases to confirm."))
        else:
            count = mark_unchanged(self.survey_round, bases, request.user)
            messages.success(request, gettext("%(count)d bases confirmed for this round.") % {"count": count})
        return HttpResponseRedirect(request.get_full_path())


class ClosingForm(forms.Form):
    closing_on = forms.DateField(label=_("Closing date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ProposeClosingView(ReviewerMixin, FormView):
    template_name = "registry/survey_propose_closing.html"
    form_class = ClosingForm

    def get_base(self):
        return get_object_or_404(reviewable_bases(self.request.user), pk=self.kwargs["base_id"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            base=self.get_base(), title=gettext("Propose closing a base"), **kwargs
        )

    def form_valid(self, form):
        base = self.get_base()
        propose_closing(
            self.survey_round, base, form.cleaned_data["closing_on"], form.cleaned_data["reason"], self.request.user
        )
        messages.success(self.request, gettext("Closing proposed for %(base)s.") % {"base": base})
        return HttpResponseRedirect(
            reverse("registry:survey_review", args=[self.survey_round.reference_date])
            + f"?organization={base.organization_id}"
        )
