"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env as env_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("On", True), ("no", False), ("0", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_module.env_bool("X_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_module.env_bool("X_FLAG", True) is True


@pytest.mark.parametrize("raw", ["maybe", "ture", "2"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_module.env_bool("X_FLAG", False)


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_module.env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env_module.env_int("X_NUM", 1, minimum=1)


def test_env_url_checks_the_scheme(monkeypatch):
    monkeypatch.setenv("X_URL", "mysql://localhost/db")
    with pytest.raises(ImproperlyConfigured, match="X_URL"):
        env_module.env_url("X_URL", schemes=("postgres",))
    monkeypatch.setenv("X_URL", "postgres://localhost/db")
    assert env_module.env_url("X_URL", schemes=("postgres",)) == "postgres://localhost/db"


def _load(settings_module: str, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean.update(
        env,
        DJANGO_SETTINGS_MODULE=settings_module,
        SUANBEI_VAR_DIR=env.get("SUANBEI_VAR_DIR", "/tmp/suanbei-settings-test"),
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD_PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" * 20 + "roduction-secret-key-for-the-settings-test-0123456789",
    "DJANGO_ALLOWED_HOSTS": "suanbei.example.cn",
    "DATABASE_URL": "postgres://suanbei@127.0.0.1:5432/suanbei",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_load_with_the_required_variables():
    result = _load("config.settings.production", **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]
)
def test_production_settings_refuse_to_start_without_each_variable(missing):
    env = {k: v for k, v in GOOD_PRODUCTION.items() if k != missing}
    result = _load("config.settings.production", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_a_bad_boolean_stops_start_up():
    result = _load("config.settings.local", DJANGO_DEBUG="yes please")
    assert result.returncode != 0 and "DJANGO_DEBUG" in result.stderr


def test_the_embedded_default_is_sqlite_in_wal_mode_with_immediate_transactions(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; from django.conf import settings;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "print(settings.DATABASES['default']['OPTIONS']['transaction_mode']);"
        "print(settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS['polling_interval'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.local", SUANBEI_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE", "filesystem://", "0.1"]
    for folder in ("queue", "processed", "control"):
        assert (tmp_path / "broker" / folder).is_dir()
