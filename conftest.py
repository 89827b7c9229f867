import os

# Tests never read a developer's environment for secrets or databases other than
# SIGAP_DATABASE_URL, which .ci/run sets to run the suite on PostgreSQL too.
os.environ.setdefault("SIGAP_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
