"""Account pages (docs/accounts.md): the accounts of every organization, invitations (one or a sheet), handover,
reactivation, the invitee's page that sets a password, and the account events for supervisors."""
import hashlib

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from registry.accounts import invitations, listing
from registry.sheets import invitations as bulk
from registry.accounts.daily import reactivate
from registry.accounts.forms import BulkInviteForm, HandoverForm, InviteForm, SetPasswordForm
from registry.accounts.handover import schedule_handover
from registry.accounts.invitations import InvitationError
from registry.models import Invitation, Organization, RoleChange
from registry.core.permissions import Role, is_active_user, user_roles
from registry.sheets.engine import ImportBusy, PreviewOutdated, plan_fingerprint
from registry.sheets.reader import SheetLayoutError, SheetReadError
from registry.sheets.uploads import UploadStorage, upload_storage
from registry.staff.views.lists import StaffPageMixin

LIST_LIMIT = 200  # rows of each kind a list shows; a search narrows it


def require(allowed):
    if not allowed:
        raise PermissionDenied


class AccountListView(StaffPageMixin, TemplateView):
    """All accounts one may read (coordinators, supervisors: all; a clerk: their organizations' colleagues)."""

    template_name = "registry/accounts/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        require(listing.readable_organization_ids(user) != set())
        query = self.request.GET.get("q", "").strip()[:100]
        rows = listing.mark_led_rows(user, listing.account_rows(user, query=query, limit=LIST_LIMIT))
        return super().get_context_data(
            title="アカウント", rows=rows, query=query, limited=len(rows) >= LIST_LIMIT,
            manage=listing.can_manage_accounts(user), invite=listing.can_invite(user),
            audit=listing.can_read_audit(user), **kwargs)


class OrganizationAccountsView(StaffPageMixin, TemplateView):
    """One organization's accounts and open invitations; coordinators invite from here."""

    template_name = "registry/accounts/organization.html"

    def get_context_data(self, code, **kwargs):
        user = self.request.user
        scope = listing.readable_organization_ids(user)
        require(scope != set())
        organization = get_object_or_404(Organization, code=code)
        if scope is not None and organization.pk not in scope:
            raise Http404
        manage = listing.can_manage_accounts(user)
        form = InviteForm(roles=(Role.CLERK,), initial={"organizations": organization.code, "role": Role.CLERK}) \
            if listing.may_invite_to(user, organization) else None
        rows = listing.mark_led_rows(user, listing.account_rows(user, organization))
        return super().get_context_data(
            title=f"{organization.name}のアカウント", organization=organization, rows=rows, manage=manage,
            form=form, **kwargs)


class InviteView(StaffPageMixin, View):
    """Invite one person: coordinators to any organization, a prefecture's lead clerks of its area."""

    template_name = "registry/accounts/invite.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require(listing.can_invite(request.user))
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        initial = {"organizations": self.request.GET.get("organization", ""), "role": Role.CLERK}
        return InviteForm(data, roles=listing.invitable_roles(self.request.user), initial=initial)

    def get(self, request):
        return render(request, self.template_name, {"title": "招待", "form": self.form()})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            outside = [o for o in form.cleaned_data["organizations"] if not listing.may_invite_to(request.user, o)]
            if outside:
                form.add_error("organizations", "招待できるのは取りまとめる都道府県とその市区町村の担当者だけです（"
                               + "、".join(f"{o.code} {o.name}" for o in outside) + "）。")
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = invitations.invite(data["name"], data["email"], data["role"], data["organizations"],
                                                invited_by=request.user)
            except InvitationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{invitation.email} に招待を送りました。")
                return redirect(next_page(invitation))
        return render(request, self.template_name, {"title": "招待", "form": form}, status=200)


def next_page(invitation):
    organizations = list(invitation.organizations.all())
    if len(organizations) == 1:
        return reverse("registry:organization_accounts", args=[organizations[0].code])
    return reverse("registry:accounts")


class BulkInviteView(StaffPageMixin, View):
    """A sheet of invitations: 「確認」 previews it (nothing written), 「招待する」 applies the preview."""

    template_name = "registry/accounts/bulk.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require(listing.can_invite(request.user))
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, **context):
        return render(request, self.template_name, {"title": "一括招待", "form": BulkInviteForm(), **context})

    def get(self, request):
        return self.page(request)

    def post(self, request):
        if request.POST.get("action") == "apply":
            return self.apply(request)
        form = BulkInviteForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form=form)
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            outcome = bulk.import_invitation_file(content, upload.name, user=request.user, dry_run=True)
        except (SheetReadError, SheetLayoutError) as error:
            return self.page(request, form=form, file_error=str(error))
        stored = UploadStorage()
        stored.save(content)
        return self.page(request, outcome=outcome, upload=stored.name, file_name=upload.name,
                         sha256=bulk_sha(content), fingerprint=plan_fingerprint(outcome))

    def apply(self, request):
        stored = upload_storage(request.POST.get("upload", ""))
        try:
            content = stored.read()
        except FileNotFoundError:
            messages.error(request, "ファイルが見つかりません。もう一度ファイルを選んで確認してください。")
            return redirect("registry:bulk_invite")
        expected = (request.POST.get("sha256", ""), request.POST.get("fingerprint", ""))
        try:
            outcome = bulk.import_invitation_file(content, request.POST.get("file_name", "")[:200],
                                                  user=request.user, expected=expected)
        except (PreviewOutdated, ImportBusy, SheetReadError, SheetLayoutError) as error:
            messages.error(request, str(error))
            return redirect("registry:bulk_invite")
        stored.remove()
        if outcome.errors:
            return self.page(request, outcome=outcome)
        messages.success(request, f"{outcome.new}人に招待を送りました（変更なし {outcome.unchanged}件）。")
        return redirect("registry:accounts")


