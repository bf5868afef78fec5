"""Middleware below the apps."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse


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


# Longer query strings are refused (414), as proxies in front commonly do (nginx's default request
# line buffer is 8 KB); twice that, so a pasted abstract still reaches search.
MAX_QUERY_STRING_BYTES = 16384


class QueryStringLimitMiddleware:
    """Refuse over-long query strings with 414 and a message (JSON on the APIs, in each one's error shape)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING_BYTES:
            return api_error_or_text(request, 414, f"the query string is longer than {MAX_QUERY_STRING_BYTES} bytes")
        return self.get_response(request)


def api_error_or_text(request, status: int, message: str) -> HttpResponse:
    """An error in the shape the path's clients read: the native API's ``{"detail"}``, the
    Hugging Face–compatible API's ``{"error"}``, plain text elsewhere."""
    if request.path.startswith("/api/v1/"):
        return JsonResponse({"detail": message}, status=status)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(message[:1].upper() + message[1:] + ".\n", status=status, content_type="text/plain; charset=utf-8")
