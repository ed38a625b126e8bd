"""Production settings (from the environment bench/http.py sets) and one more URL: the
trivial view every answer is compared with, behind the same middleware."""

from xstocks_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_site.urls"
