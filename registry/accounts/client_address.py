"""The address a request comes from: the one rule the API's throttles, the login lockout (django-axes) and the
access log share.

``X-Forwarded-For`` is trusted only as far as ``TRUSTED_PROXY_COUNT`` says (docs/security.md): each trusted
proxy appends the address it received the request from, so with N proxies the client is the N-th address from
the right; whatever a client wrote further left is its own claim and ignored. With no trusted proxy (the
default) the header is ignored and the address is the connection's (``REMOTE_ADDR``).
"""
import ipaddress
import logging
import time

from django.conf import settings

access_log = logging.getLogger("registry.access")


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if trusted <= 0 or len(hops) < trusted:  # fewer hops than trusted proxies: the leftmost may be a client's claim
        return remote
    hop = hops[-trusted]
    try:
        ipaddress.ip_address(hop)
    except ValueError:  # not an address (a proxy that passes on garbage): the connection's address instead
        return remote
    return hop


class AccessLogMiddleware:
    """One line per request on the ``registry.access`` logger (shown with ``ACCESS_LOG=1``): client, request,
    status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info('%s "%s %s" %s %.0fms', client_address(request), request.method,
                            request.get_full_path(), response.status_code, (time.monotonic() - started) * 1000)
        return response
