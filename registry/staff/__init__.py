"""The staff pages outside the admin: lists, filters, navigation, notifications, the change log."""
