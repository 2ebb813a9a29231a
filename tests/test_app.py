"""Configuration from the environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from app import create_app, database_url_from_env
from tests.conftest import ROOT


def test_database_url_defaults_to_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'wengu.sqlite'}"


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/wengu")
    assert database_url_from_env(str(tmp_path)) == "postgresql+psycopg://u@db.example:5432/wengu"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/wengu.sqlite")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/wengu.sqlite"


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) == 64 and first != "dev"
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other")}).config["SECRET_KEY"]
    assert other != first


def test_secret_key_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_new_cards_per_day_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("WENGU_NEW_CARDS_PER_DAY", "7")
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}).config["NEW_CARDS_PER_DAY"] == 7


def _run_one_postgres_test(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(env_extra, WENGU_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:9/postgres")
    test = "tests/test_store.py::test_local_day_follows_the_users_time_zone[postgresql]"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # starts other Python processes
def test_unreachable_postgres_is_skipped_locally_but_fails_in_ci():
    local = _run_one_postgres_test({})
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    ci = _run_one_postgres_test({"CI": "true"})
    assert ci.returncode == 1 and "does not answer" in ci.stdout, ci.stdout


@pytest.mark.slow  # starts other Python processes
def test_processes_starting_together_share_one_generated_key(tmp_path):
    script = "import sys; from app import secret_key_from_env; print(secret_key_from_env(sys.argv[1]))"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
