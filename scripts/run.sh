#!/bin/sh
# Prepares the database and serves Casebook on http://127.0.0.1:$PORT.
# With CELERY_BROKER_URL set it also runs a Celery worker and beat beside the web server;
# without it, jobs run in-process and nothing else is started.
set -eu
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
# Links in notification e-mails point at this server unless a real address was configured.
export CASEBOOK_SITE_URL="${CASEBOOK_SITE_URL:-http://127.0.0.1:$PORT}"

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py load_standard portfolio/data/units/f6.yaml
if [ "${CASEBOOK_DEMO:-${DJANGO_DEBUG:-0}}" != "0" ]; then
  "$BIN/python" manage.py seed_demo
fi

pids=""
cleanup() { for pid in $pids; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -n "${CELERY_BROKER_URL:-}" ]; then
  mkdir -p var
  "$BIN/celery" -A config worker -l info >var/worker.log 2>&1 &
  pids="$pids $!"
  "$BIN/celery" -A config beat -l info --schedule var/celerybeat-schedule >var/beat.log 2>&1 &
  pids="$pids $!"
  echo "Celery worker and beat started (logs in var/worker.log and var/beat.log)."
fi

echo "Casebook is at http://127.0.0.1:$PORT/"
"$BIN/python" manage.py runserver "127.0.0.1:$PORT" --noreload
