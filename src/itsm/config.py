"""Settings: one validated object built from defaults, a TOML file, env vars and flags.

Precedence, highest first: explicit keyword arguments (CLI flags, tests), ``ITSM_*``
environment variables, the TOML file (``$ITSM_CONFIG`` or the platform config
directory), then defaults. The TOML file may hold ``[profiles.<name>]`` tables
that override its top-level keys when that profile is active, so one file can
describe development, test and production.
"""

from __future__ import annotations

import os
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from itsm.api.settings import ApiSettings
from itsm.diagnostics.config import DiagnosticsSettings
from itsm.errors import ConfigError, choices
from itsm.integrations.config import IntegrationsSettings
from itsm.sla.config import SlaSettings

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


def default_config_path() -> Path:
    env = os.environ.get("ITSM_CONFIG")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


class _TomlProfileSource(PydanticBaseSettingsSource):
    """Reads the TOML config file and merges the active profile's table over it."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path, profile: str | None):
        super().__init__(settings_cls)
        self._data = self._load(path, profile)

    @staticmethod
    def _load(path: Path, profile: str | None) -> dict[str, Any]:
        if not path.exists() or path.is_dir():  # /dev/null is a fine empty config
            if os.environ.get("ITSM_CONFIG"):
                raise ConfigError(f"config file {path} (from ITSM_CONFIG) does not exist")
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        profiles = data.pop("profiles", {})
        active = profile or data.get("profile") or Profile.DEVELOPMENT.value
        override = profiles.get(active, {}) if isinstance(profiles, dict) else {}
        return {**data, **override}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


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
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data directory.",
    )
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path(APP_NAME))
    timezone: str = Field(default="UTC", description="Time zone of ticket-number days.")
    log_level: str = "WARNING"
    log_file: Path | None = None
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
    integrations: IntegrationsSettings = Field(default_factory=IntegrationsSettings)

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
        given = getattr(init_settings, "init_kwargs", {}).get("profile")
        profile = str(given) if given is not None else os.environ.get("ITSM_PROFILE")
        toml = _TomlProfileSource(settings_cls, default_config_path(), profile)
        return (init_settings, env_settings, toml)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into one-line :class:`ConfigError`."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {where}: {msg}") from None
    except SettingsError as exc:
        # e.g. ITSM_DIAGNOSTICS__DISABLED_CHECKS=foo: a list must be given as JSON
        raise ConfigError(
            f"invalid setting: {exc}; list and table values in ITSM_* variables are JSON"
        ) from None
