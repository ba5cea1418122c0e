"""今後の予定: the user's coming anniversaries, endings and due date, with filters (registry/staff/coming_up.py)."""
from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from registry.staff.coming_up import KIND_CHOICES, coming_up
from registry.models import Organization
from registry.staff.views.lists import StaffPageMixin


class ComingUpFilters(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("every kind"))] + KIND_CHOICES)
    organization = forms.ModelChoiceField(label=_("organization"), required=False, queryset=Organization.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.restrict(user, "view").filter(
            agreements__isnull=False).distinct().order_by("code")


class ComingUpView(StaffPageMixin, TemplateView):
    template_name = "registry/coming_up.html"

    def get_context_data(self, **kwargs):
        form = ComingUpFilters(self.request.GET or None, user=self.request.user)
        options = {}
        if form.is_bound and form.is_valid():
            if form.cleaned_data["kind"]:
                options["kinds"] = (form.cleaned_data["kind"],)
            options["organization"] = form.cleaned_data["organization"]
        events = coming_up(self.request.user, **options) if not form.is_bound or form.is_valid() else []
        return super().get_context_data(title=_("Coming up"), form=form, events=events, **kwargs)
