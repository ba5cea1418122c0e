"""Accounts of the people who use the registry: invitations, password reset, handover, idle accounts, second
factor, and the audit trail of every account event (``audit.record``)."""
