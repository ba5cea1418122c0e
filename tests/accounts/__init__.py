"""registry/accounts: invitations, password reset, handover, two-factor sign-in, roles."""
