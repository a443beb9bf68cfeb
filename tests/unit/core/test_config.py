"""Settings: precedence of sources, profiles, one-line errors, password masking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsm.config import Profile, load_settings, mask_url
from itsm.errors import ConfigError, ErrorKind


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty TOML file named by ITSM_CONFIG, and no other ITSM_* variable set."""
    for name in list(os.environ):
        if name.startswith("ITSM_"):
            monkeypatch.delenv(name)
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv("ITSM_CONFIG", str(path))
    return path


def test_defaults_without_file_values_or_env(config_file: Path, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    assert settings.timezone == "UTC"
    assert settings.log_level == "WARNING"
    assert settings.profile is Profile.DEVELOPMENT
    assert settings.database_url is None
    assert settings.is_default_database
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'data' / 'itsm.db'}"


def test_toml_file_beats_defaults(config_file: Path) -> None:
    config_file.write_text('timezone = "Europe/Madrid"\nlog_level = "info"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.timezone == "Europe/Madrid"
    assert settings.zone.key == "Europe/Madrid"
    assert settings.log_level == "INFO"


def test_env_beats_toml_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text('timezone = "Europe/Madrid"\nuser = "filer"\n', encoding="utf-8")
    monkeypatch.setenv("ITSM_TIMEZONE", "America/New_York")
    settings = load_settings()
    assert settings.timezone == "America/New_York"
    assert settings.user == "filer"  # keys the environment does not set still come from the file


def test_keyword_arguments_beat_env_and_file(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('timezone = "Europe/Madrid"\n', encoding="utf-8")
    monkeypatch.setenv("ITSM_TIMEZONE", "America/New_York")
    assert load_settings(timezone="Asia/Tokyo").timezone == "Asia/Tokyo"
    # A flag left unset (None) does not hide the lower sources.
    assert load_settings(timezone=None).timezone == "America/New_York"


def test_active_profile_table_overrides_top_level_keys(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text(
        'log_level = "INFO"\n'
        'database_url = "sqlite:///dev.db"\n'
        'timezone = "Europe/Madrid"\n'
        "[profiles.production]\n"
        'log_level = "ERROR"\n'
        'database_url = "postgresql://itsm:pw@db.example.org/itsm"\n',
        encoding="utf-8",
    )
    development = load_settings()
    assert development.database_url == "sqlite:///dev.db"
    assert development.log_level == "INFO"

    monkeypatch.setenv("ITSM_PROFILE", "production")
    production = load_settings()
    assert production.profile is Profile.PRODUCTION
    assert production.database_url == "postgresql://itsm:pw@db.example.org/itsm"
    assert production.log_level == "ERROR"
    assert production.timezone == "Europe/Madrid"  # not in the profile: top-level value
    assert not production.is_default_database


def test_profile_named_in_the_file_selects_its_table(config_file: Path) -> None:
    config_file.write_text(
        'profile = "test"\nlog_level = "INFO"\n[profiles.test]\nlog_level = "DEBUG"\n',
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.profile is Profile.TEST
    assert settings.log_level == "DEBUG"


def test_profile_tables_merge_deeply_into_the_top_level_tables(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text(
        "[diagnostics.disk]\n"
        "warning = 70.0\n"
        "critical = 80.0\n"
        "[diagnostics.cpu]\n"
        "warning = 50.0\n"
        "[profiles.production.diagnostics.disk]\n"
        "critical = 99.0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ITSM_PROFILE", "production")
    monkeypatch.setenv("ITSM_DIAGNOSTICS__DISK__WARNING_MIN_FREE_BYTES", str(20 * 2**30))
    diagnostics = load_settings().diagnostics
    assert diagnostics.disk.critical == 99.0  # the profile's key
    assert diagnostics.disk.warning == 70.0  # the rest of the same table stays
    assert diagnostics.cpu.warning == 50.0  # and so do the other tables
    assert diagnostics.disk.warning_min_free_bytes == 20 * 2**30  # env merges in too


def test_an_unknown_key_in_the_active_profile_is_a_config_error(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('[profiles.test]\ndatabse_url = "sqlite:///x.db"\n', encoding="utf-8")
    assert load_settings().profile is Profile.DEVELOPMENT  # another profile's table is not read
    monkeypatch.setenv("ITSM_PROFILE", "test")
    with pytest.raises(ConfigError, match="databse_url"):
        load_settings()


def test_config_file_and_profile_given_as_arguments_beat_the_environment(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('timezone = "Europe/Madrid"\n', encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(
        'timezone = "Asia/Tokyo"\n[profiles.test]\nlog_level = "DEBUG"\n', encoding="utf-8"
    )
    monkeypatch.setenv("ITSM_PROFILE", "production")
    settings = load_settings(config_file=other, profile="test")
    assert (settings.timezone, settings.log_level) == ("Asia/Tokyo", "DEBUG")
    assert settings.profile is Profile.TEST
    missing = tmp_path / "missing.toml"
    with pytest.raises(
        ConfigError, match=r"missing\.toml \(from --config or ITSM_CONFIG\) does not exist"
    ):
        load_settings(config_file=missing)


def test_env_still_beats_the_profile_table(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('[profiles.production]\nlog_level = "ERROR"\n', encoding="utf-8")
    monkeypatch.setenv("ITSM_PROFILE", "production")
    monkeypatch.setenv("ITSM_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "America", "../etc/passwd", ""])
def test_invalid_timezone_is_a_one_line_config_error(config_file: Path, zone: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(timezone=zone)
    message = info.value.message
    assert message.startswith("invalid setting timezone: unknown time zone")
    assert repr(zone) in message
    assert "Europe/Madrid" in message  # says what a valid value looks like
    assert "\n" not in message
    assert info.value.kind is ErrorKind.CONFIG


def test_invalid_timezone_from_env_or_file_is_refused_too(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text('timezone = "Nowhere/Land"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown time zone 'Nowhere/Land'"):
        load_settings()
    monkeypatch.setenv("ITSM_TIMEZONE", "Atlantis/Capital")
    with pytest.raises(ConfigError, match="unknown time zone 'Atlantis/Capital'"):
        load_settings()


def test_invalid_log_level_lists_the_allowed_levels(config_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(log_level="verbose")
    assert info.value.message == (
        "invalid setting log_level: unknown log level 'verbose'; "
        "allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL"
    )


def test_log_level_is_case_insensitive(config_file: Path) -> None:
    assert load_settings(log_level="debug").log_level == "DEBUG"


def test_unknown_key_in_file_is_a_config_error(config_file: Path) -> None:
    config_file.write_text('databse_url = "sqlite:///typo.db"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="databse_url") as info:
        load_settings()
    assert "\n" not in info.value.message
    assert "did you mean 'database_url'?" in info.value.message


def test_a_misspelt_nested_key_names_the_closest_one_and_the_table_s_keys(
    config_file: Path,
) -> None:
    config_file.write_text("[diagnostics.disk]\nwarnign = 80\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.message.startswith(
        "unknown setting diagnostics.disk.warnign; did you mean 'diagnostics.disk.warning'?"
    )
    assert "critical" in info.value.message  # the keys that table allows


@pytest.mark.parametrize("entry", ["nginx", "10.0.0.300", "10.0.0.0/33"])
def test_trusted_proxies_must_be_addresses_or_networks(config_file: Path, entry: str) -> None:
    config_file.write_text(f'[api]\ntrusted_proxies = ["10.0.0.0/8", "{entry}"]\n', "utf-8")
    with pytest.raises(ConfigError, match=f"'{entry}' is not an IP address or network"):
        load_settings()


def test_missing_file_named_by_itsm_config(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope" / "config.toml"
    monkeypatch.setenv("ITSM_CONFIG", str(missing))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(missing) in info.value.message
    assert "does not exist" in info.value.message


def test_broken_toml_is_a_config_error(config_file: Path) -> None:
    config_file.write_text('timezone = "UTC\nlog_level = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.message.startswith(f"cannot read config file {config_file}")


def test_config_file_in_wrong_encoding_is_a_config_error(config_file: Path) -> None:
    config_file.write_bytes('user = "ñandú"\n'.encode("utf-16"))
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings()


def test_numeric_setting_from_env_is_converted_and_checked(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITSM_SQLITE_BUSY_TIMEOUT_MS", "1234")
    assert load_settings().sqlite_busy_timeout_ms == 1234
    monkeypatch.setenv("ITSM_SQLITE_BUSY_TIMEOUT_MS", "-1")
    with pytest.raises(ConfigError, match="sqlite_busy_timeout_ms"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://itsm:secret@db:5432/itsm", "postgresql://itsm:***@db:5432/itsm"),
        (
            "postgresql+psycopg://u:p%40ss%3Aw0rd@h/db",
            "postgresql+psycopg://u:***@h/db",
        ),
        ("postgresql://:only-pw@h/db", "postgresql://:***@h/db"),
        ("postgresql://u:@h/db", "postgresql://u:***@h/db"),
        ("postgresql://user@h/db", "postgresql://user@h/db"),
        ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ("sqlite:////var/lib/itsm/itsm.db", "sqlite:////var/lib/itsm/itsm.db"),
        (
            "failed: postgresql://a:pw1@h1/x then mysql+pymysql://b:pw2@h2/y.",
            "failed: postgresql://a:***@h1/x then mysql+pymysql://b:***@h2/y.",
        ),
        ("no url here: user:pass@host", "no url here: user:pass@host"),
    ],
)
def test_mask_url_hides_passwords(text: str, expected: str) -> None:
    assert mask_url(text) == expected


def test_mask_url_leaves_no_trace_of_the_password() -> None:
    masked = mask_url("could not connect to postgresql://svc:Tr0ub4dor&3@10.0.0.5/itsm (timeout)")
    assert "Tr0ub4dor" not in masked
    assert masked.endswith("@10.0.0.5/itsm (timeout)")


def test_pool_size_reaches_the_engine_and_is_checked(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from itsm.db.engine import build_engine

    monkeypatch.setenv("ITSM_DATABASE_POOL_SIZE", "12")
    monkeypatch.setenv("ITSM_DATABASE_MAX_OVERFLOW", "3")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'pool.db'}")
    engine = build_engine(settings)
    try:
        assert engine.pool.size() == 12  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 3  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    monkeypatch.setenv("ITSM_DATABASE_POOL_SIZE", "0")
    with pytest.raises(ConfigError, match="invalid setting database_pool_size"):
        load_settings()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('host = "imap.example.org"\nusername = "d"\nsecurity = "none"', "mail.security none"),
        ('host = "imap.example.org"\nsecurity = "tls"', "mail.security"),
        ('host = "imap.example.org"', "mail.username is required"),
        ('host = "h"\nusername = "d"\nprocessed_folder = "INBOX"', "mail.processed_folder"),
        ('folder = "Entrada\\u00f1"', "mail.folder"),
        ("max_message_bytes = 10", "mail.max_message_bytes"),
        ("poll_second = 5", "mail.poll_second; did you mean 'mail.poll_seconds'"),
    ],
)
def test_invalid_mail_settings_name_their_key(config_file: Path, table: str, named: str) -> None:
    config_file.write_text(f"[mail]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.kind == ErrorKind.CONFIG
    assert named in str(info.value)
    assert "\n" not in str(info.value)


def test_mail_over_plain_imap_is_allowed_on_this_machine_only(config_file: Path) -> None:
    config_file.write_text(
        '[mail]\nhost = "127.0.0.1"\nusername = "desk"\nsecurity = "none"\n', encoding="utf-8"
    )
    mail = load_settings().mail
    assert (mail.enabled, mail.effective_port, mail.unknown_senders) == (True, 143, "refuse")
    assert load_settings(database_url="sqlite://").mail.folder == "INBOX"
