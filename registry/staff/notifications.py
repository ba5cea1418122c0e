"""Notifications: changes by others to what a user watches, and reminders of anniversaries and endings.

One change group (registry/core/history/context.py: a request, an import, a bulk action, a revert) becomes at most one
notification per user, with its counts, once its transaction commits. Nobody hears of what they may not see: each
entry is checked against the scope rule (registry/core/permissions.py) for the user, and again when e-mailed.
E-mail goes through Django's mail framework: immediately, or in the daily digest (``manage.py notifications daily``).
See docs/notifications.md.
"""
import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy as _

from registry.staff.coming_up import ANNIVERSARY, ENDING, coming_up
from registry.core.history.context import Source, change_group_closed
from registry.core.history.labels import actor_label
from registry.models import Agreement, Base, Contractor, Notification, NotificationSettings, Organization, Watch
from registry.core.permissions import Role, has_model_permission, is_active_user, organization_ids_in_scope, user_roles

# The records one can watch, with the path to their organization (None: shared by all) and their Watch column.
WATCHED_MODELS = {Base: ("organization_id", "base"), Agreement: ("organization_id", "agreement"),
                  Contractor: (None, "contractor"), Organization: ("id", "organization")}
ACTION_LABELS = {"+": _("added"), "~": _("changed"), "-": _("deleted")}
REMINDER_LEADS = ((92, "3m"), (366, "12m"))  # days ahead → which reminder (3 months, 12 months)
SUBJECT_PREFIX = "【海外拠点レジストリ】"


# --- who watches what ----------------------------------------------------------------------------

def watched_by(user):
    """(organization ids, {watch column: record ids}) the user watches: their own watches, and as a clerk their
    organizations unless muted (the opt-out)."""
    watches = list(Watch.objects.filter(user=user))
    muted = {w.organization_id for w in watches if w.muted and w.organization_id}
    records = defaultdict(set)
    for watch in watches:
        if not watch.muted:
            name = next(n for n in Watch.TARGETS if getattr(watch, f"{n}_id"))
            records[name].add(getattr(watch, f"{name}_id"))
    organizations = set(records.pop("organization", set()))
    if Role.CLERK in user_roles(user):
        organizations |= set(user.memberships.values_list("organization_id", flat=True)) - muted
    return organizations, records


def watch_state(user, record):
    """The watch button of a record the user looks at: whether they watch it, and whether its organization is
    watched (which notifies them of it anyway); None for a record one cannot watch."""
    if type(record) not in WATCHED_MODELS:
        return None
    path, target = WATCHED_MODELS[type(record)]
    organizations, records = watched_by(user)
    watching = record.pk in (organizations if target == "organization" else records.get(target, ()))
    by_organization = target != "organization" and path is not None and getattr(record, path) in organizations
    return {"target": target, "record_id": record.pk, "watching": watching, "by_organization": by_organization}


def candidate_users(entries):
    """Users who may watch something among ``entries``: explicit watchers and the organizations' clerks."""
    organizations = {entry.organization_id for entry in entries if entry.organization_id}
    by_column = defaultdict(set)
    for entry in entries:
        by_column[WATCHED_MODELS[entry.model][1]].add(entry.object_id)
    condition = Q(watches__organization_id__in=organizations, watches__muted=False)
    for column, ids in by_column.items():
        condition |= Q(**{f"watches__{column}_id__in": ids})
    condition |= Q(memberships__organization_id__in=organizations, groups__name=Role.GROUP_NAMES[Role.CLERK])
    return get_user_model().objects.filter(condition, is_active=True).distinct()


def may_see(user, entry):
    if not has_model_permission(user, entry.model, "view"):
        return False
    scope = organization_ids_in_scope(user, "view")
    return scope is None or WATCHED_MODELS[entry.model][0] is None or entry.organization_id in scope


