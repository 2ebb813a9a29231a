"""Two gunicorn processes on one PostgreSQL database: nothing that matters lives in a process.

Both servers are started the way production starts them (``gunicorn -c gunicorn.conf.py
'app:create_app()'``), one worker each, sharing ``SECRET_KEY`` and ``DATABASE_URL``.  Two clients of
the same user, one per server, grade cards at the same time, and some rounds make both grade the same
card with the same version at the same moment.  The database must then hold every accepted grade once,
each race exactly once, and every card's state equal to what its log says.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from quiz.models import ReviewLog, ReviewState, User, db
from tests.conftest import ROOT, drop_schema, make_app

pytestmark = pytest.mark.slow

SECRET = "multiprocess-test-secret"
USER = "mei"
PASSWORD = "two processes, one database"
ALREADY_GRADED = "That card was already graded"
RACE_ROUNDS = 12
FREE_ROUNDS = 18  # per client
STARTUP_SECONDS = 30
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
CARD_RE = re.compile(r"/quiz/card/(\d+)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WENGU_", "GUNICORN"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        FLASK_APP="app",
        # Enough new cards for every round, whatever the instance's default.
        WENGU_NEW_CARDS_PER_DAY="500",
    )
    env.pop("WEB_CONCURRENCY", None)
    return env


def flask(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_server(env: dict[str, str], log: Path) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "app:create_app()",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Server(process, f"http://127.0.0.1:{port}", log)


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.process.returncode}:\n{server.output()}")
        try:
            if requests.get(server.base + "/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or the worker is still importing the app
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{server.output()}")


def stop(server: Server) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL: the test never waits more than a few seconds."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@dataclass
class Client:
    """One browser of the user, talking to one server only."""

    name: str
    server: Server
    http: requests.Session = field(default_factory=requests.Session)
    accepted: list[tuple[int, int]] = field(default_factory=list)  # (card id, grade)
    refused: list[tuple[int, int]] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        response = self.http.get(self.server.base + path, timeout=30, **kwargs)
        for step in (*response.history, response):
            self.statuses[step.status_code] += 1
        return response

    def log_in(self) -> None:
        token = CSRF_RE.search(self.get("/login").text).group(1)
        form = {"name": USER, "password": PASSWORD, "csrf_token": token}
        response = self.http.post(self.server.base + "/login", data=form, allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text

    def next_card(self) -> int | None:
        """The card ``/quiz`` sends this client to, or None when the queue is empty."""
        response = self.get("/quiz", allow_redirects=False)
        assert response.status_code == 302, response.status_code
        match = CARD_RE.search(response.headers["Location"])
        return int(match.group(1)) if match else None

    def show(self, card_id: int) -> tuple[int, str]:
        """The answer side of a card: the state version it carries and the form's CSRF token."""
        response = self.get(f"/quiz/card/{card_id}?show=1")
        assert response.status_code == 200, response.status_code
        return int(VERSION_RE.search(response.text).group(1)), CSRF_RE.search(response.text).group(1)

    def grade(self, card_id: int, grade: int, version: int, token: str) -> bool:
        """Post a grade; accepted means a 302 to the next card without the "already graded" notice."""
        form = {"grade": str(grade), "version": str(version), "csrf_token": token}
        response = self.http.post(f"{self.server.base}/quiz/card/{card_id}/grade", data=form, timeout=30)
        for step in (*response.history, response):
            self.statuses[step.status_code] += 1
        assert response.history and response.history[0].status_code == 302, response.status_code
        assert response.history[0].headers["Location"].endswith("/quiz")
        assert response.status_code == 200, response.status_code
        accepted = ALREADY_GRADED not in response.text  # the next page shows the notice, once
        (self.accepted if accepted else self.refused).append((card_id, grade))
        return accepted


def run_threads(*targets) -> None:
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as exc:  # noqa: B036 - handed to the main thread below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a client thread hung"
    if errors:
        raise errors[0]


@pytest.fixture
def pg_app(pg_database: str, tmp_path: Path) -> Iterator[object]:
    """The run's PostgreSQL database, emptied (Alembic builds it here) and emptied again afterwards."""
    app = make_app(pg_database, tmp_path, SECRET_KEY=SECRET)
    drop_schema(app)
    try:
        yield app
    finally:
        drop_schema(app)


