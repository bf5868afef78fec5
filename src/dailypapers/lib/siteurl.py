"""The one rule for the site's address in mail, whichever process sends it (issue 29).

Web pages link back to the address their request came in at; mail has no request. Every mailed
link (digests, their ``List-Unsubscribe`` header, subscription confirmations, notifications and
alerts) is ``site_url()`` + a path:

1. ``DAILYPAPERS_BASE_URL`` when this process has it (the environment, or ``dailypapers serve``'s
   own ``--host``/``--port`` when the operator set none);
2. else the address the site was last served at, as ``serve`` (or any process with
   ``DAILYPAPERS_BASE_URL``) recorded it in the Sites record at start: so ``dailypapers digests
   send`` from another shell, and a worker started on its own, link to the port actually served
   (issue 29: they linked to 8000). The record keeps a host and port; the scheme is https when
   ``DAILYPAPERS_SECURE_COOKIES`` says the site is served over HTTPS, else http;
3. else ``DEFAULT_SITE_URL``.

A process without the variable never overwrites the record (it would point every other process's
mail at port 8000).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
DJANGO_PLACEHOLDER = "example.com"  # what django.contrib.sites creates before anyone names the site


def configured_site_url() -> str:
    """This process's own DAILYPAPERS_BASE_URL ("" when it has none)."""
    return (getattr(settings, "DAILYPAPERS_BASE_URL", "") or "").rstrip("/")


def site_url() -> str:
    """The address mailed links start with (no trailing slash); see the module's rule."""
    configured = configured_site_url()
    if configured:
        return configured
    from django.contrib.sites.models import Site

    domain = Site.objects.filter(pk=settings.SITE_ID).values_list("domain", flat=True).first()
    if domain and domain != DJANGO_PLACEHOLDER:
        scheme = "https" if settings.SESSION_COOKIE_SECURE else "http"
        return f"{scheme}://{domain}"
    return DEFAULT_SITE_URL


def record_site_url(using: str = "default") -> None:
    """Keep the Sites record (the domain account mails name, and rule 2 above) in step: this
    process's DAILYPAPERS_BASE_URL when it has one; else leave a recorded address as it is; name
    Django's placeholder record after DEFAULT_SITE_URL. Run on every migrate (``serve`` and
    ``worker`` migrate at start)."""
    from django.contrib.sites.models import Site

    configured = configured_site_url()
    current = Site.objects.using(using).filter(pk=settings.SITE_ID).values_list("domain", flat=True).first()
    if configured:
        domain = urlsplit(configured).netloc or "localhost"
    elif current and current != DJANGO_PLACEHOLDER:
        domain = current
    else:
        domain = urlsplit(DEFAULT_SITE_URL).netloc
    Site.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults={"domain": domain[:100], "name": settings.SITE_NAME[:50]})
