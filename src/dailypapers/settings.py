"""Settings for Daily Papers.

Everything an operator changes comes from environment variables (see README, "Configuration").
The embedded default keeps all state in one data directory, so two instances with different
``DAILYPAPERS_DATA_DIR`` never share anything.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dailypapers.lib.datadir import data_dir, secret_key
from dailypapers.lib.env import env_bool, env_float, env_int, env_list

PACKAGE_DIR = Path(__file__).resolve().parent

# Importing this module creates nothing: the data dir (private, 0700), its secret key and static dir
# are made by dailypapers.lib.datadir.prepare_data_dir(), which cli and wsgi call before Django starts.
DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("DAILYPAPERS_DEBUG", False)
ALLOWED_HOSTS = env_list("DAILYPAPERS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DAILYPAPERS_CSRF_TRUSTED_ORIGINS")
SITE_NAME = os.environ.get("DAILYPAPERS_SITE_NAME", "Daily Papers")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "dailypapers.throttle",
    "dailypapers.papers",
    "dailypapers.scheduling",
    "dailypapers.ingest",
    "dailypapers.accounts",
    "dailypapers.search",
    "dailypapers.community",
    "dailypapers.enrichment",
    "dailypapers.discovery",
    "dailypapers.digests",
    "dailypapers.api",
    "dailypapers.ops",
    # Only for its static files: with "ninja" installed, /api/v1/docs serves the Swagger UI it ships
    # (pinned to the installed django-ninja) from this site instead of a CDN, so the docs work offline.
    "ninja",
]

MIDDLEWARE = [
    # First: the request id, access log line and metrics cover everything below; probes (/healthz,
    # /readyz, /metrics) are answered before host checks and https redirects (dailypapers.ops).
    "dailypapers.ops.middleware.RequestObservationMiddleware",
    "dailypapers.ops.middleware.ProbeMiddleware",
    "dailypapers.lib.middleware.HttpMethodsMiddleware",  # above the JSON errors: its CORS header stays on them
    "dailypapers.lib.middleware.ApiJsonErrorsMiddleware",
    "dailypapers.lib.middleware.QueryStringLimitMiddleware",
    "dailypapers.lib.middleware.HeadAsGetMiddleware",
    "dailypapers.lib.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (which serves its own precompressed files). Django's gzip pads each response
    # (Heal The Breach) and CSRF tokens are masked per response, against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dailypapers.lib.middleware.NulCharactersMiddleware",
    # Last: a cache hit skips only the view; everything above still runs (CSRF cookie, headers).
    "dailypapers.lib.pagecache.middleware.PageCacheMiddleware",
]

ROOT_URLCONF = "dailypapers.urls"
WSGI_APPLICATION = "dailypapers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dailypapers.papers.context_processors.site",
                "dailypapers.lib.pagecache.middleware.csrf_placeholder",
            ],
            # {% card_flag %} and {% member_part %}: the personal parts of cached pages.
            "libraries": {"pagecache": "dailypapers.lib.pagecache.tags"},
        },
    },
]

# Database: SQLite (WAL) in the data dir unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'dailypapers.sqlite3'}",
        conn_max_age=env_int("DAILYPAPERS_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so concurrent writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is shared by every process of one site (web processes, the worker): pages, the content
# version that invalidates them, trending rankings. Redis when DAILYPAPERS_REDIS_URL is set (needs the
# `redis` package); else its own SQLite file in the data dir (dailypapers.lib.sqlite_cache). Either fails
# soft: a store error (a full disk, Redis gone) is a miss, reported by /healthz (lib.tolerant_cache).
DAILYPAPERS_REDIS_URL = os.environ.get("DAILYPAPERS_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "dailypapers.lib.tolerant_cache.TolerantRedisCache", "LOCATION": DAILYPAPERS_REDIS_URL}
    if DAILYPAPERS_REDIS_URL
    else {
        "BACKEND": "dailypapers.lib.sqlite_cache.SQLiteCache",
        "LOCATION": str(DATA_DIR / "cache.sqlite3"),
        "OPTIONS": {"MAX_ENTRIES": env_int("DAILYPAPERS_CACHE_MAX_ENTRIES", 20000)},
    }
}
# Anonymous pages, read APIs and feeds are served from the cache (dailypapers.lib.pagecache), keyed by the
# content version, which every vote, entry, comment and import bumps; the TTL only bounds what ages by
# the clock alone (trending scores, which day is "today").
DAILYPAPERS_PAGE_CACHE = env_bool("DAILYPAPERS_PAGE_CACHE", True)
DAILYPAPERS_PAGE_CACHE_SECONDS = env_int("DAILYPAPERS_PAGE_CACHE_SECONDS", 60)
# Cache-Control max-age of anonymous responses that carry no CSRF token (feeds, APIs): 0 makes shared
# caches revalidate each time (a 304 when nothing changed), so no one sees a stale vote.
DAILYPAPERS_PUBLIC_MAX_AGE = env_int("DAILYPAPERS_PUBLIC_MAX_AGE", 0)

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth). Members log in with username or email. Verification is offered but
# not yet required; set DAILYPAPERS_EMAIL_VERIFICATION=mandatory once SMTP is configured.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("DAILYPAPERS_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/h/ip"}
# Its limits count the client by the site's own address rule (DAILYPAPERS_TRUSTED_PROXIES), not the proxy's.
ACCOUNT_ADAPTER = "dailypapers.accounts.adapter.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# Email: SMTP when DAILYPAPERS_EMAIL_HOST is set, else files in the data dir (nothing leaves the machine).
EMAIL_HOST = os.environ.get("DAILYPAPERS_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("DAILYPAPERS_EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("DAILYPAPERS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("DAILYPAPERS_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DAILYPAPERS_EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("DAILYPAPERS_EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("DAILYPAPERS_EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "sent-mail"
DEFAULT_FROM_EMAIL = os.environ.get("DAILYPAPERS_FROM_EMAIL", "Daily Papers <papers@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks: the ORM queue, run by `dailypapers worker` (and by `dailypapers serve`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DAILYPAPERS_TIME_ZONE", "UTC")
USE_I18N = True
# The site's words for allauth's pages ("Log in", not "Sign In"): locale/en/LC_MESSAGES/django.po.
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"  # `collectstatic` fills it for deployments (made by prepare_data_dir)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app dirs too, so `serve` works before/without collectstatic.
WHITENOISE_USE_FINDERS = True
# Members' uploads (avatars) go through default_storage: files here in the private data dir by
# default, served by the app itself (accounts.views.avatar) with the type they were validated as.
MEDIA_ROOT = Path(os.environ.get("DAILYPAPERS_MEDIA_ROOT") or DATA_DIR / "media").resolve()
MEDIA_URL = "/media/"

# Sessions read through the shared cache, written through to the database: a member served a
# cached page otherwise paid an ORM session query on every request (about a third of the 100k
# site's member day page on a hit). Logouts delete both copies; a culled cache entry falls back to
# the database row.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DAILYPAPERS_SECURE_COOKIES", False)
# Behind a TLS proxy (README, "Configuration"): redirect http to https, HSTS, and the header the
# proxy sets to say the request came over https (e.g. HTTP_X_FORWARDED_PROTO; only when the proxy
# overwrites it, else clients could claim https).
SECURE_SSL_REDIRECT = env_bool("DAILYPAPERS_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DAILYPAPERS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DAILYPAPERS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DAILYPAPERS_HSTS_PRELOAD", False)
if os.environ.get("DAILYPAPERS_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["DAILYPAPERS_PROXY_SSL_HEADER"], "https")
# Content-Security-Policy on every response (dailypapers.lib.middleware): scripts only from this site
# (htmx and the API docs' Swagger UI are served from it), no plugins, no framing, forms post here.
# Inline style attributes stay allowed (Swagger UI sets them; they run no code).
DAILYPAPERS_CONTENT_SECURITY_POLICY = os.environ.get(
    "DAILYPAPERS_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

# Papers
# How far back a member may submit a paper to a day's page.
DAILYPAPERS_SUBMISSION_WINDOW_DAYS = env_int("DAILYPAPERS_SUBMISSION_WINDOW_DAYS", 14)
# Trending: score = upvotes / (age_hours + TRENDING_AGE_OFFSET) ** TRENDING_GRAVITY over the last N days.
DAILYPAPERS_TRENDING_GRAVITY = env_float("DAILYPAPERS_TRENDING_GRAVITY", 1.5)
DAILYPAPERS_TRENDING_AGE_OFFSET_HOURS = env_float("DAILYPAPERS_TRENDING_AGE_OFFSET_HOURS", 2)
DAILYPAPERS_TRENDING_WINDOW_DAYS = env_int("DAILYPAPERS_TRENDING_WINDOW_DAYS", 14)
# Member writes (upvotes, submissions): at most this many per minute per member.
DAILYPAPERS_WRITE_RATE_PER_MINUTE = env_int("DAILYPAPERS_WRITE_RATE_PER_MINUTE", 60)
# Mentions: the first this many distinct @names of a comment link (and notify) when they are
# members; later ones stay text. Replies and mentions one member can cause: at most this many an hour
# (past it, comments still post; nobody more is notified until the hour ends).
DAILYPAPERS_MENTIONS_PER_COMMENT = env_int("DAILYPAPERS_MENTIONS_PER_COMMENT", 10)
DAILYPAPERS_NOTIFICATIONS_PER_HOUR = env_int("DAILYPAPERS_NOTIFICATIONS_PER_HOUR", 60)
# Author claims and profile edits: at most this many per minute per member.
DAILYPAPERS_CLAIM_RATE_PER_MINUTE = env_int("DAILYPAPERS_CLAIM_RATE_PER_MINUTE", 10)
# Collections: at most this many per member, and this many papers in one collection.
DAILYPAPERS_MAX_COLLECTIONS = env_int("DAILYPAPERS_MAX_COLLECTIONS", 100)
DAILYPAPERS_MAX_COLLECTION_ITEMS = env_int("DAILYPAPERS_MAX_COLLECTION_ITEMS", 1000)

# Absolute links in mail (and the Sites record account mails name): the address readers reach the
# site at. `dailypapers serve` defaults it from its own --host/--port (cli.default_base_url), so the
# worker it starts mails links to the port actually served; web pages build links from the request.
# A process without it (a CLI command in another shell, a worker started alone) uses the address
# `serve` recorded in the Sites record: one rule for every mail, lib/siteurl.py.
DAILYPAPERS_BASE_URL = os.environ.get("DAILYPAPERS_BASE_URL", "").rstrip("/")

# Digests (README, "Email digests"). Sent by the worker at DIGEST_HOUR:DIGEST_MINUTE (TIME_ZONE);
# the weekly one on DIGEST_WEEKDAY (0 = Monday) for the week before.
DAILYPAPERS_DIGEST_ENABLED = env_bool("DAILYPAPERS_DIGEST_ENABLED", True)
DAILYPAPERS_DIGEST_HOUR = env_int("DAILYPAPERS_DIGEST_HOUR", 7)
DAILYPAPERS_DIGEST_MINUTE = env_int("DAILYPAPERS_DIGEST_MINUTE", 0)
DAILYPAPERS_DIGEST_WEEKDAY = env_int("DAILYPAPERS_DIGEST_WEEKDAY", 0)
DAILYPAPERS_DIGEST_TOP_N = env_int("DAILYPAPERS_DIGEST_TOP_N", 10)
DAILYPAPERS_DIGEST_PERSONAL_N = env_int("DAILYPAPERS_DIGEST_PERSONAL_N", 3)
# "For you" ranks the papers published in this many days before the newest one (discovery.ranking).
DAILYPAPERS_FOR_YOU_DAYS = env_int("DAILYPAPERS_FOR_YOU_DAYS", 30)
DAILYPAPERS_DIGEST_CONFIRM_MAX_AGE_HOURS = env_int("DAILYPAPERS_DIGEST_CONFIRM_MAX_AGE_HOURS", 72)
DAILYPAPERS_DIGEST_VIEW_MAX_AGE_DAYS = env_int("DAILYPAPERS_DIGEST_VIEW_MAX_AGE_DAYS", 30)
DAILYPAPERS_DIGEST_CONFIRM_RESEND_SECONDS = env_int("DAILYPAPERS_DIGEST_CONFIRM_RESEND_SECONDS", 600)
DAILYPAPERS_DIGEST_SUBSCRIBE_PER_MINUTE = env_int("DAILYPAPERS_DIGEST_SUBSCRIBE_PER_MINUTE", 5)
DAILYPAPERS_DIGEST_MAX_ATTEMPTS = env_int("DAILYPAPERS_DIGEST_MAX_ATTEMPTS", 6)
DAILYPAPERS_DIGEST_RETRY_BASE_SECONDS = env_float("DAILYPAPERS_DIGEST_RETRY_BASE_SECONDS", 60)
DAILYPAPERS_DIGEST_RETRY_MAX_SECONDS = env_float("DAILYPAPERS_DIGEST_RETRY_MAX_SECONDS", 21600)
# A sender's claim on outbox rows older than this is presumed dead (claims of a sender on the same
# host whose process is gone are taken back at once).
DAILYPAPERS_DIGEST_CLAIM_LEASE_SECONDS = env_int("DAILYPAPERS_DIGEST_CLAIM_LEASE_SECONDS", 900)
DAILYPAPERS_DIGEST_MESSAGE_ID_DOMAIN = os.environ.get(
    "DAILYPAPERS_DIGEST_MESSAGE_ID_DOMAIN", (DAILYPAPERS_BASE_URL or "http://127.0.0.1").split("://", 1)[-1].split("/")[0].split(":")[0]
)
# Optional mailto: for List-Unsubscribe (the HTTPS one-click link is always there).
DAILYPAPERS_DIGEST_UNSUBSCRIBE_MAILTO = os.environ.get("DAILYPAPERS_DIGEST_UNSUBSCRIBE_MAILTO", "")

# arXiv ingest (README, "Ingesting arXiv"). The daily harvest is off until sets are configured,
# e.g. DAILYPAPERS_HARVEST_SETS=cs,stat (OAI-PMH set specs); it runs at HOUR:MINUTE in TIME_ZONE.
DAILYPAPERS_HARVEST_SETS = env_list("DAILYPAPERS_HARVEST_SETS")
DAILYPAPERS_HARVEST_HOUR = env_int("DAILYPAPERS_HARVEST_HOUR", 6)
DAILYPAPERS_HARVEST_MINUTE = env_int("DAILYPAPERS_HARVEST_MINUTE", 0)
DAILYPAPERS_HARVEST_FORMAT = os.environ.get("DAILYPAPERS_HARVEST_FORMAT", "arXivRaw")
# Which daily source the harvest uses: "oai" (OAI-PMH, complete and resumable) or "rss" (arXiv's
# announcement feeds: one request a day, but only that day's announcements; README "Ingesting arXiv").
# The feeds read are DAILYPAPERS_RSS_FEEDS (e.g. cs.CL+cs.LG,stat.ML), else one per harvest set.
DAILYPAPERS_HARVEST_SOURCE = os.environ.get("DAILYPAPERS_HARVEST_SOURCE", "oai").strip().lower() or "oai"
if DAILYPAPERS_HARVEST_SOURCE not in ("oai", "rss"):
    raise ImproperlyConfigured(f"DAILYPAPERS_HARVEST_SOURCE={DAILYPAPERS_HARVEST_SOURCE!r} is not one of: oai, rss")
DAILYPAPERS_RSS_FEEDS = env_list("DAILYPAPERS_RSS_FEEDS")
DAILYPAPERS_ARXIV_RSS_URL = os.environ.get("DAILYPAPERS_ARXIV_RSS_URL", "https://rss.arxiv.org/rss")
DAILYPAPERS_ARXIV_OAI_URL = os.environ.get("DAILYPAPERS_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
DAILYPAPERS_ARXIV_API_URL = os.environ.get("DAILYPAPERS_ARXIV_API_URL", "https://export.arxiv.org/api/query")
# arXiv asks harvesters for at most one request every 3 seconds, and honours Retry-After on 503.
DAILYPAPERS_ARXIV_REQUEST_DELAY = env_float("DAILYPAPERS_ARXIV_REQUEST_DELAY", 3)
DAILYPAPERS_ARXIV_MAX_RETRIES = env_int("DAILYPAPERS_ARXIV_MAX_RETRIES", 5)
DAILYPAPERS_ARXIV_MAX_RETRY_AFTER = env_float("DAILYPAPERS_ARXIV_MAX_RETRY_AFTER", 120)
DAILYPAPERS_ARXIV_TIMEOUT = env_float("DAILYPAPERS_ARXIV_TIMEOUT", 30)
# Member submissions of papers the site lacks: fetched on the request thread only by this many at
# once per process and within this timeout; otherwise (or when arXiv is slow or down) by the worker.
DAILYPAPERS_ARXIV_SUBMIT_SLOTS = env_int("DAILYPAPERS_ARXIV_SUBMIT_SLOTS", 2)
DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT = env_float("DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT", 5)
DAILYPAPERS_ARXIV_USER_AGENT = os.environ.get(
    "DAILYPAPERS_ARXIV_USER_AGENT", "dailypapers/0.1 (self-hosted; https://github.com/dailypapers)"
)
# Thumbnails (first PDF page; README "Thumbnails"): off until the operator turns them on, since
# each one downloads a PDF from arXiv (one request per ARXIV_REQUEST_DELAY, site-wide). The worker
# renders those of the last THUMBNAIL_DAYS days' entries, at most THUMBNAILS_PER_RUN per run.
DAILYPAPERS_THUMBNAILS = env_bool("DAILYPAPERS_THUMBNAILS", False)
DAILYPAPERS_THUMBNAILS_PER_RUN = env_int("DAILYPAPERS_THUMBNAILS_PER_RUN", 200)
DAILYPAPERS_THUMBNAIL_DAYS = env_int("DAILYPAPERS_THUMBNAIL_DAYS", 3)
DAILYPAPERS_ARXIV_PDF_URL = os.environ.get("DAILYPAPERS_ARXIV_PDF_URL", "https://arxiv.org/pdf/{id}")
# Full text (README "Full text"): off until the operator turns it on, since each paper's arXiv HTML
# page is one more request (site-wide slot). The worker converts those of the last FULL_TEXT_DAYS
# days' entries, at most FULL_TEXT_PER_RUN per run; served at /papers/<id>.md and /papers/<id>/read.
DAILYPAPERS_FULL_TEXT = env_bool("DAILYPAPERS_FULL_TEXT", False)
DAILYPAPERS_FULL_TEXT_DAYS = env_int("DAILYPAPERS_FULL_TEXT_DAYS", 3)
DAILYPAPERS_FULL_TEXT_PER_RUN = env_int("DAILYPAPERS_FULL_TEXT_PER_RUN", 200)
DAILYPAPERS_ARXIV_HTML_URL = os.environ.get("DAILYPAPERS_ARXIV_HTML_URL", "https://arxiv.org/html/{id}")
# bioRxiv / medRxiv (README "bioRxiv and medRxiv"): the daily harvest of these servers' postings,
# off until named (e.g. DAILYPAPERS_BIORXIV_SERVERS=biorxiv,medrxiv), through api.biorxiv.org.
DAILYPAPERS_BIORXIV_SERVERS = env_list("DAILYPAPERS_BIORXIV_SERVERS")
DAILYPAPERS_BIORXIV_API_URL = os.environ.get("DAILYPAPERS_BIORXIV_API_URL", "https://api.biorxiv.org")
DAILYPAPERS_BIORXIV_REQUEST_DELAY = env_float("DAILYPAPERS_BIORXIV_REQUEST_DELAY", 1)
DAILYPAPERS_BIORXIV_TIMEOUT = env_float("DAILYPAPERS_BIORXIV_TIMEOUT", 30)

# Search (README, "Search"). Index files live in DATA_DIR/search. The worker embeds at most
# EMBED_PER_TASK papers per task (newest first) and, with EMBED_BACKLOG on, keeps going until all are.
# The backend: "auto" (PostgreSQL full text + pgvector on PostgreSQL, the embedded tantivy + faiss
# one otherwise), "local", "postgres", or a dotted path to a SearchBackend class.
DAILYPAPERS_SEARCH_BACKEND = os.environ.get("DAILYPAPERS_SEARCH_BACKEND", "auto")
DAILYPAPERS_EMBED_PER_TASK = env_int("DAILYPAPERS_EMBED_PER_TASK", 2000)
DAILYPAPERS_EMBED_BACKLOG = env_bool("DAILYPAPERS_EMBED_BACKLOG", True)
# Search requests (page, suggestions, API) per minute per client address.
DAILYPAPERS_SEARCH_RATE_PER_MINUTE = env_int("DAILYPAPERS_SEARCH_RATE_PER_MINUTE", 120)
# Reverse proxies in front of the site (IPs or CIDR networks, comma-separated). Only a request from
# one of them has its client taken from X-Forwarded-For (the right-most untrusted address) for limits.
DAILYPAPERS_TRUSTED_PROXIES = env_list("DAILYPAPERS_TRUSTED_PROXIES")

# Operations (docs/deploy.md). Logs are human-readable lines unless DAILYPAPERS_LOG_FORMAT=json: one
# JSON object per line (dailypapers.ops.logs), with the request id. The access log (one line per
# request, logger dailypapers.access) is on by default with JSON logs, off otherwise.
DAILYPAPERS_LOG_FORMAT = os.environ.get("DAILYPAPERS_LOG_FORMAT", "text").strip().lower()
DAILYPAPERS_ACCESS_LOG = env_bool("DAILYPAPERS_ACCESS_LOG", DAILYPAPERS_LOG_FORMAT == "json")
# /metrics answers only these networks (the direct peer, or the client behind a trusted proxy), or a
# request with `Authorization: Bearer DAILYPAPERS_METRICS_TOKEN`; anyone else gets a 404.
DAILYPAPERS_METRICS_ALLOW = env_list("DAILYPAPERS_METRICS_ALLOW", "127.0.0.0/8,::1")
DAILYPAPERS_METRICS_TOKEN = os.environ.get("DAILYPAPERS_METRICS_TOKEN", "")
# Where this host's processes leave their request counts for the scrape to sum: local disk, per host.
DAILYPAPERS_METRICS_DIR = Path(os.environ.get("DAILYPAPERS_METRICS_DIR") or DATA_DIR / "metrics")

# Uploads on several hosts: a storage every host reaches, an S3-compatible bucket when
# DAILYPAPERS_S3_BUCKET is set (needs `pip install "dailypapers[s3]"`: django-storages, boto3; not a
# dependency otherwise). docs/deploy.md, "Uploaded files".
DAILYPAPERS_S3_BUCKET = os.environ.get("DAILYPAPERS_S3_BUCKET", "")
if DAILYPAPERS_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DAILYPAPERS_S3_BUCKET,
            "endpoint_url": os.environ.get("DAILYPAPERS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DAILYPAPERS_S3_REGION") or None,
            "access_key": os.environ.get("DAILYPAPERS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("DAILYPAPERS_S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("DAILYPAPERS_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("DAILYPAPERS_S3_PREFIX", ""),
            "querystring_auth": env_bool("DAILYPAPERS_S3_SIGNED_URLS", False),
            "file_overwrite": False,
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "dailypapers.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if DAILYPAPERS_LOG_FORMAT == "json" else {})}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DAILYPAPERS_LOG_LEVEL", "WARNING")},
    "loggers": {
        "dailypapers": {"level": os.environ.get("DAILYPAPERS_LOG_LEVEL", "INFO"), "propagate": True},
        "dailypapers.access": {"level": "INFO" if DAILYPAPERS_ACCESS_LOG else "WARNING", "propagate": True},
        # JSON: Django's own lines (its default handlers write plain text) go through the root's.
        **({"django": {"handlers": [], "level": "INFO", "propagate": True}} if DAILYPAPERS_LOG_FORMAT == "json" else {}),
    },
}