def test_two_gunicorn_processes_on_one_database_record_every_grade_once(pg_app, pg_database, tmp_path):
    env = server_env(pg_database)
    flask(["init-db"], env)
    flask(["users", "create", USER, "--password", PASSWORD], env)

    servers: list[Server] = []
    try:
        for name in ("one", "two"):
            servers.append(start_server(env, tmp_path / f"gunicorn-{name}.log"))
        for server in servers:
            wait_until_serving(server)
        clients = [Client("a", servers[0]), Client("b", servers[1])]
        for client in clients:
            client.log_in()
        # The session cookie of one process is good on the other: the key is shared, nothing else is needed.
        crossed = requests.get(servers[1].base + "/", cookies=clients[0].http.cookies, timeout=30)
        assert crossed.status_code == 200 and not crossed.history

        # Races: both clients are shown the same card with the same version, then post at the same moment.
        barrier = threading.Barrier(2, timeout=30)
        shown: list[tuple[int, str, int, int]] = []  # (round, client, card id, version)

        def racer(client: Client, grade: int) -> None:
            try:
                for round_ in range(RACE_ROUNDS):
                    card_id = client.next_card()
                    assert card_id is not None
                    version, token = client.show(card_id)
                    shown.append((round_, client.name, card_id, version))
                    barrier.wait()  # both have read the card: now post together
                    client.grade(card_id, grade, version, token)
                    barrier.wait()  # the next round starts when both have their answer
            except BaseException:
                barrier.abort()  # the other client stops waiting at once
                raise

        # Grades 4 and 5 pass a card: it leaves today's queue, so each race card is graded in one race only.
        run_threads(lambda: racer(clients[0], 4), lambda: racer(clients[1], 5))
        rounds = {(round_, card_id, version) for round_, _, card_id, version in shown}
        assert len(shown) == 2 * RACE_ROUNDS and len(rounds) == RACE_ROUNDS, "one card and version per round"
        race_cards = {card_id for _, card_id, _ in rounds}
        assert len(race_cards) == RACE_ROUNDS

        # Then both clients study freely at the same time, often colliding, with grades that send
        # some cards to the same-day drill (3) so that drill grades race too.
        def studier(client: Client, grades: tuple[int, ...]) -> None:
            for i in range(FREE_ROUNDS):
                card_id = client.next_card()
                if card_id is None:
                    return
                version, token = client.show(card_id)
                client.grade(card_id, grades[i % len(grades)], version, token)

        run_threads(lambda: studier(clients[0], (3, 4, 5)), lambda: studier(clients[1], (5, 3, 4, 4)))
    finally:
        for server in servers:
            stop(server)
    outputs = "\n".join(server.output() for server in servers)
    for client in clients:
        assert all(status in (200, 302) for status in client.statuses), (client.statuses, outputs)
    assert "Traceback" not in outputs, outputs

    accepted = clients[0].accepted + clients[1].accepted
    refused = clients[0].refused + clients[1].refused
    race_results = Counter(card_id for card_id, _ in accepted if card_id in race_cards)
    assert race_results == Counter(race_cards), "each race must be won by exactly one request"
    assert sum(1 for card_id, _ in refused if card_id in race_cards) == RACE_ROUNDS

    with pg_app.app_context():
        user = db.session.scalars(sa.select(User).where(User.name == USER)).one()
        logs = db.session.scalars(
            sa.select(ReviewLog).where(ReviewLog.user_id == user.id).order_by(ReviewLog.id)
        ).all()
        states = {
            state.card_id: state
            for state in db.session.scalars(sa.select(ReviewState).where(ReviewState.user_id == user.id))
        }
        # Every accepted grade is in the log exactly once, and nothing else is.
        assert Counter((log.card_id, log.grade) for log in logs) == Counter(accepted)
        assert len(logs) == len(accepted) >= RACE_ROUNDS + FREE_ROUNDS
        # The race cards have one log row each: the winner's grade.
        for card_id in race_cards:
            assert [log.card_id for log in logs].count(card_id) == 1

        by_card: dict[int, list[ReviewLog]] = {}
        for log in logs:
            by_card.setdefault(log.card_id, []).append(log)
        for card_id, state in states.items():
            history = by_card.get(card_id, [])
            # One version step per recorded grade: no grade was lost or applied twice.
            assert state.version == 1 + len(history), (card_id, state.version, len(history))
            if not history:
                assert (state.due, state.repetitions, state.introduced_on) == (None, 0, None)
                continue
            # Each grade started from the state the one before left.
            for before, after in zip(history, history[1:], strict=False):
                assert (
                    after.repetitions_before,
                    after.ease_hundredths_before,
                    after.interval_days_before,
                    after.due_before,
                ) == (
                    before.repetitions_after,
                    before.ease_hundredths_after,
                    before.interval_days_after,
                    before.due_after,
                ), card_id
            last = history[-1]
            assert (state.repetitions, state.ease_hundredths, state.interval_days, state.due) == (
                last.repetitions_after,
                last.ease_hundredths_after,
                last.interval_days_after,
                last.due_after,
            ), card_id
        assert set(by_card) <= set(states)
        db.session.remove()
        db.engine.dispose()
