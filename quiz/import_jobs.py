"""Running a browser import's parse and store steps: in the request, or in a background thread.

The steps themselves (``quiz.pending.parse`` and ``quiz.pending.store_import``) record their status
and progress in the database, so any worker process can answer the progress page.  A thread job
also runs a heartbeat beside it: every ``IMPORT_JOB_HEARTBEAT_SECONDS`` it stamps the pending
import, and a job whose stamp is older than ``IMPORT_JOB_STALE_SECONDS`` is shown as failed (its
process died: a restart, a crash, an out-of-memory kill) with a "try again" button.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from quiz import pending
from quiz.models import PendingImport, db, now_utc

PHASES = ("parse", "import")


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before it counts as dead."""
    return timedelta(seconds=current_app.config["IMPORT_JOB_STALE_SECONDS"])


def run(pending_id: int, token: str, phase: str, *, background: bool) -> None:
    """Run ``phase`` of the pending import's job: here and now, or in a thread of this process.

    ``IMPORT_JOBS_SYNCHRONOUS`` (tests) makes every job run here and now.
    """
    if phase not in PHASES:
        raise ValueError(f"unknown import phase {phase!r}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not background or app.config.get("IMPORT_JOBS_SYNCHRONOUS"):
        _run(app, db.session, pending_id, token, phase)
        return
    _start_daemon(_thread_main, (app, pending_id, token, phase), f"wengu-import-{pending_id}")


def _start_daemon(target: Callable[..., None], args: tuple[object, ...], name: str) -> None:
    """Start a thread that does not keep the worker process alive when it exits."""
    threading.Thread(target=target, args=args, name=name, daemon=True).start()


def _run(app: Flask, session: Session, pending_id: int, token: str, phase: str) -> None:
    """One step of a job; a failure is recorded on the pending import (nothing of it stays stored)."""
    try:
        if phase == "parse":
            pending.parse(session, pending_id, token, app.config["IMPORT_MAX_CARDS"])
        else:
            pending.store_import(session, pending_id, token)
    except pending.TooManyCardsError:
        pass  # recorded as "refused" by parse
    except pending.JobSuperseded:
        session.rollback()
    except Exception:
        session.rollback()
        if session.get(PendingImport, pending_id) is None:
            return  # discarded while the job ran: its writes failed on the missing row, nothing to record
        app.logger.exception("import job %s (%s) failed", pending_id, phase)
        try:
            pending.fail(session, pending_id, token, phase)
        except SQLAlchemyError:
            session.rollback()
            app.logger.exception("import job %s: could not record the failure", pending_id)


def _thread_main(app: Flask, pending_id: int, token: str, phase: str) -> None:
    with app.app_context():
        stop = threading.Event()
        _start_daemon(_heartbeat, (app, pending_id, token, stop), f"wengu-beat-{pending_id}")
        try:
            _run(app, db.session, pending_id, token, phase)
        finally:
            stop.set()
            db.session.remove()


def _heartbeat(app: Flask, pending_id: int, token: str, stop: threading.Event) -> None:
    """Stamp the pending import while its job runs; stop when told or when the job is no longer its."""
    every = app.config["IMPORT_JOB_HEARTBEAT_SECONDS"]
    with app.app_context():
        while not stop.wait(every):
            try:
                with Session(db.engine) as session:
                    alive = pending.heartbeat(session, pending_id, token, now_utc())
                    session.commit()
            except SQLAlchemyError:
                continue  # the database is busy (SQLite's write lock during the import): next time
            if not alive:
                return
