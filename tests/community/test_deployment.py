"""The settings as a deployment sees them: strict variables, `check --deploy`, the compose file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def manage(*args: str, timeout: int = 60, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a bare process needs: the test run's own variables must not leak into the check.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x9$kq2!v7Lm@pQ4zR8#tW1yB6nC3dF5gH0jK-sUeIoAaZxYwVbN",
    "ALLOWED_HOSTS": "community.example.com",
    "DATABASE_URL": "postgres://community:secret@db.example.com:5432/community",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
}


def test_check_deploy_reports_no_warnings_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("behind_proxy", "hops"), [("true", "1"), ("false", "0")])
def test_behind_the_tls_proxy_allauth_reads_the_clients_address_as_the_site_does(behind_proxy, hops):
    """Without it allauth's per-address limits would see the proxy's address: every visitor in one
    bucket (found by the rate-limit suite, S4)."""
    script = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = manage("shell", "-c", script, BEHIND_TLS_PROXY=behind_proxy, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == hops


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "not-a-url"),
        ("DATABASE_URL", "mongodb://localhost/x"),
        ("REDIS_URL", "http://localhost:6379"),
        ("EMAIL_URL", "pigeon://coop"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("HTTPS", "sometimes"),
    ],
)
def test_a_malformed_variable_stops_start_up_with_a_message_naming_it(variable, value):
    result = manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert f"Environment variable {variable}=" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_static_files_build_into_a_hashed_manifest(tmp_path):
    # About 20 s alone; the generous limit is for CI, where the other test worker shares the 2 cores.
    result = manage("collectstatic", "--noinput", "-v", "0", timeout=300, **PRODUCTION, VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "css/site.css" in manifest
    assert "vendor/htmx-2.0.11.min.js" in manifest
    # Pages' files are served compressed; source maps (developer tools only) are not compressed.
    assert (tmp_path / "static" / "css" / "site.css.br").exists()
    maps = list((tmp_path / "static").rglob("*.map"))
    assert maps, "the API docs' bundles ship source maps"
    assert not list((tmp_path / "static").rglob("*.map.br"))


def test_debug_off_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env, SECRET_KEY="")
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY must be set" in result.stderr


def test_the_compose_file_is_valid(tmp_path):
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "make test installs docker-compose (Debian) to validate the compose file"
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [docker_compose, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_every_part_of_the_platform(tmp_path):
    docker_compose = shutil.which("docker-compose")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [docker_compose, "-f", "docker-compose.yml", "config", "--services"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert set(result.stdout.split()) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
