"""Configuration from the environment."""

from __future__ import annotations

import stat

from app import create_app, database_url_from_env


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
