"""Middleware below the apps."""

from __future__ import annotations

import re
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.http.request import RawPostDataException, UnreadablePostError
from django.urls import Resolver404, resolve

from dailypapers.lib.jsonbody import BadBody, loads_object


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



# Where responses may be read by pages of any origin: the read-only endpoints (APIs, feeds, a
# paper's markdown). Writes get no CORS header, so no other site's script can make them.
CROSS_ORIGIN_READABLE = re.compile(r"^/(?:api/|feeds/|papers/[^/]+(?:/[^/]+)?\.md$)")
READ_METHODS = ("GET", "HEAD")
SERVED_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def allowed_methods(path: str) -> str:
    """The methods served under this part of the site (a resource may take fewer: its own 405 says)."""
    if path.startswith("/feeds/") or path.endswith(".md"):
        return "GET, HEAD, OPTIONS"
    if path.startswith("/api/v1/"):
        return "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
    return "GET, HEAD, OPTIONS, POST"


class HttpMethodsMiddleware:
    """The methods the site speaks, and CORS. ``OPTIONS`` on any existing URL is answered here: 204,
    ``Allow``, and on the read-only endpoints a CORS preflight that allows GET and HEAD from any
    origin (with ``Authorization``, so a page holding its own token can read the member endpoints)
    and nothing else. Any other method (``TRACE``, ``CONNECT``, WebDAV's) is a 405: before, views
    that take any method answered ``TRACE`` and ``OPTIONS`` on a feed with the whole feed. Reads of
    those endpoints carry ``Access-Control-Allow-Origin: *``; writes carry none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        method = request.method
        readable = bool(CROSS_ORIGIN_READABLE.match(request.path))
        if method == "OPTIONS":
            try:
                resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            response = HttpResponse(status=204)
            response["Allow"] = allowed_methods(request.path)
            if readable:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = "GET, HEAD"
                response["Access-Control-Allow-Headers"] = "Authorization, Accept"
                response["Access-Control-Max-Age"] = "86400"
            return response
        if method not in SERVED_METHODS:
            response = api_error_or_text(request, 405, f"method {method[:20]} is not allowed here; allowed: {allowed_methods(request.path)}")
            response["Allow"] = allowed_methods(request.path)
            return response
        response = self.get_response(request)
        if readable and method in READ_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "Link, Retry-After, ETag"
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
    """Refuse over-long query strings with 414 and a message (JSON on the APIs, in each one's error
    shape)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_string = request.META.get("QUERY_STRING", "")
        if len(query_string) > MAX_QUERY_STRING_BYTES:
            return api_error_or_text(request, 414, f"the query string is longer than {MAX_QUERY_STRING_BYTES} bytes")
        return self.get_response(request)


class NulCharactersMiddleware:
    """NUL characters in the path, the query or a submitted body's text are a 400: no valid input
    holds one (nobody types one into a search box or a comment), PostgreSQL refuses them in any text
    (a 500 there, where SQLite stored them), and one rule for every parameter and field keeps "control
    characters are a clear 400" true whichever view reads them — forms, the native API, the Hugging
    Face–compatible one. Bodies: form fields (files are not text and are not looked at) and JSON
    strings (``\\u0000``). Below the session and auth middleware, so pages get the site's own error
    page; the APIs get their JSON shapes."""

    MESSAGE = "NUL (control characters) are not allowed in the path, the query or submitted text"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_string = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query_string or "\x00" in query_string or body_has_nul(request):
            if request.path.startswith("/api/"):
                return api_error_or_text(request, 400, self.MESSAGE)
            from django.shortcuts import render

            return render(request, "error.html", {"status": 400, "message": self.MESSAGE + "."}, status=400)
        return self.get_response(request)


def body_has_nul(request) -> bool:
    """Whether a request body's text holds a NUL: a form field's name or value, or a JSON string."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return False
    try:
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in key or any("\x00" in value for value in request.POST.getlist(key)) for key in request.POST)
        body = request.body
    except (RequestDataTooBig, TooManyFieldsSent, RawPostDataException, UnreadablePostError):
        return False  # the view meets the same error and answers it in its own way (413, 400)
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:
        return False
    try:
        data = loads_object(body)
    except (BadBody, UnicodeDecodeError):
        return False  # "\\u0000" inside text that is no JSON object: the view refuses the body
    stack = [data]
    while stack:  # every key and string, iteratively (the depth is already bounded)
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def api_error_or_text(request, status: int, message: str) -> HttpResponse:
    """An error in the shape the path's clients read: the native API's ``{"detail"}``, the
    Hugging Face–compatible API's ``{"error"}``, plain text elsewhere."""
    if request.path.startswith("/api/v1/"):
        return JsonResponse({"detail": message}, status=status)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(message[:1].upper() + message[1:] + ".\n", status=status, content_type="text/plain; charset=utf-8")


class ApiJsonErrorsMiddleware:
    """API clients get JSON errors whatever answered: Django's 405 for a method a view does not take,
    a request body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), the error pages (400, 404, 500) — all of
    which are HTML or empty otherwise. Pages keep the site's own error pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and request.path.startswith("/api/")
                and not response.get("Content-Type", "").startswith("application/json")):
            message = self.describe(request, response)
            converted = api_error_or_text(request, response.status_code, message)
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            if response.has_header("Retry-After"):
                converted["Retry-After"] = response["Retry-After"]
            return converted
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig) and request.path.startswith("/api/"):
            from django.conf import settings

            return api_error_or_text(request, 413, f"the request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
        return None

    @staticmethod
    def describe(request, response) -> str:
        if response.status_code == 405:
            return f"method {request.method} is not allowed here; allowed: {response.get('Allow', 'none')}"
        if response.status_code >= 500:
            return "internal error; it has been logged"
        text = b"" if response.streaming else response.content[:300]
        plain = text.decode("utf-8", "replace").strip() if text and not text.lstrip().startswith(b"<") else ""
        return plain or HTTPStatus(response.status_code).phrase.lower()