def still_visible(user, notification):
    """A notification's organizations are all still in the user's scope (a membership may have ended since)."""
    scope = organization_ids_in_scope(user, "view")
    return is_active_user(user) and (scope is None or set(notification.details.get("organizations", [])) <= scope)


# --- a change group becomes notifications ---------------------------------------------------------

class Entry:
    def __init__(self, model, row):
        self.model = model
        self.object_id = row["id"]
        path = WATCHED_MODELS[model][0]
        self.organization_id = row[path] if path else None
        self.action = row["history_type"]
        self.user_id = row["history_user_id"]
        self.actor_name = row["actor_name"]
        self.source = row["change_source"]


def group_entries(group):
    entries = []
    for model, (path, _column) in WATCHED_MODELS.items():
        columns = {"id", "history_type", "history_user_id", "actor_name", "change_source"} | ({path} if path else set())
        entries += [Entry(model, row) for row in model.history.filter(change_group=group).values(*columns)]
    return entries


@receiver(change_group_closed)
def notify_after_commit(sender, group, user, **kwargs):
    transaction.on_commit(lambda: notify_change_group(group, user), robust=True)


def notify_change_group(group, actor=None):
    """One notification per watching user (the actor excepted) of the group's entries they watch and may see."""
    entries = group_entries(group)
    if not entries:
        return []
    created = []
    for user in candidate_users(entries):
        if actor is not None and user.pk == actor.pk:
            continue
        organizations, records = watched_by(user)
        seen = [entry for entry in entries if may_see(user, entry) and (
            entry.organization_id in organizations
            or entry.object_id in records.get(WATCHED_MODELS[entry.model][1], ()))]
        if seen:
            created.append(create_change_notification(user, group, seen))
    return created


def change_text(entries):
    first = entries[0]
    counts = Counter((entry.model._meta.verbose_name, entry.action) for entry in entries)
    what = "、".join(gettext("%(model)s: %(count)s %(action)s") % {
        "model": model_name, "count": count, "action": ACTION_LABELS[action]}
        for (model_name, action), count in sorted(counts.items(), key=lambda item: str(item[0])))
    return gettext("%(actor)s (%(source)s): %(what)s") % {
        "actor": actor_label(first.actor_name) or gettext("system"), "source": Source(first.source or Source.COMMAND).label,
        "what": what}


def create_change_notification(user, group, entries):
    with translation.override(settings.LANGUAGE_CODE):
        text = change_text(entries)
    organizations = sorted({e.organization_id for e in entries if e.organization_id})
    notification, created = Notification.objects.get_or_create(
        user=user, change_group=group,
        defaults={"kind": Notification.Kind.CHANGE, "text": text[:500], "link": f"{reverse('registry:history')}?group={group}",
                  "details": {"organizations": organizations, "entries": len(entries)}})
    if created:
        send_if_immediate(notification)
    return notification


def notify_clerks(organization_id, text, link):
    """A notice about the survey round to the clerks of one organization (the one acting excepted: the page they
    land on tells them)."""
    from registry.core.history.context import current_context

    context = current_context()
    actor = context.user if context is not None else None
    clerks = get_user_model().objects.filter(is_active=True, memberships__organization_id=organization_id,
                                             groups__name=Role.GROUP_NAMES[Role.CLERK]).distinct()
    created = []
    for user in clerks:
        if actor is not None and user.pk == actor.pk:
            continue
        notification = Notification.objects.create(
            user=user, kind=Notification.Kind.CHANGE, text=text[:500], link=link,
            details={"organizations": [organization_id]})
        send_if_immediate(notification)
        created.append(notification)
    return created


# --- reminders ------------------------------------------------------------------------------------

def reminder_lead(days_ahead):
    return next((name for limit, name in REMINDER_LEADS if days_ahead <= limit), None)


