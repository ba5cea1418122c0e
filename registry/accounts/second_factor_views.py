"""The second factor's pages: the code after the password, enrolment (and one's own recovery codes), and a
coordinator's or superuser's reset of someone else's. The rules are in registry.accounts.second_factor."""
import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, user_login_failed
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from registry.accounts import audit
from registry.accounts import second_factor as rules

WRONG_CODE = ("確認コードが正しくありません。認証アプリの6桁のコード、または回復コードを入力してください。"
              "続けて間違えた後は、数秒待ってから入力してください。")


class CodeForm(forms.Form):
    code = forms.CharField(label="確認コード", max_length=40, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}))


def next_url(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


def qr_data_uri(device):
    """The enrolment's otpauth:// URL as an SVG image in a data: URI (the CSP allows data: images, no inline code)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)


class SignInStepMixin(LoginRequiredMixin):
    def get_context_data(self, **kwargs):
        return super().get_context_data(next=next_url(self.request, ""), **kwargs)


class CodeView(SignInStepMixin, TemplateView):
    """The code after the password: from the app, or one recovery code. A wrong code is a failed sign-in for
    django-axes (counted per user name and address); django-otp also slows repeated failures per device."""

    template_name = "registration/second_factor_code.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (user.is_verified() or not rules.has_second_factor(user)):
            return redirect(next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CodeForm()))

    def post(self, request, *args, **kwargs):
        user = request.user
        credentials = {"username": user.get_username()}
        form = CodeForm(request.POST)
        if AxesProxyHandler.is_locked(request, credentials):
            return self.locked_out(request, credentials)
        device = match_token(user, rules.normalized_code(form.data.get("code"))) if form.is_valid() else None
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return self.locked_out(request, credentials)
            form.add_error(None, WRONG_CODE)
            return self.render_to_response(self.get_context_data(form=form))
        request.session.cycle_key()
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            left = rules.remaining_recovery_codes(user)
            audit.record(user, rules.audit_action().RECOVERY_CODE_USED, detail=f"残り{left}個")
            messages.warning(request, f"回復コードでログインしました。残りは{left}個です。"
                                      "「二要素認証」のページで新しい回復コードを作れます。")
        return redirect(next_url(request))

    def locked_out(self, request, credentials):
        logout(request)
        request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
        request.axes_credentials = credentials
        return self.render_to_response(self.get_context_data(form=CodeForm()))


class EnrolView(SignInStepMixin, TemplateView):
    """Enrol a TOTP app (QR code and the secret as text, confirmed with a code) and get recovery codes, shown once.
    Once enrolled: new recovery codes, and — for those not required to have one — turning it off."""

    template_name = "registration/second_factor.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(required=rules.requires_second_factor(user), **kwargs)
        if rules.app_device(user) is not None:
            context.update(enrolled=True, remaining=rules.remaining_recovery_codes(user))
        else:
            device = rules.pending_app_device(user)
            context.update(enrolled=False, qr=qr_data_uri(device), secret=rules.grouped(rules.base32_secret(device)))
        context.setdefault("form", CodeForm())
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        enrolled = rules.app_device(request.user) is not None
        if action == "confirm" and not enrolled:
            return self.confirm(request)
        if action == "codes" and enrolled:
            codes = rules.new_recovery_codes(request.user)
            audit.record(request.user, rules.audit_action().MFA_ENROLLED, detail="回復コードの作り直し")
            return self.render_to_response(self.get_context_data(codes=codes))
        if action == "disable" and enrolled and not rules.requires_second_factor(request.user):
            rules.remove_second_factor(request.user, "本人が二要素認証をやめた")
            messages.success(request, "二要素認証をやめました。")
            return redirect("two_factor")
        return redirect("two_factor")

    def confirm(self, request):
        form = CodeForm(request.POST)
        device = rules.pending_app_device(request.user)
        codes = rules.confirm_app_device(request.user, device, form.data.get("code")) if form.is_valid() else None
        if codes is None:
            form.add_error(None, "確認コードが正しくありません。認証アプリに表示されている6桁のコードを入力してください。")
            return self.render_to_response(self.get_context_data(form=form))
        request.session.cycle_key()
        otp_login(request, device)
        return self.render_to_response(self.get_context_data(codes=codes, just_enrolled=True))


class ResetView(LoginRequiredMixin, TemplateView):
    """A coordinator resets a clerk's second factor, a superuser anyone else's: a confirmation page and its POST."""

    template_name = "registration/second_factor_reset.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not rules.may_reset_anyone(request.user):
                raise PermissionDenied
            self.target = get_object_or_404(get_user_model(), pk=kwargs["user_id"])
            if not rules.may_reset(request.user, self.target):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, enrolled=rules.has_second_factor(self.target), **kwargs)

    def post(self, request, *args, **kwargs):
        name = self.target.get_full_name() or self.target.get_username()
        if rules.remove_second_factor(self.target, f"{request.user.get_username()}がリセット"):
            messages.success(request, f"{name}さんの二要素認証をリセットしました。次のログインで登録し直します。")
        else:
            messages.info(request, f"{name}さんは二要素認証を登録していません。")
        return redirect(reverse("two_factor_reset", args=[self.target.pk]))
