"""A real Wengu server on a free local port, with the demo deck, for browser tests and screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app
from quiz import store
from quiz.models import LOCAL_USER_NAME, db

CHROMIUM = Path("/usr/bin/chromium")
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
        store.get_or_create_user(db.session, LOCAL_USER_NAME).timezone = "UTC"
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
