"""The read-only API under /api/v1/ (Django REST framework + drf-spectacular; see docs/publishing.md)."""
