# syntax=docker/dockerfile:1
#
# Casebook image: one image for the web server, the Celery worker and Celery beat
# (docker-compose.yml picks the command for each). Runs as an unprivileged user.
#
#   docker build -t casebook .
#   docker compose up -d --build          # the usual way; see docker-compose.yml

# Python 3.11 as pyproject.toml requires; the Debian release is pinned so the apt
# package names below stay valid when the default slim base moves on.
FROM python:3.11-slim-bookworm

# gunicorn reads its worker count from WEB_CONCURRENCY (3 suits a small machine; about
# 2 x CPU cores + 1 is the usual ceiling); override it in .env.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

# Shared libraries WeasyPrint loads at run time (Pango, HarfBuzz, libffi) and a font
# family so PDFs render text. Nothing recommended, no apt cache left in the layer.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libffi8 \
        fonts-dejavu-core \
        shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 casebook \
    && useradd --system --uid 1000 --gid casebook --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin casebook

WORKDIR /app

# Dependencies first (exact versions from the lock file) so code changes reuse this layer.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .

# Static files are collected into the image. Settings refuse to load without a secret key
# when debug is off, so this step gets a throwaway key that exists only for this command
# (it is not an ENV, so it is not in the running container). The real key comes from .env.
# var/private (uploads) and var/beat (beat schedule) are created owned by the app user so
# the named volumes mounted there start out writable by it.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private /app/var/beat \
    && chown -R casebook:casebook /app/var

USER casebook

EXPOSE 8000

# /healthz checks the app and its database. slim has no curl, so Python's urllib asks; it
# sends the first DJANGO_ALLOWED_HOSTS entry as Host (so Django accepts the request) and
# X-Forwarded-Proto (honoured only when DJANGO_BEHIND_PROXY=true) so an https redirect
# behind a TLS proxy does not fail the check. Any error or non-2xx status fails it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; hosts = [h.strip().lstrip('.') for h in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': (hosts or ['localhost'])[0], 'X-Forwarded-Proto': 'https'}), timeout=8)"]

# Worker count: WEB_CONCURRENCY (above). Heartbeat files on /dev/shm, not the overlay disk.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--timeout", "60", "--access-logfile", "-"]
