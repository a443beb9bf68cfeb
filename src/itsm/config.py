"""Settings: one validated object built from defaults, a TOML file, env vars and flags.

Precedence, highest first: explicit keyword arguments (CLI flags, tests), ``ITSM_*``
environment variables, the TOML file (``--config``, ``$ITSM_CONFIG`` or the platform
config directory), then defaults. The file's ``[profiles.<name>]`` table for the
active profile is merged deeply over its top level, so one file can describe
development, test and production.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from itsm.attachments.config import AttachmentSettings
from itsm.diagnostics.config import DiagnosticsSettings
from itsm.errors import ConfigError, choices
from itsm.integrations.config import IntegrationsSettings
from itsm.mail.config import MailSettings
from itsm.notify.config import EmailSettings, NotifySettings, PushSettings
from itsm.sla.config import SlaSettings
from itsm.webhooks.config import WebhookSettings

APP_NAME = "itsm"
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Profile(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd|pwd)=)[^&\s]*", re.IGNORECASE)


def mask_url(text: str) -> str:
    """Hide every URL password in ``text``: ``postgresql://u:***@h/db``, ``?password=***``."""
    masked = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***@", text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m.group('head')}***", masked)


def config_path(given: Path | str | None = None) -> Path:
    """The TOML file to read: ``given`` (``--config``), else ``$ITSM_CONFIG``, else the platform's.

    A file named explicitly must exist (``/dev/null`` is a fine empty one); the
    platform's file is optional.
    """
    named = given if given is not None else os.environ.get("ITSM_CONFIG")
    if not named:
        return platformdirs.user_config_path(APP_NAME) / "config.toml"
    path = Path(named).expanduser()
    if not path.exists() or path.is_dir():
        raise ConfigError(f"config file {path} (from --config or ITSM_CONFIG) does not exist")
    return path


def _toml_sources(
    settings_cls: type[BaseSettings], path: Path, profile: str | None
) -> tuple[PydanticBaseSettingsSource, ...]:
    """The active profile's table of the file, then its top level; pydantic-settings merges them."""
    try:
        top = TomlConfigSettingsSource(settings_cls, toml_file=path)
        profiles = top.toml_data.get("profiles")
        active = profile or top.toml_data.get("profile") or Profile.DEVELOPMENT.value
        if not isinstance(profiles, dict) or not isinstance(profiles.get(active), dict):
            return (top,)
        table = ("profiles", str(active))
        return (
            TomlConfigSettingsSource(settings_cls, toml_file=path, toml_table_header=table),
            top,
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


class LoginThrottle(BaseModel):
    """Failed logins allowed within ``window_seconds`` before the server answers 429."""

    model_config = ConfigDict(extra="forbid")

    window_seconds: int = Field(default=900, ge=1, le=86_400)
    per_account: int = Field(default=5, ge=1, le=10_000)
    per_address: int = Field(default=20, ge=1, le=100_000)
    per_address_total: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="Failed logins from one address for all accounts (per_address: per account).",
    )


class ApiSettings(BaseModel):
    """The HTTP server (``[api]`` in the config file, ``ITSM_API__*``)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    workers: int = Field(default=1, ge=1, le=64)
    token_days: int | None = Field(
        default=90, ge=1, le=3650, description="Lifetime of a login token; null: no expiry."
    )
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description=(
            "Proxy addresses or networks (CIDR) whose X-Forwarded-For is believed, read "
            "from the right (for login throttling and logs)."
        ),
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return value

    event_heartbeat_seconds: float = Field(
        default=15,
        gt=0,
        le=300,
        description=(
            "Seconds between heartbeat comments on an open event stream (/api/v1/events);"
            " at each, the stream's login (token or web session) is checked again."
        ),
    )
    event_stream_max_seconds: float = Field(
        default=3600,
        gt=0,
        le=7 * 24 * 3600,
        description="An event stream ends this long after it opened (the client reconnects).",
    )
    login: LoginThrottle = Field(default_factory=LoginThrottle)
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Bearer token /metrics requires (Prometheus' authorization); null: open.",
    )


class WebSettings(BaseModel):
    """The web app's sessions (``[web]`` in the config file, ``ITSM_WEB__*``)."""

    model_config = ConfigDict(extra="forbid")

    session_idle_minutes: int = Field(
        default=120, ge=1, le=7 * 24 * 60, description="A session unused this long ends."
    )
    session_hours: int = Field(
        default=12, ge=1, le=24 * 90, description="A session ends this long after login."
    )


