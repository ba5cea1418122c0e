"""Settings for the Overseas Base Registry.

Everything deployment-specific comes from the environment; with nothing set the
project runs on an embedded SQLite file under ``var/`` in Japanese.
"""
import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


# Every setting read from the environment goes through these helpers: an unset or empty variable gives the
# default, a value that cannot be read stops the start with the variable's name (docs/settings.md lists them all).
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name, default=""):
    value = os.environ.get(name, "")
    return value if value.strip() else default


def refuse(name, expected, value):
    raise ImproperlyConfigured(f'{name} must be {expected}, got "{value}"')


def env_flag(name, default=False):
    value = env_str(name).strip().lower()
    if not value:
        return default
    if value not in TRUE_WORDS | FALSE_WORDS:
        refuse(name, "one of true/false/1/0/yes/no/on/off", os.environ[name])
    return value in TRUE_WORDS


def env_int(name, default):
    value = env_str(name).strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        refuse(name, "a whole number", value)


def env_list(name, default=""):
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_choice(name, choices, default):
    value = env_str(name, default).strip()
    if value not in choices:
        refuse(name, "one of " + "/".join(choices), value)
    return value


def installation_secret_key(path):
    """The key generated once for this installation and kept outside git (``var/secret_key``, mode 600).

    No key is ever taken from the repository: an installation without ``SECRET_KEY``
    in its environment makes its own on first start and keeps it, so sessions survive restarts.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    from django.core.management.utils import get_random_secret_key

    # The one thing settings may write: the key is needed now, so its file (and a SECRET_KEY_FILE's missing folder)
    # is made now. Everything else under var/ is made where it is first written (var/ itself is in git).
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(get_random_secret_key())
    return path.read_text().strip()


DEBUG = env_flag("DEBUG")
SECRET_KEY = env_str("SECRET_KEY") or installation_secret_key(
    Path(env_str("SECRET_KEY_FILE", BASE_DIR / "var" / "secret_key"))
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "registry.apps.RegistryAdminConfig",  # django.contrib.admin with the registry's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "registry",
]

MIDDLEWARE = [
    "registry.accounts.client_address.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "registry.accounts.sessions.SessionRefreshMiddleware",
    "registry.core.language.JapaneseStaffLocaleMiddleware",  # Japanese except on the portal (registry/core/language.py)
    "registry.core.request_text.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "registry.accounts.second_factor.SecondFactorMiddleware",  # docs/sign-in.md
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "registry.core.history.context.ChangeGroupMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.staff.navigation.site_navigation",
            ],
        },
    },
]

SQLITE_PATH = BASE_DIR / "var" / "registry.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Several editors at once: readers never wait for a writer (WAL); a transaction takes the
    # write lock when it begins (IMMEDIATE), so it waits its turn instead of failing half-way
    # with "database is locked"; and a writer waits up to SQLITE_TIMEOUT seconds for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_TIMEOUT", 30),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles queries its planner thinks costly (a sort over per-row subqueries) in ~50 ms,
    # longer than they run; the registry's queries are all short (docs/performance.md).
    # Server-side cursors (QuerySet.iterator(): downloads, bulk reads) are always read to the end: plan them for
    # all their rows, not for the first tenth (the default chose index walks that took a 10,000-row download's
    # query from ~50 to 100–165 ms).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c cursor_tuple_fraction=1")
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every process (gunicorn's workers share what one of them built: published pages and answers,
# see docs/performance.md). By default files under var/cache (nothing to install or migrate; a worker reads a
# large open-data file straight from disk); CACHE_URL=redis://127.0.0.1:6379/0 selects Redis.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL (or unset for files under var/cache): {CACHE_URL}")
else:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
    }}
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

# Sessions end after two hours without activity. A page view writes the session only when
# its expiry is more than SESSION_REFRESH_INTERVAL seconds old (registry/accounts/sessions.py).
SESSION_ENGINE = "registry.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 2 * 60 * 60)
SESSION_REFRESH_INTERVAL = env_int("SESSION_REFRESH_INTERVAL", 5 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed logins: five attempts per user name and address, then a one-hour lock.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registry/lockout.html"
AXES_RESET_ON_SUCCESS = True

# Client addresses (docs/security.md): how many proxies in front of the application append to X-Forwarded-For.
# 0 (the default): the header is ignored. The API's throttles, the lockout above and the access log all use
# registry.accounts.client_address.client_address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "registry.accounts.client_address.client_address"

# Two-factor sign-in (docs/sign-in.md): the roles that must enrol a second factor (TOTP app and recovery codes);
# everyone else may. A wrong code counts as a failed sign-in for the lockout above.
MFA_ROLE_NAMES = ("clerk", "coordinator", "supervisor", "superuser")
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "coordinator,supervisor,superuser")
for _role in MFA_REQUIRED_ROLES:
    if _role not in MFA_ROLE_NAMES:
        refuse("MFA_REQUIRED_ROLES", "a comma-separated list of " + "/".join(MFA_ROLE_NAMES), _role)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "海外拠点レジストリ")
# Password reset by e-mail: requests per address and per client address within an hour.
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 3)
PASSWORD_RESET_PER_IP = env_int("PASSWORD_RESET_PER_IP", 10)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise serves static files from the application server (gunicorn or runserver alike);
# run ``collectstatic`` in production, where it serves the compressed copies in STATIC_ROOT.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Files that outlive a request — an upload waiting for its confirmation, a background import's input — are kept
# in the "registry" storage, read and written only by registry/sheets/uploads.py. By default a folder, MEDIA_ROOT
# (var/media, or FILE_STORAGE_DIR: with several application servers, a folder they all mount); with
# FILE_STORAGE_S3_BUCKET, S3-compatible object storage through django-storages (docs/production-two-servers.md).
MEDIA_ROOT = Path(env_str("FILE_STORAGE_DIR") or BASE_DIR / "var" / "media")
if env_str("FILE_STORAGE_S3_BUCKET"):
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured("FILE_STORAGE_S3_BUCKET needs django-storages: pip install 'django-storages[s3]'")
    STORAGES["registry"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("FILE_STORAGE_S3_BUCKET"),
        "location": env_str("FILE_STORAGE_S3_PREFIX"),
        "endpoint_url": env_str("FILE_STORAGE_S3_ENDPOINT_URL") or None,
        "region_name": env_str("FILE_STORAGE_S3_REGION") or None,
    }}  # credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, as boto3 reads them
else:
    STORAGES["registry"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # follows MEDIA_ROOT
# Until collectstatic has filled STATIC_ROOT (bin/serve runs it), the finders serve the apps' files; settings
# only look, they create nothing.
WHITENOISE_USE_FINDERS = env_flag("WHITENOISE_USE_FINDERS", default=not (STATIC_ROOT / "admin").is_dir())

# What the sheet reader accepts (registry/sheets/reader.py); a file over a limit is refused with a message.
SHEET_MAX_UPLOAD_BYTES = env_int("SHEET_MAX_UPLOAD_BYTES", 20_000_000)
SHEET_MAX_ROWS = env_int("SHEET_MAX_ROWS", 50_000)
SHEET_MAX_COLUMNS = env_int("SHEET_MAX_COLUMNS", 200)
SHEET_MAX_CELL_CHARS = env_int("SHEET_MAX_CELL_CHARS", 10_000)
SHEET_MAX_XLSX_UNCOMPRESSED_BYTES = env_int("SHEET_MAX_XLSX_UNCOMPRESSED_BYTES", 200_000_000)
# An xlsx file's table of shared strings (counted while streaming it, before openpyxl loads it): at most this many
# strings and this many bytes unpacked (docs/sheet-limits.md).
SHEET_MAX_SHARED_STRINGS = env_int("SHEET_MAX_SHARED_STRINGS", 300_000)
SHEET_MAX_SHARED_STRINGS_BYTES = env_int("SHEET_MAX_SHARED_STRINGS_BYTES", 30_000_000)
# Uploads waiting for their confirmation are deleted after confirm, cancel, or this many seconds.
IMPORT_UPLOAD_MAX_AGE = env_int("IMPORT_UPLOAD_MAX_AGE", 60 * 60)

IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_TMP_STORAGE_CLASS = "registry.sheets.uploads.UploadStorage"

# Long files are previewed and applied by a background task (registry/sheets/jobs.py): a file with more rows
# than this; smaller files stay in the request. The tasks run on django-tasks' database backend, whose worker
# (manage.py db_worker) bin/serve starts beside the web server; TASKS_BACKEND=rq runs them on RQ and Redis
# (REDIS_URL, worker: manage.py rqworker --job-class django_tasks_rq.Job). The same queue builds what is
# published after each publication or correction (registry/public/publishing_tasks.py).
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 3000)
IMPORT_TASKS_QUEUE = env_str("IMPORT_TASKS_QUEUE", "default")
# Finished and failed import jobs are deleted after this many days (manage.py prune_import_jobs, and whenever a
# new job starts); an unfinished job not heard from for an hour is marked failed (registry/sheets/jobs.py).
IMPORT_JOB_RETENTION_DAYS = env_int("IMPORT_JOB_RETENTION_DAYS", 7)
RQ_QUEUES = {IMPORT_TASKS_QUEUE: {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
if env_choice("TASKS_BACKEND", ("db", "rq"), "db") == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [IMPORT_TASKS_QUEUE]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [IMPORT_TASKS_QUEUE]}}

COUNTRIES_OVERRIDE = {}

# Where visitors report an accessibility problem (the portal's アクセシビリティ方針 page): an e-mail address or a URL.
ACCESSIBILITY_CONTACT = env_str("ACCESSIBILITY_CONTACT")

# dumpdata/loaddata (and backup/restore) keep times to the microsecond.
SERIALIZATION_MODULES = {"json": "registry.core.serializers_json"}

# The read-only API (/api/v1/): anonymous callers read the published data, staff sign in with a token
# (or their admin session) and read their role's scope. Rates per caller: per address, or per user.
API_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "120/minute"),
    "user": env_str("API_THROTTLE_USER", "600/minute"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's own reading of X-Forwarded-For, the same as client_address
}
SPECTACULAR_SETTINGS = {
    "TITLE": "海外拠点レジストリ API",
    "DESCRIPTION": "公表した調査回のオープンデータ（読み取り専用）：地方公共団体の海外拠点、姉妹都市等の提携、"
                   "提携先、団体、調査回とその集計。利用条件：公共データ利用規約（PDL1.0、CC BY 4.0 互換）。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "registry.models.agreements.PRECISION_CHOICES"},
    "LICENSE": {"name": "PDL1.0", "url": "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"},
}

# Mail (round reminders): printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # for the file backend
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "registry@localhost")
# The registry's address as its users reach it, e.g. https://registry.example.lg.jp: links in notification e-mails.
SITE_URL = env_str("SITE_URL", "")
# EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes each message into this folder.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

# Accounts (docs/accounts.md): an invitation's link works this many days; an account nobody signed in to for
# ACCOUNT_IDLE_DAYS is stopped by ``manage.py accounts daily``, after a notice ACCOUNT_IDLE_NOTICE_DAYS before.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
ACCOUNT_IDLE_DAYS = env_int("ACCOUNT_IDLE_DAYS", 180)
ACCOUNT_IDLE_NOTICE_DAYS = env_int("ACCOUNT_IDLE_NOTICE_DAYS", 14)

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# Behind HTTPS in production (docs/install.md): set these in the environment.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD")
# SERVED_OVER_HTTPS (docs/security.md): cookies travel over HTTPS only and, behind a trusted proxy
# (TRUSTED_PROXY_COUNT), the proxy's X-Forwarded-Proto says a request came over HTTPS. SECURE_COOKIES and
# SECURE_PROXY_SSL_HEADER still set either by hand.
SERVED_OVER_HTTPS = env_flag("SERVED_OVER_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_flag("SECURE_COOKIES", default=SERVED_OVER_HTTPS)
if env_flag("SECURE_PROXY_SSL_HEADER", default=SERVED_OVER_HTTPS and TRUSTED_PROXY_COUNT > 0):
    # Only behind a proxy that sets X-Forwarded-Proto itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site's own files only; no
# inline script, style block or style attribute (templates use static files and classes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "WARNING")},
    # One line per request with the client's address (registry/accounts/client_address.py), when ACCESS_LOG is set.
    "loggers": {"registry.access": {"level": "INFO" if env_flag("ACCESS_LOG") else "WARNING"}},
}
