"""Production mode is safe: deploy checks clean, secrets required, no debug; the embedded default just works."""

import os
import subprocess
import sys

import pytest


def run_safehub(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEHUB_", "DJANGO_"))}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "safehub.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_deploy_check_is_clean_in_production_mode(tmp_path):
    result = run_safehub("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "SAFEHUB_PRODUCTION": "1",
        "SAFEHUB_SECRET_KEY": "k" * 20 + "-production-secret-" + "x" * 40,
        "SAFEHUB_ALLOWED_HOSTS": "safehub.example.invalid",
        "SAFEHUB_VAR_DIR": str(tmp_path),
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_safehub("check", env_extra={"SAFEHUB_PRODUCTION": "1", "SAFEHUB_ALLOWED_HOSTS": "a.invalid",
                                             "SAFEHUB_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SAFEHUB_SECRET_KEY must be set" in result.stderr


def test_embedded_default_generates_and_keeps_a_secret_key(tmp_path):
    assert run_safehub("check", env_extra={"SAFEHUB_VAR_DIR": str(tmp_path)}).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 50 and oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    run_safehub("check", env_extra={"SAFEHUB_VAR_DIR": str(tmp_path)})
    assert (tmp_path / "secret_key").read_text() == key


def test_debug_is_off_unless_asked():
    from django.conf import settings

    assert settings.DEBUG is False


@pytest.mark.django_db
def test_server_errors_show_a_calm_page_not_a_stack_trace(client, settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("secret internals")

    import safehub.urls

    settings.ROOT_URLCONF = type("Urls", (), {"urlpatterns": [path("boom/", broken), *safehub.urls.urlpatterns],
                                              "handler500": "safehub.views.server_error"})
    client.raise_request_exception = False
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_bandit_finds_no_medium_or_high_issue():
    """Static security scan of the code: nothing of medium or high severity (or it is justified inline)."""
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / "src"
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", str(source), "-ll"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_with_personal_data_are_never_cached(client_for):
    response = client_for("screener").get("/screening/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
