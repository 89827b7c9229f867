"""Benchmark settings: production-like (DEBUG off) plus two baseline views beside Sigap's URLs."""

import os

os.environ.setdefault("SIGAP_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SIGAP_META_APP_SECRET", "bench-app-secret")
os.environ.setdefault("SIGAP_HTTPS", "0")  # plain HTTP on the loopback: no redirect to https

from sigap.settings import *  # noqa: E402,F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
