"""Gunicorn settings for Wengu: ``gunicorn -c gunicorn.conf.py 'app:create_app()'``, what ``make serve`` runs.

Environment: ``WENGU_BIND`` (127.0.0.1:8000), ``WEB_CONCURRENCY`` (2 worker processes),
``WENGU_MAX_REQUESTS`` (0: workers are not recycled),
``WENGU_ACCESS_LOG`` (off; ``-`` for stdout or a file path), ``WENGU_LOG_LEVEL`` (info) and
``WENGU_CONTROL_SOCKET`` (off; a path enables gunicorn's control socket there).  Any setting can still
be overridden on the command line or in ``GUNICORN_CMD_ARGS``.

Nothing that matters lives in a worker: sessions are signed cookies, the login rate limits are rows in
the database, the quiz state is in the database guarded by a version column.  So any number of workers,
or of gunicorn processes on several hosts, can serve the same database, as long as they share
``SECRET_KEY`` (or one ``instance/secret_key``) and ``DATABASE_URL``.
"""

from __future__ import annotations

import os

bind = os.environ.get("WENGU_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# gthread with 2 threads rather than sync: every request is short and spends part of its time waiting
# on the database (and on SQLite's lock), so a second thread keeps the worker's CPU busy meanwhile, and
# one slow client (a 5 MB notes upload over a bad link, when no buffering proxy sits in front) holds a
# thread, not the whole process.  gthread also keeps connections alive, which a browser clicking through
# the quiz uses: bench/serve_load.sh served more requests/s with gthread than with sync (sync opens a
# new connection per request).  Not more than 2: the GIL makes more threads per process no faster for this
# CPU-bound page rendering; scale with processes (WEB_CONCURRENCY) instead.  Each thread takes its own
# connection from the worker's SQLAlchemy pool (5 by default, so 2 per worker are always there), and
# Flask-SQLAlchemy's sessions are per request, so threads share no state.
worker_class = "gthread"
threads = 2
keepalive = 5

# A worker whose main loop stops answering for this long (a request holding the GIL, say) is killed and
# replaced.  Unlike with sync workers, one hung request in a thread does not trip it: its thread stays
# busy while the other thread serves.
timeout = 30
# On restart or SIGTERM a worker gets this long to finish the requests it has.
graceful_timeout = 20

# Each worker imports the app itself, so each opens its own database connections after the fork:
# a connection pool (or a SQLite handle) inherited across fork() would be shared by processes.
preload_app = False

# Workers are not recycled by default: a new worker imports the app before it serves again, and with
# recycling every 2,000 requests a busy server restarted each worker every few seconds, which showed in
# bench/serve_load.sh as p99 latencies many times those without recycling.  Set
# WENGU_MAX_REQUESTS to recycle after that many requests (with 10% jitter, so workers do not all restart
# at once) if a worker's memory ever grows.
max_requests = int(os.environ.get("WENGU_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10

accesslog = os.environ.get("WENGU_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WENGU_LOG_LEVEL", "info")
proc_name = "wengu"

# Gunicorn 25+ opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR or ~/.gunicorn):
# two gunicorn processes on one machine would fight over it, so it is off unless a path is given.
control_socket = os.environ.get("WENGU_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("WENGU_CONTROL_SOCKET")
