"""registry/admin: the admin's forms, pages and import screens."""
