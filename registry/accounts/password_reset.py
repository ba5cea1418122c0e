"""Password reset by e-mail with Django's own views: the same answer, in the same time, whether or not the address
belongs to an account; a limit per address and per client address; the link works once (Django's token changes
with the password). docs/sign-in.md.

The same work for both: the reset mail is rendered (for an unknown address, for a stand-in account, and then
dropped) and an audit entry written; only handing the mail to the mail server differs, and that happens after the
response has been sent (when the server closes it), so its time is never part of the answer.
"""
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import reverse_lazy

from registry.accounts import audit
from registry.accounts.client_address import client_address
from registry.models import RoleChange

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60 * 60
LIMITED = ("パスワード再設定の依頼が短い間に多すぎます。しばらく時間をおいてから、もう一度お試しください。")


def over_limit(request, email):
    """Count this request against its address and its client address; True when either is over its limit."""
    address_key = "password-reset:address:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
    client_key = "password-reset:client:" + client_address(request)
    over = False
    for key, limit in ((address_key, settings.PASSWORD_RESET_PER_ADDRESS), (client_key, settings.PASSWORD_RESET_PER_IP)):
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)
            count = 1
        over = over or count > limit
    return over


class ResetRequestForm(PasswordResetForm):
    """Django's form, with the mails built but not sent (``self.outgoing``), and the same work for an address
    without an account."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        self.outgoing.append(EmailMultiAlternatives(subject, body, from_email, [to_email]))

    def get_users(self, email):
        return self.recipients

    def save(self, **kwargs):
        email = self.cleaned_data["email"]
        self.outgoing = []
        self.recipients = list(super().get_users(email))
        found = bool(self.recipients)
        if not found:
            self.recipients = [get_user_model()(username="-", email=email)]
        super().save(**kwargs)
        if found:
            for user in self.recipients:
                audit.record(user, RoleChange.Action.PASSWORD_RESET_REQUESTED, actor_name="")
        else:
            self.outgoing = []
            audit.record("", RoleChange.Action.PASSWORD_RESET_REQUESTED, actor_name="",
                         detail="有効なアカウントのないアドレスへの依頼（メールは送っていません）")
        return self.outgoing


def send_when_closed(response, outgoing):
    """Hand the mails to the mail server when the server closes the response (after sending it)."""
    def send():
        for message in outgoing:
            try:
                message.send()
            except Exception:  # noqa: BLE001 - the answer is gone; the failure is logged
                log.exception("A password reset mail could not be sent")
    response._resource_closers.append(send)
    return response


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        if over_limit(self.request, form.cleaned_data["email"]):
            return self.render_to_response(self.get_context_data(form=form, limited=LIMITED), status=429)
        outgoing = form.save(
            use_https=settings.SITE_URL.startswith("https://") or self.request.is_secure(), token_generator=self.token_generator,
            from_email=self.from_email, email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name, request=self.request,
            domain_override=settings.SITE_URL.split("://", 1)[-1].rstrip("/") or None,
            extra_email_context=self.extra_email_context,
        )
        return send_when_closed(super(auth_views.PasswordResetView, self).form_valid(form), outgoing)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(form.user, RoleChange.Action.PASSWORD_RESET, actor_name=form.user.get_username())
        return response