def bulk_sha(content):
    return hashlib.sha256(content).hexdigest()


class InvitationActionView(StaffPageMixin, View):
    """再送 (a new link) or 取り下げ of an open invitation."""

    def post(self, request, pk, action):
        require(listing.can_invite(request.user))
        invitation = get_object_or_404(Invitation, pk=pk)
        if not listing.can_manage_accounts(request.user) and not listing.leads_invitation(request.user, invitation):
            raise Http404
        try:
            if action == "resend":
                invitations.resend(invitation)
                messages.success(request, f"{invitation.email} に招待を再送しました。")
            else:
                invitations.withdraw(invitation)
                messages.success(request, f"{invitation.email} への招待を取り下げました。")
        except InvitationError as error:
            messages.error(request, str(error))
        return redirect(next_page(invitation))


def managed_user(request, pk):
    """The account a manager acts on (404 when missing)."""
    return get_object_or_404(get_user_model(), pk=pk)


class HandoverView(StaffPageMixin, View):
    """A coordinator hands over any clerk's seat; a clerk their own; a prefecture's lead its area's clerks'."""

    template_name = "registry/accounts/handover.html"

    def outgoing(self, request, pk):
        user = request.user
        manage = listing.can_manage_accounts(user)
        require(manage or (is_active_user(user) and bool(user_roles(user) & {Role.CLERK, Role.LEAD})))
        outgoing = managed_user(request, pk)
        if not manage and user.pk != pk and not listing.leads_account(user, outgoing):
            raise Http404
        return outgoing

    def render_form(self, request, outgoing, form):
        return render(request, self.template_name, {
            "title": f"引継ぎ：{listing.display_name(outgoing)}", "outgoing": outgoing, "form": form})

    def get(self, request, pk):
        outgoing = self.outgoing(request, pk)
        return self.render_form(request, outgoing, HandoverForm(user=outgoing))

    def post(self, request, pk):
        outgoing = self.outgoing(request, pk)
        form = HandoverForm(request.POST, user=outgoing)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = schedule_handover(outgoing, data["memberships"], data["successor_name"],
                                               data["successor_email"], data["ends_on"], invited_by=request.user)
            except InvitationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{data['ends_on']:%Y-%m-%d} の引継ぎを予定し、"
                                          f"{invitation.email} に招待を送りました。")
                return redirect(next_page(invitation))
        return self.render_form(request, outgoing, form)


class ReactivateView(StaffPageMixin, View):
    def post(self, request, pk):
        require(listing.can_manage_accounts(request.user))
        user = managed_user(request, pk)
        if user.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        if user.is_active:
            messages.info(request, f"{user.get_username()} はすでに有効です。")
        else:
            reactivate(user)
            messages.success(request, f"{user.get_username()} を再開しました。")
        return redirect(f"{reverse('registry:accounts')}?q={user.email or user.get_username()}")


class AcceptInvitationView(View):
    """The invitee's page (no sign-in): set a password, and the account is created with its role."""

    template_name = "registry/accounts/accept.html"

    def find(self, request, token):
        try:
            return invitations.find_by_token(token), None
        except InvitationError as error:
            return None, render(request, self.template_name, {"title": "招待", "error": str(error)}, status=404)

    def get(self, request, token):
        invitation, refused = self.find(request, token)
        if refused:
            return refused
        return render(request, self.template_name, {"title": "アカウントの作成", "invitation": invitation,
                                                    "form": SetPasswordForm(invitation=invitation)})

    def post(self, request, token):
        invitation, refused = self.find(request, token)
        if refused:
            return refused
        form = SetPasswordForm(request.POST, invitation=invitation)
        if form.is_valid():
            try:
                invitations.accept(invitation, form.cleaned_data["password1"])
            except InvitationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "アカウントを作成しました。メールアドレスとパスワードでログインしてください。")
                return redirect("admin:login")
        return render(request, self.template_name, {"title": "アカウントの作成", "invitation": invitation,
                                                    "form": form})


class AccountEventsView(StaffPageMixin, TemplateView):
    """The account events (read-only), for supervisors beside the change log."""

    template_name = "registry/accounts/events.html"

    def get_context_data(self, **kwargs):
        require(listing.can_read_audit(self.request.user))
        query = self.request.GET.get("q", "").strip()[:100]
        action = self.request.GET.get("action", "")
        events = RoleChange.objects.all()
        if query:
            events = events.filter(user_name__icontains=query) | events.filter(organization_name__contains=query) \
                | events.filter(organization_code=query) | events.filter(actor_name__icontains=query)
        if action in RoleChange.Action.values:
            events = events.filter(action=action)
        page = Paginator(events.order_by("-changed_at", "-id"), 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(title="アカウントの記録", page=page, query=query, action=action,
                                        actions=RoleChange.Action.choices, **kwargs)
