"""Settings for the test suite: the real settings with a throwaway key and fast password hashing."""

import os

os.environ.setdefault("SIGAP_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from sigap.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Production security settings stay on, but the test client and live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Pages use {% static %}; the manifest storage of production needs `collectstatic`, which tests don't run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# A model someone trained locally (`sigap train` writes to var/models) must not change test results.
import tempfile  # noqa: E402

SIGAP_MODEL_DIR = Path(tempfile.mkdtemp(prefix="sigap-test-models-"))