def remind(today=None):
    """Notifications of anniversaries and endings of watched ties 12 and 3 months ahead; each one once."""
    today = today or timezone.localdate()
    created = []
    for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
        organizations, records = watched_by(user)
        if not organizations and not records.get("agreement"):
            continue
        for event in coming_up(user, today, kinds=(ANNIVERSARY, ENDING), ending_days=366):
            lead = reminder_lead((max(event.date, today) - today).days)
            watched = (event.organization is not None and event.organization.pk in organizations) or (
                event.agreement_id in records.get("agreement", ()))
            if lead and watched and event.agreement_id:
                created += create_reminder(user, event, lead)
    return created


def create_reminder(user, event, lead):
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext("Reminder: %(title)s on %(date)s") % {"title": event.title, "date": event.date_display}
    notification, made = Notification.objects.get_or_create(
        user=user, reminder_key=f"{event.uid}:{lead}",
        defaults={"kind": Notification.Kind.REMINDER, "text": text[:500], "link": event.link,
                  "details": {"organizations": [event.organization.pk] if event.organization else []}})
    if made:
        send_if_immediate(notification)
        return [notification]
    return []


# --- e-mail ---------------------------------------------------------------------------------------

def email_mode(user):
    found = NotificationSettings.objects.filter(user=user).values_list("email_mode", flat=True).first()
    return found or NotificationSettings.EmailMode.DIGEST


def site_link(path):
    return (settings.SITE_URL.rstrip("/") + path) if path else ""


def message_for(user, notifications, subject):
    body = "\n\n".join(f"・{n.text}\n  {site_link(n.link)}".rstrip() for n in notifications)
    footer = gettext("Notification settings: %(url)s") % {"url": site_link(reverse("registry:notification_settings"))}
    return EmailMessage(SUBJECT_PREFIX + subject, f"{body}\n\n{footer}\n", to=[user.email])


def mark_emailed(notifications):
    now = timezone.now()
    for notification in notifications:  # a handful per user and day: one save each keeps the guard simple
        notification.emailed_at = now
        notification.save(update_fields=["emailed_at"])


def send_if_immediate(notification):
    user = notification.user
    if email_mode(user) != NotificationSettings.EmailMode.IMMEDIATE or not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = message_for(user, [notification], notification.text[:60])
    get_connection().send_messages([message])
    mark_emailed([notification])


def send_digests():
    """One e-mail per digest user with the notifications not yet e-mailed that they may still see."""
    pending = Notification.objects.filter(emailed_at__isnull=True).select_related("user").order_by("user", "created_at")
    by_user = defaultdict(list)
    for notification in pending:
        by_user[notification.user].append(notification)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for user, notifications in by_user.items():
            if email_mode(user) != NotificationSettings.EmailMode.DIGEST or not user.email:
                continue
            visible = [n for n in notifications if still_visible(user, n)]
            if visible:
                subject = gettext("%(count)s notifications") % {"count": len(visible)}
                messages.append((message_for(user, visible, subject), visible))
    for message, notifications in messages:
        with transaction.atomic():
            mark_emailed(notifications)
            get_connection().send_messages([message])
    return len(messages)


def run_daily(today=None):
    """The daily task: reminders first (so a digest user gets them today), then the digests. Safe to run again."""
    reminders = remind(today)
    mails = send_digests()
    return len(reminders), mails


def visible_notifications(user):
    return [n for n in Notification.objects.filter(user=user)[:200] if still_visible(user, n)]


UNREAD_COUNTED = 99  # the header counts this many unread at the most (「99+」 beyond): every page asks


def unread_count(user):
    """The header's count: a number, or 「99+」 when more are unread (only the newest are read, every page)."""
    if not is_active_user(user):
        return 0
    newest = Notification.objects.filter(user=user, read_at__isnull=True).only("details").order_by("-pk")
    count = sum(1 for n in newest[:UNREAD_COUNTED + 1] if still_visible(user, n))
    return f"{UNREAD_COUNTED}+" if count > UNREAD_COUNTED else count