class Settings(BaseSettings):
    """Everything configurable in itsm. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="ITSM_",
        env_nested_delimiter="__",
        # "null" in an ITSM_* variable means None (e.g. disabling the disk free-space floors).
        env_parse_none_str="null",
        extra="forbid",
        validate_default=True,
    )

    profile: Profile = Profile.DEVELOPMENT
    profiles: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        exclude=True,
        repr=False,
        description="The file's [profiles.<name>] tables; the active one is already merged in.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data directory.",
    )
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path(APP_NAME))
    timezone: str = Field(default="UTC", description="Time zone of ticket-number days.")
    language: str = Field(
        default="es",
        description="Language of the web app when neither the user nor the browser names one.",
    )
    log_level: str = "WARNING"
    log_file: Path | None = None
    log_format: Literal["text", "json"] = "text"
    user: str | None = Field(default=None, description="Username recorded as the actor.")
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0, le=600_000)
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=500,
        description="Connections each process keeps open (the API server's concurrent requests).",
    )
    database_max_overflow: int = Field(
        default=20,
        ge=0,
        le=1000,
        description="Extra connections a burst may open; each is closed when given back.",
    )
    sql_echo: bool = False
    diagnostics: DiagnosticsSettings = Field(default_factory=DiagnosticsSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    push: PushSettings = Field(default_factory=PushSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    integrations: IntegrationsSettings = Field(default_factory=IntegrationsSettings)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    mail: MailSettings = Field(default_factory=MailSettings)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like UTC or Europe/Madrid"
            ) from None
        return value

    @field_validator("language")
    @classmethod
    def _shipped_language(cls, value: str) -> str:
        from itsm.i18n import LANGUAGES  # the catalogues' list, without loading them

        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}; allowed: {choices(LANGUAGES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _valid_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in LOG_LEVELS:
            raise ValueError(f"unknown log level {value!r}; allowed: {choices(LOG_LEVELS)}")
        return upper

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'itsm.db'}"

    @property
    def attachments_dir(self) -> Path:
        """Where attached files are kept: the setting, else ``attachments`` in the data dir."""
        return self.attachments.directory or self.data_dir / "attachments"

    @property
    def is_default_database(self) -> bool:
        return not self.database_url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        flags = (
            dict(init_settings.init_kwargs) if isinstance(init_settings, InitSettingsSource) else {}
        )
        # The file is chosen by the caller, not a setting itself: it must not reach validation.
        path = config_path(flags.pop("config_file", None))
        given = flags.get("profile")
        profile = str(given) if given is not None else os.environ.get("ITSM_PROFILE")
        init = InitSettingsSource(settings_cls, init_kwargs=flags)
        return (init, env_settings, *_toml_sources(settings_cls, path, profile))


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    """'unknown setting a.b; did you mean ...?', with the keys its table allows."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return f"unknown setting {'.'.join(map(str, loc))}"
        model = annotation
    name = str(loc[-1])
    known = sorted(k for k in model.model_fields if k != "profiles")
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {'.'.join([*map(str, loc[:-1]), close[0]])!r}?" if close else ""
    return f"unknown setting {'.'.join(map(str, loc))}{hint} (known here: {', '.join(known)})"


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into one-line :class:`ConfigError`."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        if first["type"] == "extra_forbidden":
            raise ConfigError(_unknown_key(first["loc"])) from None
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {where}: {msg}") from None
    except SettingsError as exc:
        # e.g. ITSM_DIAGNOSTICS__DISABLED_CHECKS=foo: a list must be given as JSON
        raise ConfigError(
            f"invalid setting: {exc}; list and table values in ITSM_* variables are JSON"
        ) from None
