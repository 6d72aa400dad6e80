"""Configuration classes. Everything deployment-specific comes from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from limits import parse_many

# The message catalogues; the newcomer texts (slip, public offers) are the domain "newcomer".
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
NEWCOMER_DOMAIN = "newcomer"


def _instance_dir() -> Path:
    return Path(os.environ.get("ANKOMMEN_INSTANCE", Path.cwd() / "instance"))


class ConfigurationError(RuntimeError):
    """The environment cannot run the app as configured; the message says what to set."""


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.")
    return int(value)


def _rate_limit(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a rate limit such as '20 per minute' "
                                 f"(several separated by ';'), not {value!r}.") from None
    return value


def _time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigurationError(f"{name} must be a time zone such as Europe/Berlin, "
                                 f"not {value!r}.") from None
    return value


def parse_newcomer_languages(value: str,
                             name: str = "ANKOMMEN_NEWCOMER_LANGUAGES") -> tuple[str, ...]:
    """The codes of NEWCOMER_LANGUAGES, each with a catalogue of newcomer texts in the
    repository (German, the reference, is always printed and so is not one of them)."""
    codes = tuple(dict.fromkeys(code.strip() for code in value.split(",") if code.strip()))
    for code in codes:
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            raise ConfigurationError(f"{name}: {code!r} is not a language code such as "
                                     f"'ar' or 'uk'.") from None
        catalogue = TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{NEWCOMER_DOMAIN}.po"
        if code == "de" or not catalogue.is_file():
            raise ConfigurationError(
                f"{name}: {code!r} has no catalogue of newcomer texts "
                f"(caseapp/translations/{code}/LC_MESSAGES/{NEWCOMER_DOMAIN}.po); German is "
                "always printed and is not listed.")
    return codes


def _development_secret(instance: Path, name: str) -> str:
    """A random key kept under instance/, so logins and the audit trail survive a restart
    of the development server."""
    path = instance / name
    if not path.exists():
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def development_data_keys(instance: Path) -> str:
    """The development key of special-category values, kept under instance/ like the others."""
    return "dev:" + _development_secret(instance, "data_key")


class Config:
    """Settings of every deployment; what differs between deployments comes from the environment."""

    INSTANCE_DIR = _instance_dir()
    SQLALCHEMY_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'ankommen.db'}"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Keys the audit trail's seals (HMAC); never stored in the database it protects.
    AUDIT_KEY = os.environ.get("ANKOMMEN_AUDIT_KEY")
    # Seal special-category values (Art. 9 DSGVO): "id:key,id:key", the first one seals.
    DATA_KEYS = os.environ.get("ANKOMMEN_DATA_KEYS")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # A session ends after this long without a request, and in any case this long after login.
    SESSION_IDLE_MINUTES = _whole_number("ANKOMMEN_SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _whole_number("ANKOMMEN_SESSION_MAX_HOURS", 10)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    MAX_CONTENT_LENGTH = 2**20  # 1 MiB: a whole interview step is a few kilobytes
    WTF_CSRF_TIME_LIMIT = None  # a long interview must not lose its form to a token timeout
    BABEL_DEFAULT_LOCALE = "de"
    # The office's time zone: every time a page or message shows is in it.
    BABEL_DEFAULT_TIMEZONE = _time_zone("ANKOMMEN_TIME_ZONE", "Europe/Berlin")
    LANGUAGES = ("de", "en")
    # The folder of BPMN and DMN files loaded at start-up (default: the package bpmn/).
    BPMN_DIR = os.environ.get("ANKOMMEN_BPMN_DIR", "").strip() or None
    # The newcomers' languages of the referral slip and the public offers, besides German.
    # (checked at start-up: parse_newcomer_languages)
    NEWCOMER_LANGUAGES = os.environ.get("ANKOMMEN_NEWCOMER_LANGUAGES", "").strip() or \
        "en,ar,fa,uk,ru,tr"
    # Process settings, handed to each new case's workflow.
    MAIN_PROCESS = "first_orientation"
    # The follow-up is due this long after the referral when no seat is held ...
    FOLLOW_UP_PERIOD = os.environ.get("ANKOMMEN_FOLLOW_UP_PERIOD", "P42D")
    # ... and this long after the start of the earliest course a seat is held in.
    FOLLOW_UP_AFTER_START = os.environ.get("ANKOMMEN_FOLLOW_UP_AFTER_START", "P7D")
    FOLLOW_UP_GRACE_PERIOD = os.environ.get("ANKOMMEN_FOLLOW_UP_GRACE_PERIOD", "P7D")
    COURSE_START_TARGET = os.environ.get("ANKOMMEN_COURSE_START_TARGET", "P42D")
    # The monitoring's figures for one set of filters are computed at most this often.
    MONITORING_CACHE_SECONDS = _whole_number("ANKOMMEN_MONITORING_CACHE_SECONDS", 300)
    # The issuing office printed on every referral slip; a line left empty is not printed.
    OFFICE_NAME = os.environ.get("ANKOMMEN_OFFICE_NAME", "").strip() or "Migrationszentrum"
    OFFICE_ADDRESS = os.environ.get("ANKOMMEN_OFFICE_ADDRESS", "").strip()
    OFFICE_PHONE = os.environ.get("ANKOMMEN_OFFICE_PHONE", "").strip()
    OFFICE_EMAIL = os.environ.get("ANKOMMEN_OFFICE_EMAIL", "").strip()
    # Rate limits (counted in the database, shared by every worker): failed logins from one
    # address; failed logins for one user name from one address, in growing windows (a
    # growing delay); writes (POST) from one address and by one account.
    LOGIN_FAILURES_PER_ADDRESS = _rate_limit("ANKOMMEN_LOGIN_FAILURES_PER_ADDRESS",
                                             "20 per minute")
    LOGIN_FAILURES_PER_NAME = _rate_limit(
        "ANKOMMEN_LOGIN_FAILURES_PER_NAME",
        "5 per minute; 10 per 15 minutes; 20 per hour; 40 per day")
    WRITES_PER_ADDRESS = _rate_limit("ANKOMMEN_WRITES_PER_ADDRESS", "3000 per minute")
    WRITES_PER_ACCOUNT = _rate_limit("ANKOMMEN_WRITES_PER_ACCOUNT", "300 per minute")
    PASSWORD_HASH_METHOD = "scrypt"
    WORKER_INTERVAL_SECONDS = 30
    AUDIT_CHECKPOINT_SECONDS = _whole_number("ANKOMMEN_AUDIT_CHECKPOINT_SECONDS", 300)
    AUDIT_CHECKPOINT_FILE = os.environ.get("ANKOMMEN_AUDIT_CHECKPOINT_FILE") or None
    # Years after closing, per outcome, until a person is erased (the data protection
    # officer sets them); the timer worker erases what is due every night if asked to.
    RETENTION_YEARS = os.environ.get("ANKOMMEN_RETENTION_YEARS", "").strip() or \
        "started=3,not_started=3,dropped_out=3,none=3"
    RETENTION_NIGHTLY = os.environ.get("ANKOMMEN_RETENTION_NIGHTLY", "").strip() == "1"
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (ProxyFix).
    PROXY_COUNT = _whole_number("ANKOMMEN_PROXY_COUNT", 0)
    HSTS = None  # Strict-Transport-Security value; production only (TLS at the proxy)
    TESTING = False


class DevelopmentConfig(Config):
    """Runs without set-up: missing keys are generated once and kept under instance/."""

    def __init__(self) -> None:
        self.SECRET_KEY = Config.SECRET_KEY or _development_secret(self.INSTANCE_DIR,
                                                                   "secret_key")
        self.AUDIT_KEY = Config.AUDIT_KEY or _development_secret(self.INSTANCE_DIR, "audit_key")
        self.DATA_KEYS = Config.DATA_KEYS or development_data_keys(self.INSTANCE_DIR)


class ProductionConfig(Config):
    """Refuses to start without its keys and database; secure cookies and HSTS."""

    SESSION_COOKIE_SECURE = True
    HSTS = "max-age=31536000; includeSubDomains"
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "ANKOMMEN_AUDIT_KEY", "ANKOMMEN_DATA_KEYS")

    def __init__(self) -> None:
        missing = [name for name in self.REQUIRED if not os.environ.get(name, "").strip()]
        if missing:
            raise ConfigurationError(
                f"ANKOMMEN_ENV=production refuses to start: set {', '.join(missing)} in the "
                "environment (see deploy/env.example).")


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig}


def config_from_environment() -> Config:
    """The configuration ANKOMMEN_ENV names (development unless set)."""
    name = os.environ.get("ANKOMMEN_ENV", "development")
    if name not in CONFIGS:
        raise ConfigurationError(
            f"ANKOMMEN_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]()
