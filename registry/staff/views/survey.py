"""Survey pages: the rounds, a round's report, its update progress and the clerks' review."""
import datetime
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView, View

from registry.core.downloads import XLSX_CONTENT_TYPE
from registry.models import BaseRoundRecord, Organization, ReviewState, RoundCorrection, SurveyRound
from registry.core.permissions import (
    can_check_answers_of,
    can_remind,
    can_steer_answers_of,
    lead_prefecture_ids,
    leads_organization,
)
from registry.survey.report import compare_rounds, survey_report
from registry.survey import lifecycle
from registry.survey.progress import (
    current_round,
    STATE_ORDER,
    pending_bases,
    progress_totals,
    records_by_base,
    reviewable_bases,
    round_progress,
    round_todo,
)
from registry.survey.records import RoundRefused
from registry.survey.reminders import remind_round, reminder_recipients
from registry.sheets.survey.published import published_sheet_xlsx
from registry.sheets.survey.export import export_survey_xlsx
from registry.staff.views.lists import StaffPageMixin

STATE_LABELS = dict(ReviewState.choices)
NAMED_IN_A_MESSAGE = 10  # organizations named in a message; the page before it lists them all


def xlsx_response(content, file_name):
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


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
        can_open = self.request.user.has_perm("registry.change_surveyround")
        return super().get_context_data(
            title=_("Survey rounds"), open_form=OpenRoundForm() if can_open else None, **kwargs
        )


class CurrentRoundView(StaffPageMixin, View):
    """The open round: a clerk's to-do, or the progress for those who steer or read it."""

    def get(self, request, *args, **kwargs):
        survey_round = current_round()
        if survey_round is None:
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        steers = (request.user.has_perm("registry.change_surveyround") or lead_prefecture_ids(request.user)
                  or not request.user.has_perm("registry.change_base"))
        name = "registry:survey_progress" if steers else "registry:survey_review"
        return HttpResponseRedirect(reverse(name, args=[survey_round.reference_date]))


