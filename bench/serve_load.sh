#!/usr/bin/env bash
# Load test of the production server: gunicorn (gunicorn.conf.py, 2 workers) on a throwaway SQLite
# database with the demo deck (or LOAD_DATABASE_URL, LOAD_USER and LOAD_PASSWORD: an existing
# collection), one logged-in user, and wrk hitting a quiz card page for 10 s with 4 connections.
# Loopback only; everything it starts is stopped and removed on exit.
#
#   bench/serve_load.sh            # DURATION=10s CONNECTIONS=4 WORKERS=2 PAGE=/path override the defaults
#
# Targets: at least 500 requests/s, p99 latency at most 25 ms.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-4}"
WORKERS="${WORKERS:-2}"
TARGET_RPS=500
TARGET_P99_MS=25

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "wrk is missing: sudo apt-get install -y wrk" >&2
    exit 1
  fi
fi
make --no-print-directory -s .venv/.installed

TMP="$(mktemp -d)"
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
export SECRET_KEY="serve-load-bench-$RANDOM$RANDOM"
export WENGU_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY="$WORKERS"
unset WENGU_ACCESS_LOG
if [ -n "${LOAD_DATABASE_URL:-}" ]; then
  # An existing collection (bench/run.py passes its generated 100,000 cards) and its user.
  export DATABASE_URL="$LOAD_DATABASE_URL"
  LOAD_USER="${LOAD_USER:?LOAD_USER is needed with LOAD_DATABASE_URL}"
  LOAD_PASSWORD="${LOAD_PASSWORD:?LOAD_PASSWORD is needed with LOAD_DATABASE_URL}"
else
  export DATABASE_URL="sqlite:///$TMP/wengu.sqlite"
  LOAD_USER=bench LOAD_PASSWORD="bench-password-1"
  "$BIN/flask" init-db >/dev/null
  "$BIN/flask" users create "$LOAD_USER" --password "$LOAD_PASSWORD" >/dev/null
fi

"$BIN/gunicorn" -c gunicorn.conf.py 'app:create_app()' >"$TMP/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "$BASE/login" && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$TMP/gunicorn.log" >&2; exit 1; }
  sleep 0.1
done

# Log in: the login form's CSRF token, then the POST; the jar keeps the session cookie.
JAR="$TMP/cookies"
TOKEN="$(curl -s -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)"
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" \
  --data-urlencode "csrf_token=$TOKEN" --data-urlencode "name=$LOAD_USER" \
  --data-urlencode "password=$LOAD_PASSWORD" "$BASE/login")"
[ "$STATUS" = 302 ] || { echo "login failed: HTTP $STATUS" >&2; exit 1; }
COOKIE="session=$(awk '$6 == "session" { print $7 }' "$JAR")"

# /quiz redirects to the first card of the queue (a new card of the demo deck).
CARD_PATH="$(curl -s -o /dev/null -w '%{redirect_url}' -H "Cookie: $COOKIE" "$BASE/quiz" | sed 's|^https\?://[^/]*||')"
case "$CARD_PATH" in
  /quiz/card/*) ;;
  *) echo "no card to show: /quiz redirected to '$CARD_PATH'" >&2; exit 1 ;;
esac
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$CARD_PATH")"
[ "$STATUS" = 200 ] || { echo "$CARD_PATH answered HTTP $STATUS" >&2; exit 1; }

# PAGE=/some/path measures another page with the same session (e.g. /favicon.ico for the server's floor).
CARD_PATH="${PAGE:-$CARD_PATH}"
echo "gunicorn: $WORKERS workers on $BASE, ${DATABASE_URL%%:*}; wrk: $CONNECTIONS connections, $DURATION on $CARD_PATH"
wrk -t 2 -c "$CONNECTIONS" -d "$DURATION" --timeout 5s --latency -H "Cookie: $COOKIE" "$BASE$CARD_PATH" | tee "$TMP/wrk.out"

RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$TMP/wrk.out")"
P99="$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) ms = v / 1000; else if (v ~ /ms$/) ms = v + 0; else ms = v * 1000; print ms }' "$TMP/wrk.out")"
if grep -q "Non-2xx" "$TMP/wrk.out"; then
  echo "FAIL: some responses were not 2xx" >&2
  exit 1
fi
VERDICT="$(awk -v r="$RPS" -v p="$P99" -v tr="$TARGET_RPS" -v tp="$TARGET_P99_MS" \
  'BEGIN { print (r >= tr && p <= tp) ? "meets" : "MISSES" }')"
echo "result: $RPS requests/s, p99 $P99 ms: $VERDICT the target (>= $TARGET_RPS requests/s, p99 <= $TARGET_P99_MS ms)"
