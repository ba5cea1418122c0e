from . import agreements, bases, contractors, organizations, places, roles, surveys  # noqa: F401  (registers the admins)
