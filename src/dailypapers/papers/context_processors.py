from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

# How long a "come back here" path may be, in forms that echo the page's own URL (every upvote
# button does): a 60 KB query string made a 2.3 MB page. Longer ones come back to the bare path.
MAX_RETURN_PATH = 2000


def return_path(request) -> str:
    """The page's own path and query, for forms that bring the reader back; bounded."""
    full = request.get_full_path()
    return full if len(full) <= MAX_RETURN_PATH else request.path[:MAX_RETURN_PATH]


def safe_return_path(request, candidate: str | None, default: str) -> str:
    """A posted "next" path, if it is a bounded path on this site; else ``default``."""
    if (not candidate or len(candidate) > MAX_RETURN_PATH or not candidate.startswith("/")
            or not url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})):
        return default
    return candidate


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "return_path": return_path(request)}
