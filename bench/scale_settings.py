"""The scale benchmark's Sigap settings: bench.settings (production-like) plus Server-Timing."""

from bench.settings import *  # noqa: F403
from bench.settings import MIDDLEWARE

# First, so the time covers every other middleware too (sessions, auth, locale, CSRF).
MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
