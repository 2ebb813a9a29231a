"""A real Wengu server on a free local port, with the demo deck, for browser tests and screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app
from quiz import accounts
from quiz.models import db

CHROMIUM = Path("/usr/bin/chromium")
READER = "reader"
READER_PASSWORD = "correct horse battery"
# As the machine's probe starts it: no sandbox as root, and no background traffic to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_server(folder: Path, **config: object) -> Iterator[tuple[str, object]]:
    """Serve a fresh app (CSRF on) on 127.0.0.1 and yield its base URL and the app."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite'}",
        "SECRET_KEY": "browser-tests",
        "INSTANCE_PATH": str(folder / "instance"),
    }
    settings.update(config)
    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        # The first account takes over the demo deck that init-db loaded, as on the set-up page.
        accounts.create_user(db.session, READER, READER_PASSWORD).timezone = "UTC"
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def log_in(page: object, base: str, name: str = READER, password: str = READER_PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto(base + "/login")
    page.fill("#name", name)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