class OpenRoundForm(forms.Form):
    reference_date = forms.DateField(label=_("reference date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput(attrs={"type": "date"}))


class CoordinatorMixin:
    """Steps of the round itself (open, close, publish, remind, return, correct): for coordinators."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("registry.change_surveyround"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class OpenRoundView(CoordinatorMixin, StaffPageMixin, View):
    def post(self, request, *args, **kwargs):
        form = OpenRoundForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        try:
            result = lifecycle.open_round(
                form.cleaned_data["reference_date"], form.cleaned_data["due_date"], user=request.user
            )
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        messages.success(request, gettext("%(round)s is open: %(count)d bases to review.")
                         % {"round": result.survey_round, "count": result.counts["bases"]})
        return HttpResponseRedirect(reverse("registry:survey_progress", args=[result.survey_round.reference_date]))


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
        prefecture = self.prefecture()
        context["report"] = survey_report(self.survey_round, user, prefecture)
        context["prefecture"] = prefecture
        context["prefectures"] = Organization.objects.restrict(user, "view").filter(kind=Organization.Kind.PREFECTURE)
        context["corrections"] = (
            RoundCorrection.objects.restrict(user, "view").filter(record__survey_round=self.survey_round)
            .select_related("record__base__organization")
        )
        context["other_rounds"] = SurveyRound.objects.restrict(user, "view").exclude(pk=self.survey_round.pk)
        context.update(self.comparison_context(context["report"]["summary"], prefecture))
        return context

    def prefecture(self):
        """The prefecture the report is narrowed to (``?prefecture=27``): a lead's own by default."""
        text = self.request.GET.get("prefecture", "")
        if text == "all":
            return None
        visible = Organization.objects.restrict(self.request.user, "view").filter(kind=Organization.Kind.PREFECTURE)
        if re.fullmatch(r"[0-9]{2}", text):
            return visible.filter(code__startswith=text).first()
        led = lead_prefecture_ids(self.request.user)
        return visible.filter(pk__in=led).order_by("code").first() if led else None

    def comparison_context(self, summary, prefecture):
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
        return {"comparison": compare_rounds(self.survey_round, other, self.request.user, summary, prefecture)}


class SurveyListView(RoundMixin, TemplateView):
    """The round's list and summary as CLAIR prints them, from the round's own figures (printable)."""

    template_name = "registry/rounds/list.html"

    def get_context_data(self, **kwargs):
        from registry.survey.printable import printable_list

        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Overseas bases of local governments: %(round)s") % {"round": self.survey_round},
            can_correct=self.survey_round.is_frozen and self.request.user.has_perm("registry.change_surveyround"),
            **printable_list(self.survey_round, self.request.user),
        )
        return context


class SurveyProgressView(RoundMixin, TemplateView):
    """Per organization, a page at a time (all 1,788 at once made an 800 KB page); totals count them all."""

    template_name = "registry/survey_progress.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = round_progress(self.survey_round, self.request.user)
        page = Paginator(progress, self.paginate_by).get_page(self.request.GET.get("page"))
        for row in page.object_list:
            row.led_by_user = leads_organization(self.request.user, row.organization)
            row.on_behalf = row.led_by_user and row.organization.kind != Organization.Kind.PREFECTURE
        context.update(
            title=gettext("Update progress: %(round)s") % {"round": self.survey_round},
            progress=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            totals=progress_totals(progress),
            state_labels=[STATE_LABELS[state] for state in STATE_ORDER],
            pending_count=sum(1 for row in progress if not row.done),
            can_steer=self.request.user.has_perm("registry.change_surveyround"),
            can_remind=can_remind(self.request.user),
            led_prefectures=lead_prefecture_ids(self.request.user),
            reminders=self.survey_round.reminders.restrict(self.request.user, "view").select_related("organization")[:20],
        )
        return context


class PendingSheetView(RoundMixin, View):
    """The pre-filled survey sheet for the organizations that have not finished the round."""

    def get(self, request, *args, **kwargs):
        bases = pending_bases(self.survey_round, request.user)
        content = export_survey_xlsx(bases, self.survey_round.reference_date)
        return xlsx_response(content, f"survey_{self.survey_round.reference_date:%Y-%m-%d}_pending.xlsx")


class PublishedSheetView(RoundMixin, View):
    """The published sheet (xlsx in the survey's layout) from the round's frozen figures."""

    def get(self, request, *args, **kwargs):
        if not self.survey_round.is_published:
            raise Http404
        content = published_sheet_xlsx(self.survey_round, request.user)
        return xlsx_response(content, f"survey_{self.survey_round.reference_date:%Y-%m-%d}_published.xlsx")


class RoundStepView(CoordinatorMixin, RoundMixin, View):
    """Close or publish: one POST, one message, back to the progress page."""

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        try:
            if step == "close":
                result = lifecycle.close_round(self.survey_round, user=request.user)
                message = gettext("%(round)s is closed: %(count)d closures applied, figures frozen.") % {
                    "round": self.survey_round, "count": result.counts["closed_bases"]}
            elif step == "publish":
                lifecycle.publish_round(self.survey_round, user=request.user)
                message = gettext("%(round)s is published.") % {"round": self.survey_round}
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(reverse("registry:survey_progress", args=[self.survey_round.reference_date]))


class RemindView(RoundMixin, TemplateView):
    """督促: a page that says who will get the reminder and who cannot (no address known), then one POST.

    For coordinators, and for a prefecture's lead to its own municipalities (the progress the recipients come from
    is restricted to the user's scope). ``organization`` (query or form): remind that one organization only.
    """

    template_name = "registry/rounds/remind_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_remind(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def reminded_organization(self):
        value = self.request.POST.get("organization") or self.request.GET.get("organization")
        if not value:
            return None
        return get_object_or_404(Organization.objects.restrict(self.request.user, "view"), pk=record_id(value))

    def get_context_data(self, **kwargs):
        organization = self.reminded_organization()
        recipients = (reminder_recipients(self.survey_round, self.request.user, organization)
                      if self.survey_round.is_open else [])
        return super().get_context_data(organization=organization,
            title=f"{self.survey_round}: 督促の確認", recipients=[r for r in recipients if r.addresses],
            unreachable=[r for r in recipients if not r.addresses], **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            result = remind_round(self.survey_round, request.user, organization=self.reminded_organization())
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        else:
            reached = result.organizations - len(result.unreachable)
            if result.mails:
                messages.success(request, f"{reached} 団体の担当者に督促メールを送りました（{result.mails} 通）。")
            if result.unreachable:
                names = "、".join(organization.name for organization in result.unreachable[:NAMED_IN_A_MESSAGE])
                if len(result.unreachable) > NAMED_IN_A_MESSAGE:
                    names += f" ほか {len(result.unreachable) - NAMED_IN_A_MESSAGE} 団体"
                messages.warning(request, f"メールアドレスが登録されていないため、次の {len(result.unreachable)} 団体には"
                                          f"督促を送れませんでした: {names}。電話などで連絡してください。")
        return HttpResponseRedirect(reverse("registry:survey_progress", args=[self.survey_round.reference_date]))


class ReviewerMixin(RoundMixin):
    """Reviewing a round edits bases: for those who may change bases (not supervisors, who only read)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("registry.change_base"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SurveyReviewView(ReviewerMixin, TemplateView):
    """A clerk's to-do for the round: per base 変更なし, 編集, 廃止を提案; 新規拠点を追加; 回答完了."""

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
        rows = [(base, records.get(base.pk)) for base in bases]
        todo = round_todo(self.request.user, self.survey_round)
        todo["rows"] = rows
        shown = {base.organization_id for base in bases}
        todo["organizations"] = [(org, row) for org, row in todo["organizations"] if org.pk in shown]
        context.update(
            title=gettext("Review for %(round)s") % {"round": self.survey_round},
            rows=rows,
            todo=todo,
            organizations=Organization.objects.filter(
                pk__in=reviewable_bases(self.request.user).values("organization")
            ).select_related("prefecture"),
            selected_organization=self.request.GET.get("organization", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action in ("return", "check"):
            return self.steer(request, action)
        if action == "complete":
            return self.answer(request, action)
        requested = {record_id(pk) for pk in request.POST.getlist("base")} - {None}
        bases = list(reviewable_bases(request.user).filter(pk__in=requested))
        if len(bases) != len(requested):
            raise PermissionDenied
        if action != "unchanged" or not bases:
            messages.error(request, gettext("Select the bases to confirm."))
            return HttpResponseRedirect(request.get_full_path())
        try:
            count = lifecycle.confirm_unchanged(self.survey_round, bases, request.user)
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, gettext("%(count)d bases confirmed for this round.") % {"count": count})
        return HttpResponseRedirect(request.get_full_path())

    def answer(self, request, action):
        organization = get_object_or_404(
            Organization.objects.filter(pk__in=reviewable_bases(request.user).values("organization")),
            pk=record_id(request.POST.get("organization")),
        )
        try:
            lifecycle.complete_answer(self.survey_round, organization, request.user)
            messages.success(request, gettext("%(organization)s: answer completed.") % {
                "organization": organization})
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        return self.back(request)

    def steer(self, request, action):
        """差し戻し (coordinators, the prefecture's lead) and 確認済み (the prefecture's lead) of one answer."""
        organization = get_object_or_404(Organization.objects.restrict(request.user, "view").select_related(
            "prefecture"), pk=record_id(request.POST.get("organization")))
        allowed = can_steer_answers_of if action == "return" else can_check_answers_of
        if not allowed(request.user, organization):
            raise PermissionDenied
        try:
            if action == "return":
                lifecycle.return_answer(self.survey_round, organization, request.POST.get("reason", ""), request.user)
                messages.success(request, gettext("%(organization)s: answer returned.") % {
                    "organization": organization})
            else:
                lifecycle.check_answer(self.survey_round, organization, request.user)
                messages.success(request, f"{organization}: 確認済みにしました。")
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        return self.back(request)

    def back(self, request):
        return HttpResponseRedirect(request.POST.get("next") if request.POST.get("next", "").startswith("/survey/")
                                    else request.get_full_path())


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
        try:
            lifecycle.propose_closing(
                self.survey_round, base, form.cleaned_data["closing_on"], form.cleaned_data["reason"],
                self.request.user,
            )
        except RoundRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(self.request, gettext("Closing proposed for %(base)s.") % {"base": base})
        return HttpResponseRedirect(
            reverse("registry:survey_review", args=[self.survey_round.reference_date])
            + f"?organization={base.organization_id}"
        )


class CorrectionForm(forms.Form):
    staff_dispatched = forms.IntegerField(label=_("staff dispatched"), min_value=0)
    staff_local = forms.IntegerField(label=_("staff hired locally"), min_value=0)
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionView(CoordinatorMixin, RoundMixin, FormView):
    """訂正: the coordinator changes a closed or published round's figures for one base, with a reason."""

    template_name = "registry/rounds/correct.html"
    form_class = CorrectionForm

    def get_record(self):
        return get_object_or_404(
            BaseRoundRecord.objects.restrict(self.request.user, "change").select_related("base__organization"),
            survey_round=self.survey_round, pk=self.kwargs["record_id"],
        )

    def get_initial(self):
        record = self.get_record()
        return {"staff_dispatched": record.staff_dispatched, "staff_local": record.staff_local}

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.get_record(), title=gettext("Correct the round's figures"),
                                        **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            lifecycle.correct(self.get_record(), data, reason, self.request.user)
        except RoundRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(self.request, gettext("The correction is recorded."))
        return HttpResponseRedirect(reverse("registry:survey_report", args=[self.survey_round.reference_date]))
