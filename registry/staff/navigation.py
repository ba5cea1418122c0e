"""The one header of every page (staff pages and admin alike): where a signed-in user can go."""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import Agreement, Base, Contractor, SurveyRound
from registry.core.permissions import has_model_permission


@dataclass
class NavLink:
    label: str
    url: str
    current: bool = False


def navigation_links(request):
    """ホーム, 拠点, 提携, 委託先, 調査, 変更履歴 and 管理画面, each only for those who may open it."""
    from registry.accounts.listing import readable_organization_ids as readable_account_scope
    from registry.core.history.log import visible_models

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return []
    candidates = [
        (_("Home"), "registry:home", True),
        (_("Bases"), "registry:base_list", has_model_permission(user, Base, "view")),
        (_("Agreements"), "registry:agreement_list", has_model_permission(user, Agreement, "view")),
        (_("Contractors"), "registry:contractor_list", has_model_permission(user, Contractor, "view")),
        (_("Surveys"), "registry:survey_rounds", has_model_permission(user, SurveyRound, "view")),
        (_("Change history"), "registry:history", bool(visible_models(user))),
        ("アカウント", "registry:accounts", readable_account_scope(user) != set()),
        (_("Admin"), "admin:index", True),
    ]
    links = [NavLink(label, reverse(name)) for label, name, allowed in candidates if allowed]
    # The longest link that starts the current path is the current section ("/" only for the home page).
    path = request.path
    matching = [link for link in links if path == link.url or (link.url != "/" and path.startswith(link.url))]
    if matching:
        max(matching, key=lambda link: len(link.url)).current = True
    return links


def site_navigation(request):
    """Context processor: ``site_nav`` and the unread notifications' count for the header."""
    from registry.staff.notifications import unread_count

    user = getattr(request, "user", None)
    staff = user is not None and user.is_authenticated and user.is_staff
    return {"site_nav": navigation_links(request), "unread_notifications": unread_count(user) if staff else None}
