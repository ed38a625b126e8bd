"""The Celery app: tasks are autodiscovered from every installed app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xstocks_site.settings")

app = Celery("xstocks_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
