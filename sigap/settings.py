"""Settings come from the environment (SIGAP_*), with safe local defaults.

`make run` needs none of them: it uses SQLite under ./var and DEBUG on.
Production sets SIGAP_DATABASE_URL, SIGAP_SECRET_KEY (or SIGAP_SECRET_KEY_FILE)
and SIGAP_ALLOWED_HOSTS.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("SIGAP_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str = "False") -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (systemd credentials, docker secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def _dev_secret_key() -> str:
    # Only for DEBUG: a random key kept beside the SQLite file, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = envbool("SIGAP_DEBUG")
# Without a key Django refuses to start a request, with a message naming SECRET_KEY.
SECRET_KEY = envsecret("SIGAP_SECRET_KEY") or (_dev_secret_key() if DEBUG else "")

ALLOWED_HOSTS = os.getenv("SIGAP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("SIGAP_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.getenv("SIGAP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PUBLIC_URL = os.getenv("SIGAP_PUBLIC_URL", SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Two-step verification (TOTP devices); before sigap.people, whose admin replaces theirs.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sigap.people",
    "sigap.agencies",
    "sigap.sop",
    "sigap.platforms",
    "sigap.cases",
    "sigap.recaps",
    "sigap.triage",
    "ninja",
    "sigap.ops",
    "sigap.public",
    "sigap.api",
    "sigap.open311",
    "sigap.connectors",
    "sigap.fakeplatform",
]

MIDDLEWARE = [
    # First: a lost database anywhere below answers 503 + Retry-After, not 500 (sigap.ops.middleware).
    "sigap.ops.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "sigap.people.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sigap.people.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sigap.people.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sigap.urls"
WSGI_APPLICATION = "sigap.wsgi.application"

# Drop-down lists written in Python, the rest by Django's templates (sigap/lib/renderer.py).
FORM_RENDERER = "sigap.lib.renderer.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sigap" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sigap.people.context.staff",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("SIGAP_DATABASE_URL", f"sqlite:///{VAR_DIR / 'sigap.sqlite3'}"),
        conn_max_age=envint("SIGAP_DB_CONN_MAX_AGE", "0"),
        # With persistent connections, one that died (a restarted server) is replaced before use.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # JIT compiling pays off for long reports, not for pages: with a million complaints a misestimated
    # join spent 0.6 s compiling a query that then read no row (make bench-scale).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server and the worker read while the other writes;
    # IMMEDIATE makes a writer take the lock up front instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sigap" / "locale"]
USE_I18N = True
USE_TZ = True  # stored in UTC
TIME_ZONE = "Asia/Jakarta"  # shown in Western Indonesian Time

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("SIGAP_STATIC_ROOT", BASE_DIR / "staticfiles"))
# The staff pages' stylesheet and icon live in sigap/static (the package itself is not an app).
STATICFILES_DIRS = [BASE_DIR / "sigap" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.getenv("SIGAP_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: attachments are checked by content in sigap.cases.attachments.
SIGAP_MAX_ATTACHMENT_BYTES = envint("SIGAP_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("SIGAP_MAX_BODY_BYTES", str(2 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.getenv("SIGAP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("SIGAP_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("SIGAP_EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("SIGAP_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("SIGAP_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("SIGAP_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.getenv("SIGAP_DEFAULT_FROM_EMAIL", "sigap@localhost")

# The tracking number (nomor lacak) prefix, e.g. SKA-7K3M-9QX4.
SIGAP_TRACKING_PREFIX = os.getenv("SIGAP_TRACKING_PREFIX", "SKA")
# Office hours for "working day" standards: weekdays (Mon=0) and local times.
SIGAP_OFFICE_DAYS = os.getenv("SIGAP_OFFICE_DAYS", "0,1,2,3,4")
SIGAP_OFFICE_HOURS = os.getenv("SIGAP_OFFICE_HOURS", "07:30-16:00")
SIGAP_WORKER_SLEEP = float(os.getenv("SIGAP_WORKER_SLEEP", "2"))

# Platforms (channels). Secrets from the environment or *_FILE; API URLs default to the real
# platforms and are pointed at `sigap fakeplatform` for demos and tests.
SIGAP_PLATFORMS = {
    "meta": {
        "secret": envsecret("SIGAP_META_APP_SECRET"),
        "verify_token": envsecret("SIGAP_META_VERIFY_TOKEN"),
        "api_url": os.getenv("SIGAP_META_GRAPH_URL", ""),
    },
    "x": {"secret": envsecret("SIGAP_X_CONSUMER_SECRET"), "api_url": os.getenv("SIGAP_X_API_URL", "")},
    "tiktok": {"secret": envsecret("SIGAP_TIKTOK_APP_SECRET"), "api_url": os.getenv("SIGAP_TIKTOK_API_URL", "")},
    "telegram": {
        "secret": envsecret("SIGAP_TELEGRAM_SECRET_TOKEN"),
        "api_url": os.getenv("SIGAP_TELEGRAM_API_URL", ""),
    },
    "youtube": {"secret": "", "api_url": os.getenv("SIGAP_YOUTUBE_API_URL", "")},
}
SIGAP_MAX_WEBHOOK_BYTES = envint("SIGAP_MAX_WEBHOOK_BYTES", str(2 * 1024 * 1024))
SIGAP_REPLY_LEASE_SECONDS = envint("SIGAP_REPLY_LEASE_SECONDS", "300")

# Public side and interoperability (sigap.public, sigap.api, sigap.open311, sigap.ops).
# Rate-limit counters have their own table (sigap.ops.ratelimit); the cache stays a database
# table so that anything kept in it is shared by every web process. `sigap migrate` creates it
# (sigap/ops/migrations/0002_cache_table.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sigap_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use REMOTE_ADDR).
SIGAP_PROXY_COUNT = envint("SIGAP_PROXY_COUNT", "0")
# The citizen may ask to reopen an answered complaint for this many days after the answer is posted.
SIGAP_REOPEN_DAYS = envint("SIGAP_REOPEN_DAYS", "7")
# "requests/seconds" per client address.
SIGAP_TRACK_RATE_LIMIT = os.getenv("SIGAP_TRACK_RATE_LIMIT", "30/600")
SIGAP_API_RATE_LIMIT = os.getenv("SIGAP_API_RATE_LIMIT", "1200/600")
SIGAP_AUTH_FAILURE_RATE_LIMIT = os.getenv("SIGAP_AUTH_FAILURE_RATE_LIMIT", "20/600")
SIGAP_OPEN311_RATE_LIMIT = os.getenv("SIGAP_OPEN311_RATE_LIMIT", "300/600")
SIGAP_API_MAX_BODY_BYTES = envint("SIGAP_API_MAX_BODY_BYTES", str(256 * 1024))
SIGAP_OPEN311_JURISDICTION = os.getenv("SIGAP_OPEN311_JURISDICTION", "surakarta.go.id")
SIGAP_OPEN311_CONTACT = os.getenv("SIGAP_OPEN311_CONTACT", "Diskominfo SP Kota Surakarta, diskominfosp@surakarta.go.id")
# /metrics: a Prometheus scraper sends "Authorization: Bearer <this>"; staff may look when logged in.
SIGAP_METRICS_TOKEN = envsecret("SIGAP_METRICS_TOKEN")
# /healthz calls a worker stale when its last heartbeat is older than this.
SIGAP_WORKER_STALE_SECONDS = envint("SIGAP_WORKER_STALE_SECONDS", "120")

# Security (sigap.people; README "## Security"). SIGAP_HTTPS: the site is served over HTTPS, the
# default in production: secure cookies, HSTS and a redirect from http://. Behind a proxy that ends
# TLS, SIGAP_PROXY_SSL_HEADER names the header the proxy sets (X-Forwarded-Proto), else every
# request looks like http:// and the redirect would loop.
SIGAP_HTTPS = envbool("SIGAP_HTTPS", "False" if DEBUG else "True")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SIGAP_HTTPS
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
# Lax, not Strict: the link in an overdue e-mail must open its page logged in.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# An office day: people log in each morning, and a session left open on a shared PC ends by night.
SESSION_COOKIE_AGE = envint("SIGAP_SESSION_HOURS", "10") * 3600
SECURE_SSL_REDIRECT = envbool("SIGAP_SSL_REDIRECT", str(SIGAP_HTTPS))
if os.getenv("SIGAP_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + os.environ["SIGAP_PROXY_SSL_HEADER"].upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = envint("SIGAP_HSTS_SECONDS", "31536000" if SIGAP_HTTPS else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SIGAP_HSTS_INCLUDE_SUBDOMAINS", "True")
SECURE_HSTS_PRELOAD = envbool("SIGAP_HSTS_PRELOAD")
# Django's deploy checks for DEBUG and the secret key are replaced by sigap.E001 and sigap.E002, which
# name the SIGAP_ variables (sigap/platforms/checks.py). Joining the browsers' HSTS preload list is the
# city's decision for its whole domain, not a default: its check waits until SIGAP_HSTS_PRELOAD says yes.
SILENCED_SYSTEM_CHECKS = ["security.W018", "security.W009"] + ([] if SECURE_HSTS_PRELOAD else ["security.W021"])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by sigap.people.middleware.SecurityHeadersMiddleware. No page has inline script or style
# (not even a style="" attribute), so the policy needs no 'unsafe-inline'; data: images are for
# the admin's and the API docs' stylesheets.
SIGAP_CSP = os.getenv(
    "SIGAP_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
SIGAP_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Login throttling, "attempts/seconds": failed passwords per username and client address, failed
# passwords per address over all usernames (password spraying), and wrong codes per user.
SIGAP_LOGIN_RATE_LIMIT = os.getenv("SIGAP_LOGIN_RATE_LIMIT", "5/900")
# The per-address limit is higher than one person's: a whole office may share one public address.
SIGAP_LOGIN_IP_RATE_LIMIT = os.getenv("SIGAP_LOGIN_IP_RATE_LIMIT", "50/900")
SIGAP_LOGIN_CODE_RATE_LIMIT = os.getenv("SIGAP_LOGIN_CODE_RATE_LIMIT", "5/900")
# Two-step verification (TOTP, django-otp): administrators must set it up before using any page.
SIGAP_ADMIN_2FA = envbool("SIGAP_ADMIN_2FA", "True")
OTP_TOTP_ISSUER = os.getenv("SIGAP_OTP_ISSUER", "Sigap Surakarta")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("SIGAP_LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# Recaps (SOP step 6) and their archive (step 7): sigap.recaps.
# The letterhead (kop surat) of the recap PDF; the defaults are Diskominfo SP Surakarta's, as on the SOP.
SIGAP_LETTERHEAD_GOVERNMENT = os.getenv("SIGAP_LETTERHEAD_GOVERNMENT", "PEMERINTAH KOTA SURAKARTA")
SIGAP_LETTERHEAD_AGENCY = os.getenv(
    "SIGAP_LETTERHEAD_AGENCY", "DINAS KOMUNIKASI, INFORMATIKA, STATISTIK DAN PERSANDIAN"
)
SIGAP_LETTERHEAD_ADDRESS = os.getenv(
    "SIGAP_LETTERHEAD_ADDRESS", "Jalan Jenderal Sudirman No. 2 Surakarta 57133, Telp. (0271) 2931667"
)
SIGAP_LETTERHEAD_CONTACT = os.getenv(
    "SIGAP_LETTERHEAD_CONTACT", "Email: diskominfosp@surakarta.go.id, Website: diskominfosp.surakarta.go.id"
)
SIGAP_LETTERHEAD_LOGO = os.getenv("SIGAP_LETTERHEAD_LOGO", "")  # a PNG or JPEG file; none by default
# An answer later than this many hours counts as late: the city's own 2×24 jam.
SIGAP_RECAP_LATE_HOURS = envint("SIGAP_RECAP_LATE_HOURS", "48")
# The PDF lists at most this many rows (the XLSX and CSV always list all of them).
SIGAP_RECAP_PDF_MAX_ROWS = envint("SIGAP_RECAP_PDF_MAX_ROWS", "500")
# Archived recap files are kept this many days after their period ends, then `sigap archive prune`
# removes the files (the register entries and their hashes stay). 0 keeps them forever.
SIGAP_ARCHIVE_RETENTION_DAYS = envint("SIGAP_ARCHIVE_RETENTION_DAYS", "1825")

# Audit and privacy (sigap.ops.audit, sigap.ops.privacy). The worker seals new events into the
# hash chain this many at a time. A finished complaint's personal data is replaced by pseudonyms
# this many days after it was closed or its answer posted (0: never). Pseudonyms are a keyed HMAC,
# so one person keeps one pseudonym: keep SIGAP_PSEUDONYM_KEY stable and out of backups (by
# default it is derived from SECRET_KEY, so rotating that key changes the pseudonyms made after).
SIGAP_AUDIT_SEAL_BATCH = envint("SIGAP_AUDIT_SEAL_BATCH", "500")
SIGAP_PSEUDONYMISE_AFTER_DAYS = envint("SIGAP_PSEUDONYMISE_AFTER_DAYS", "365")
SIGAP_PSEUDONYM_KEY = envsecret("SIGAP_PSEUDONYM_KEY")

# Triage and routing (sigap.triage). A message is decided by the model when the model's confidence
# reaches the threshold; below it, the message waits in the triage queue for a person. On the demo's
# simulated messages the shipped model decides 80 % itself at 0.5, opening about 3 % of its
# complaints for non-complaints and leaving about 3 % of complaints unopened; at 0.6, 68 %, 2 %, 2 %.
SIGAP_TRIAGE_THRESHOLD = float(os.getenv("SIGAP_TRIAGE_THRESHOLD", "0.5"))
# Where `sigap train` keeps the deployment's own models (triage.joblib, routing.joblib). Without
# them the shipped triage model and the categories' keyword rules are used.
SIGAP_MODEL_DIR = Path(os.getenv("SIGAP_MODEL_DIR", VAR_DIR / "models"))

try:
    from sigap.local_settings import *  # noqa: F401,F403
except ImportError:
    pass
