"""Registry pages outside the admin."""
