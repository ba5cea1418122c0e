from . import agreements, bases, contractors, organizations, roles, surveys  # noqa: F401  (registers the admins)
