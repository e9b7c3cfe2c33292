"""Celery application. Without CELERY_BROKER_URL, settings make every task run eagerly
in-process, so the app works on a bare machine; with it, a real worker and beat run."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
