"""Production settings refuse unsafe defaults and pass Django's deployment checks."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    leaks = ("HAVEN_", "DATABASE_", "DJANGO_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(leaks)}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    key_file = tmp_path / "secret"
    key_file.write_text("s" * 30 + "-production-secret-key-from-a-file-0123456789")
    return {
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY_FILE": str(key_file),
        "HAVEN_FIELD_KEYS": base64.urlsafe_b64encode(b"k" * 32).decode(),
        "HAVEN_ALLOWED_HOSTS": "haven.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HAVEN_DATA_DIR": str(tmp_path),
    }


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = run_manage({"HAVEN_ENV": "production", "HAVEN_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "HAVEN_SECRET_KEY" in result.stderr
    assert "HAVEN_FIELD_KEYS" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    result = run_manage({**production_env(tmp_path), "HAVEN_DEBUG": "true"}, "check")
    assert result.returncode != 0
    assert "HAVEN_DEBUG must be off" in result.stderr


def test_deploy_check_is_clean_in_production(tmp_path: Path) -> None:
    result = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_may_come_from_a_file(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    url_file = tmp_path / "database_url"
    url_file.write_text(env.pop("DATABASE_URL"))
    result = run_manage({**env, "DATABASE_URL_FILE": str(url_file)}, "check", "--deploy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_cheap_passphrase_hash(tmp_path: Path) -> None:
    cheap = run_manage({**production_env(tmp_path), "HAVEN_PASSPHRASE_ITERATIONS": "9999"}, "check")
    assert cheap.returncode != 0
    assert "HAVEN_PASSPHRASE_ITERATIONS=9999 is too low" in cheap.stderr
    floor = run_manage(
        {**production_env(tmp_path), "HAVEN_PASSPHRASE_ITERATIONS": "10000"}, "check"
    )
    assert floor.returncode == 0, floor.stderr


def test_kept_database_connections_may_be_unlimited_and_a_wrong_value_is_named(
    tmp_path: Path,
) -> None:
    show = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    env = production_env(tmp_path)
    kept = run_manage({**env, "HAVEN_DB_CONN_MAX_AGE": "unlimited"}, "shell", "-c", show)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip().splitlines()[-1] == "None"  # Django: keep it for good
    seconds = run_manage({**env, "HAVEN_DB_CONN_MAX_AGE": "60"}, "shell", "-c", show)
    assert seconds.stdout.strip().splitlines()[-1] == "60"
    wrong = run_manage({**env, "HAVEN_DB_CONN_MAX_AGE": "forever"}, "check")
    assert wrong.returncode != 0
    assert "HAVEN_DB_CONN_MAX_AGE must be a whole number of seconds or 'unlimited'" in wrong.stderr
