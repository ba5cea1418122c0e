"""Handover (引継ぎ): the outgoing clerk's memberships end on a date, the successor is invited to them.

Scheduling sets ``Membership.ends_on`` and invites the successor with the same role and organizations at once
(they may start before the date); the daily task (registry/accounts/daily.py) ends the memberships on the date.
What an organization owes a round (its bases, its answers) belongs to the organization, never to a person, so
the successor finds the open work where the outgoing clerk left it.
"""
from django.db import transaction

from registry.accounts import audit
from registry.accounts.invitations import InvitationError, invite
from registry.models import RoleChange
from registry.core.permissions import Role, forget_cached_access


@transaction.atomic
def schedule_handover(user, memberships, successor_name, successor_email, ends_on, invited_by=None):
    """End ``memberships`` (of ``user``) on ``ends_on`` and invite the successor to their organizations."""
    memberships = list(memberships)
    if not memberships:
        raise InvitationError("引き継ぐ団体を選んでください。")
    if any(m.user_id != user.pk for m in memberships):
        raise InvitationError("引き継げるのはその人の所属だけです。")
    organizations = [m.organization for m in memberships]
    invitation = invite(successor_name, successor_email, Role.CLERK, organizations, invited_by=invited_by,
                        replaces=user, handover_on=ends_on)
    for membership in memberships:
        membership.ends_on = ends_on
        membership.save(update_fields=["ends_on"])
        audit.record(user, RoleChange.Action.HANDOVER_SCHEDULED, role=Role.CLERK, organization=membership.organization,
                     detail=f"{ends_on:%Y-%m-%d} 終了、後任 {invitation.name} <{invitation.email}>")
    forget_cached_access(user)
    return invitation
