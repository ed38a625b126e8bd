from __future__ import annotations

import pytest
from django.core.cache import cache

from xstocks_site.celery import app as celery_app


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests unless a test starts a real worker itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
