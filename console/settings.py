"""Settings for the console, read from the environment with django-environ only.

Every variable is documented in ``.env.example``. The defaults are the embedded
development set-up (SQLite, a filesystem Celery broker, the local sandbox as the
upstream); production sets ``DEBUG=false`` and the real services.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# `make run` writes its development defaults (DEBUG, PORT) here, so a manage.py command
# typed in another terminal beside it sees the same settings. Real environment wins.
if (DATA_DIR / "make-run.env").is_file():
    environ.Env.read_env(DATA_DIR / "make-run.env", overwrite=False)

# --- Core -------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-3f1c9a7e5d2b8c4a6e0f1d3b5a7c9e2f4d6b8a0c"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.gateway",
    "apps.syncs",
    # Domain apps, in the order their sync streams run (keys lists the workspaces first).
    "apps.dashboard",
    "apps.workspaces",
    "apps.keys",
    "apps.members",
    "apps.spend",
    "apps.inference",
    "apps.media",
    "apps.playground",
    "apps.catalog",
    "apps.byok",
    "apps.observability",
    "apps.presets",
    "apps.guardrails",
    "apps.sandbox",
]

MIDDLEWARE = [
    "apps.core.middleware.HealthCheckMiddleware",  # first: answers probes by address
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.CurrentOrganisationMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.organisation",
            ],
            "builtins": ["django.templatetags.static"],
        },
    }
]

# --- Databases --------------------------------------------------------------
# The sandbox keeps its rows in a database of its own, so demo/test upstream data
# never mixes with console data. Unless SANDBOX_DATABASE_URL says otherwise it sits
# beside the default database, with "_sandbox" appended to the name.
DATA_DIR.mkdir(parents=True, exist_ok=True)
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'console.sqlite3'}")}


def _sandbox_database() -> dict:
    if env.str("SANDBOX_DATABASE_URL", default=""):
        return env.db("SANDBOX_DATABASE_URL")
    config = dict(DATABASES["default"])
    name = str(config["NAME"])
    config["NAME"] = (
        name.replace(".sqlite3", "_sandbox.sqlite3")
        if name.endswith(".sqlite3")
        else f"{name}_sandbox"
    )
    return config


if SANDBOX_ENABLED:
    DATABASES["sandbox"] = _sandbox_database()

for _alias, _db in DATABASES.items():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server, the worker and beat read while one writes.
        _db.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        _db["TEST"] = {"NAME": str(DATA_DIR / f"test_{_alias}.sqlite3")}
    else:
        _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        _db.setdefault("CONN_HEALTH_CHECKS", True)

DATABASE_ROUTERS = ["apps.sandbox.routers.SandboxRouter"]

# --- Cache ------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://console")}

# --- Auth -------------------------------------------------------------------
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
# How long an approved key request's secret waits (encrypted) for its one reveal.
KEY_REVEAL_MAX_AGE_DAYS = env.int("KEY_REVEAL_MAX_AGE_DAYS", default=7)
# Where the console is reached, for links in emails sent by background tasks.
CONSOLE_URL = env.str("CONSOLE_URL", default="http://127.0.0.1:8000")

# --- Sign-in security -------------------------------------------------------
# Throttling of failed sign-ins (django-axes), session lifetimes (our middleware), TOTP
# two-factor with recovery codes and OpenID Connect single sign-on (django-allauth).
INSTALLED_APPS += [
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = [
    "apps.accounts.middleware.SessionLifetimeMiddleware",  # needs the user and messages
    "allauth.account.middleware.AccountMiddleware",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "apps.accounts.backends.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Failed sign-ins, counted per account and, separately, per address.
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "apps.accounts.signin.attempted_email"
AXES_LOCKOUT_CALLABLE = "apps.accounts.signin.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# The address is REMOTE_ADDR unless the console sits behind that many proxies of its own;
# X-Forwarded-For is not trusted otherwise (a client could invent a new address per try).
SIGNIN_PROXY_COUNT = env.int("SIGNIN_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = SIGNIN_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if SIGNIN_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_MAX_AGE
# seconds after sign-in whatever happens (apps.accounts.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_AGE

# django-allauth: email sign-in, no open sign-up (people join by invitation or by SSO).
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "apps.accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True  # the session lives SESSION_MAX_AGE at most either way
# Sign-ins are throttled by axes (above); allauth's own limits stay on for the rest, among
# them "login_failed", which also caps wrong two-factor codes per account.
ACCOUNT_RATE_LIMITS = {"login": None}

# Two-factor: TOTP (one step of clock drift either side) and single-use recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="OpenRouter Console")
MFA_TOTP_TOLERANCE = 1
# Every account's address is proven: an invitation link was mailed to it, or an IdP vouched.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Single sign-on: one OpenID Connect provider for the console, set by the operator; each
# organisation chooses on its Security page which email domains join it, and with which role.
SSO_OIDC_SERVER_URL = env.str("SSO_OIDC_SERVER_URL", default="")
SSO_OIDC_CLIENT_ID = env.str("SSO_OIDC_CLIENT_ID", default="")
SSO_OIDC_CLIENT_SECRET = env.str("SSO_OIDC_CLIENT_SECRET", default="")
SSO_OIDC_NAME = env.str("SSO_OIDC_NAME", default="single sign-on")
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": SSO_OIDC_NAME,
                "client_id": SSO_OIDC_CLIENT_ID,
                "secret": SSO_OIDC_CLIENT_SECRET,
                "settings": {"server_url": SSO_OIDC_SERVER_URL},
            }
        ]
        if SSO_OIDC_SERVER_URL
        else [],
    }
}
# A person the IdP vouches for (email_verified) signs in to the account with that address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False

# --- Email ------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OpenRouter Console <console@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Encryption at rest -----------------------------------------------------
# Fernet keys, newest first: the first encrypts, all of them decrypt, so a key can
# be rotated by prepending a new one (then `manage.py rotate_encryption_keys`).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off: a comma-separated list of "
            "Fernet keys, newest first. Make one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    # Development only: a fixed key so the demo database stays readable across restarts.
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="]

# --- OpenRouter upstream ----------------------------------------------------
PORT = env.int("PORT", default=8000)
OPENROUTER_BASE_URL = env.str(
    "OPENROUTER_BASE_URL",
    default=f"http://127.0.0.1:{PORT}/sandbox/api/v1"
    if SANDBOX_ENABLED
    else "https://openrouter.ai/api/v1",
)
# More base URLs an organisation may connect to (a proxy of your own), comma separated; each
# https://. OpenRouter's API and OPENROUTER_BASE_URL are always allowed, nothing else is.
OPENROUTER_ALLOWED_BASE_URLS = env.list("OPENROUTER_ALLOWED_BASE_URLS", default=[])
# "http" sends requests over the network; "wsgi" hands them to this process's own
# WSGI application (the sandbox, in tests) without opening a socket.
OPENROUTER_TRANSPORT = env.str("OPENROUTER_TRANSPORT", default="http")
OPENROUTER_CONNECT_TIMEOUT = env.float("OPENROUTER_CONNECT_TIMEOUT", default=5.0)
OPENROUTER_READ_TIMEOUT = env.float("OPENROUTER_READ_TIMEOUT", default=30.0)
OPENROUTER_MAX_ATTEMPTS = env.int("OPENROUTER_MAX_ATTEMPTS", default=4)
OPENROUTER_BACKOFF_CAP = env.float("OPENROUTER_BACKOFF_CAP", default=30.0)
OPENROUTER_APP_URL = env.str("OPENROUTER_APP_URL", default="https://github.com/openrouter-console")
OPENROUTER_APP_TITLE = env.str("OPENROUTER_APP_TITLE", default="OpenRouter Console")

# --- Sandbox ----------------------------------------------------------------
# How long the sandbox holds a request for the "timeout" fault before answering 408.
SANDBOX_TIMEOUT_SECONDS = env.float("SANDBOX_TIMEOUT_SECONDS", default=60.0)
SANDBOX_VIDEO_SECONDS = env.float("SANDBOX_VIDEO_SECONDS", default=6.0)  # pending→completed
# Each job finishes up to this many seconds later than SANDBOX_VIDEO_SECONDS (spread at random).
SANDBOX_VIDEO_SPREAD_SECONDS = env.float("SANDBOX_VIDEO_SPREAD_SECONDS", default=0.0)
# How long a finished video's stored copy lasts (its ``expires_at``).
SANDBOX_VIDEO_RETENTION_SECONDS = env.float("SANDBOX_VIDEO_RETENTION_SECONDS", default=86400.0)

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Worker control messages (pidbox) too, or kombu writes ./control in the checkout.
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task taken by a worker that died before acknowledging it is handed out again after
    # this many seconds. It must exceed the longest countdown a task waits in a worker
    # (SYNC_RETRY_CAP), or Redis would hand out a waiting retry twice. A sync whose worker
    # died is taken over sooner than this by the dispatcher, once its lease runs out.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
    }
# The queue tasks go to (and workers read) unless routed elsewhere: two deployments
# sharing one Redis keep apart by naming theirs.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process is killed goes back on the queue instead of being dropped.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Every sync stream of every app: the dispatcher queues each (organisation, stream) whose
    # interval (in the stream's registration) has passed.
    # Every 15 s: a run whose worker died is taken over at most 15 s after its lease ends.
    "syncs-due": {"task": "apps.syncs.tasks.syncs_due", "schedule": 15.0},
    "keys-rotations-due": {"task": "apps.keys.tasks.rotations_due", "schedule": 60.0},
    # An approved secret nobody revealed in time is wiped within a minute of its deadline.
    "keys-reveals-expire": {"task": "apps.keys.tasks.reveals_expire", "schedule": 60.0},
    "keys-expiry-warnings": {"task": "apps.keys.tasks.expiry_warnings_send", "schedule": 86400.0},
    "videos-poll-due": {
        "task": "apps.media.tasks.videos_dispatch",
        "schedule": env.float("VIDEO_DISPATCH_SECONDS", default=2.0),
    },
    "inference-keys-cleanup": {
        "task": "apps.inference.tasks.console_keys_cleanup",
        "schedule": 3600.0,
    },
}

# --- Syncs -------------------------------------------------------------------
# A running sync holds its stream's lease this long and renews it as it goes; a worker that
# dies frees the stream when the lease runs out.
SYNC_LOCK_TTL = env.int("SYNC_LOCK_TTL", default=60)
# A failed run that may pass later (429, 5xx, timeout) is retried this many times, waiting
# Retry-After when upstream gives one, else backoff from SYNC_RETRY_BASE up to SYNC_RETRY_CAP s.
SYNC_MAX_RETRIES = env.int("SYNC_MAX_RETRIES", default=5)
SYNC_RETRY_BASE = env.float("SYNC_RETRY_BASE", default=30.0)
SYNC_RETRY_CAP = env.float("SYNC_RETRY_CAP", default=600.0)

# --- Video jobs, files --------------------------------------------------------
# Each job is polled after VIDEO_POLL_MIN_SECONDS, backing off to VIDEO_POLL_MAX_SECONDS
# (never sooner than a Retry-After); at most VIDEO_POLLS_PER_MINUTE polls per organisation
# however many jobs run. A poll holds its job's lease VIDEO_LEASE_SECONDS (a killed worker
# frees it then); beat looks for due jobs every VIDEO_DISPATCH_SECONDS.
VIDEO_POLL_MIN_SECONDS = env.float("VIDEO_POLL_MIN_SECONDS", default=3.0)
VIDEO_POLL_MAX_SECONDS = env.float("VIDEO_POLL_MAX_SECONDS", default=30.0)
VIDEO_POLLS_PER_MINUTE = env.int("VIDEO_POLLS_PER_MINUTE", default=600)
VIDEO_LEASE_SECONDS = env.float("VIDEO_LEASE_SECONDS", default=30.0)
VIDEO_DISPATCH_SECONDS = env.float("VIDEO_DISPATCH_SECONDS", default=2.0)
# At most this many polls of one organisation queued or running at once.
VIDEO_MAX_IN_FLIGHT = env.int("VIDEO_MAX_IN_FLIGHT", default=32)
# The console's public https address: when set (and the organisation has a callback secret)
# jobs are submitted with a callback_url, and complete without waiting for a poll.
VIDEO_CALLBACK_BASE_URL = env.str("VIDEO_CALLBACK_BASE_URL", default="")
# Checked before anything is sent upstream (upstream's own limits).
VIDEO_PROMPT_MAX_CHARS = env.int("VIDEO_PROMPT_MAX_CHARS", default=8000)
VIDEO_IMAGE_MAX_BYTES = env.int("VIDEO_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
FILES_MAX_BYTES = env.int("FILES_MAX_BYTES", default=100 * 1024 * 1024)

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (production) --------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): scripts and styles from the console's own origin
# only: no inline script, no inline style or style attribute, no eval (htmx runs with
# allowEval:false; every handler lives in static/console/app.js). A script that must be
# inline would carry {{ request.csp_nonce }}: there is none. data: images are the
# two-factor QR code and Pico's inline SVG icons. Forms post to the console only, and on to
# the identity provider for single sign-on (apps.core.middleware adds its origin: a
# redirect after a POST counts as the form's target).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Permissions-Policy: the console uses no device or sensor; the "copy" buttons write to the
# clipboard of the console's own pages.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "bluetooth": [],
    "camera": [],
    "clipboard-read": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
