"""The account pages' forms, in Japanese."""
from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone

from registry.models import Organization
from registry.core.permissions import Role


class InviteForm(forms.Form):
    name = forms.CharField(label="氏名", max_length=150)
    email = forms.EmailField(label="メールアドレス")
    role = forms.ChoiceField(label="役割")
    organizations = forms.CharField(label="団体コード", required=False,
                                    help_text="担当者のとき必須（複数は空白か読点で区切ります。例：261009）。"
                                              "取りまとめ担当はその都道府県のコード（例：270008）。")

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, Role.GROUP_NAMES[role]) for role in roles]

    def clean_organizations(self):
        codes = self.cleaned_data["organizations"].replace("、", " ").replace(",", " ").split()
        found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(f"団体コード {'、'.join(unknown)} の団体はありません。")
        return [found[code] for code in dict.fromkeys(codes)]


class BulkInviteForm(forms.Form):
    file = forms.FileField(label="ファイル（xlsx / xls / ods / csv / tsv）")


class HandoverForm(forms.Form):
    memberships = forms.ModelMultipleChoiceField(label="引き継ぐ団体", queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    ends_on = forms.DateField(label="引継ぎ日（この日に前任者のアカウントはその団体を外れます）",
                              widget=forms.DateInput(attrs={"type": "date"}))
    successor_name = forms.CharField(label="後任者の氏名", max_length=150)
    successor_email = forms.EmailField(label="後任者のメールアドレス")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["memberships"]
        field.queryset = user.memberships.select_related("organization").order_by("organization__code")
        field.label_from_instance = lambda m: f"{m.organization.code} {m.organization.name}"
        field.initial = list(field.queryset)

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on < timezone.localdate():
            raise forms.ValidationError("引継ぎ日に過去の日付は指定できません。")
        return ends_on


class SetPasswordForm(forms.Form):
    """The invitee's password, checked by the site's validators (AUTH_PASSWORD_VALIDATORS)."""

    password1 = forms.CharField(label="パスワード", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="パスワード（確認）", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "確認のパスワードが一致しません。")
        elif first:
            from django.contrib.auth import get_user_model

            probe = get_user_model()(username=self.invitation.email, email=self.invitation.email,
                                     last_name=self.invitation.name)
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
