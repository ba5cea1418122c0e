"""Who and why of history entries as people read them.

Commands and imports store their own names as the actor or the reason (「command: load_local_governments」,
「import: command」, 「geocode_places」, 「round open」, 「grant_role (alice)」). They stay stored as written, so
entries written before and after read the same; every page, export, prompt and notification shows them through
``actor_label`` and ``reason_label``, in the active language (Japanese on the staff pages).
"""
import re

from django.utils.translation import gettext, gettext_lazy as _

# The actions that commands and imports name in history entries: stored name → what it did.
ACTIONS = {
    "import": _("Survey import"),
    "load_local_governments": _("Loading the list of organizations"),
    "geocode_places": _("Locating places"),
    "setup_demo": _("Preparing the demo"),
    "grant_role": _("Granting a role"),
    "revoke_role": _("Revoking a role"),
    "round open": _("Opening the survey round"),
    "round close": _("Closing the survey round"),
    "round publish": _("Publishing the survey round"),
    "round remind": _("Reminding the organizations"),
    "round status": _("Survey round status"),
}
# Other words stored in English by earlier versions.
WORDS = {"system": _("system"), "Published": _("Published"), "command": _("command")}

# 「command: NAME」, 「import: WHO」 and 「NAME (WHO)」 (grant_role and revoke_role name the shell user).
PREFIXED = re.compile(r"(?P<prefix>command|import): (?P<rest>.+)")
WITH_WHO = re.compile(r"(?P<name>[\w ]+) \((?P<who>[^()]*)\)")


def _by(action, who):
    if who in ("", "command"):
        return gettext("%(action)s (command)") % {"action": action}
    return gettext("%(action)s (%(who)s)") % {"action": action, "who": who}


def actor_label(name):
    """「調査の取込（コマンド）」 for 「import: command」; user names and unknown names as they are."""
    name = name or ""
    match = PREFIXED.fullmatch(name)
    if match and match["prefix"] == "import":
        return _by(ACTIONS["import"], match["rest"])
    if match and match["rest"] in ACTIONS:
        return _by(ACTIONS[match["rest"]], "")
    match = WITH_WHO.fullmatch(name)
    if match and match["name"] in ACTIONS:
        return _by(ACTIONS[match["name"]], match["who"])
    if name in ACTIONS:
        return _by(ACTIONS[name], "")
    return str(WORDS.get(name, name))


def reason_label(reason):
    """A stored reason as shown: a command's name becomes what it did; people's reasons as they are."""
    reason = reason or ""
    return str(ACTIONS.get(reason) or WORDS.get(reason) or reason)


LEAD = "取りまとめ"
ON_BEHALF = "代理"


def lead_actor_name(name, user, instance, own_step=False):
    """``name`` as stored for a history row of ``instance`` written by ``user``: with 「(大阪府 取りまとめ (代理))」
    when a prefecture's lead entered it for one of its municipalities, 「(大阪府 取りまとめ)」 for the lead's own
    steps on it; as it is otherwise (the lead's own prefecture's records, everyone else)."""
    from registry.core.permissions import acts_on_behalf, is_lead, organization_path, owning_organization_id

    if not is_lead(user):
        return name
    path = organization_path(type(instance))
    if path is None:
        return name
    prefecture = acts_on_behalf(user, owning_organization_id(type(instance), instance, path))
    if prefecture is None:
        return name
    role = f"{prefecture.name} {LEAD}" if own_step else f"{prefecture.name} {LEAD} ({ON_BEHALF})"
    return f"{name} ({role})"[:150]
