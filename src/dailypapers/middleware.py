"""Middleware below the apps."""

from __future__ import annotations


class HeadAsGetMiddleware:
    """Answer HEAD wherever GET is answered: monitors and link checkers send HEAD, and views declared
    GET-only (``require_GET``, the API routers) would answer 405. The request runs as a GET; the
    response keeps its status and headers (Content-Length of the GET body included) and drops the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        request.method = "HEAD"
        if response.streaming:
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response



class ContentSecurityPolicyMiddleware:
    """Send DAILYPAPERS_CONTENT_SECURITY_POLICY (empty: none) on every response that has none."""

    def __init__(self, get_response):
        from django.conf import settings

        self.policy = settings.DAILYPAPERS_CONTENT_SECURITY_POLICY
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
