"""Sessions that end after SESSION_COOKIE_AGE of inactivity without a database write on every page.

Django's ``SESSION_SAVE_EVERY_REQUEST`` writes the session row on every request,
so on SQLite every page view competes with editors for the write lock. Here a
request writes the session only when its expiry has not been pushed forward
for ``SESSION_REFRESH_INTERVAL`` seconds: inactivity still ends a session after
SESSION_COOKIE_AGE (give or take the interval), and reading costs no write.
"""
import datetime

from django.conf import settings
from django.contrib.sessions.backends import db
from django.utils import timezone


class SessionStore(db.SessionStore):
    """The database session store, remembering when the stored row expires."""

    stored_expiry = None

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.stored_expiry = row.expire_date if row is not None else None
        return row


class SessionRefreshMiddleware:
    """Mark the session for saving when its stored expiry is more than the refresh interval old."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        expiry = getattr(session, "stored_expiry", None)
        if expiry is not None and not session.modified:
            full = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
            if full - expiry > datetime.timedelta(seconds=settings.SESSION_REFRESH_INTERVAL):
                session.modified = True
        return response
