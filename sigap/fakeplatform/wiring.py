"""The environment that points Sigap's web server and worker at a running fake platform.

`sigap run` builds it once per run, so the web server, the worker and the fake share the same
freshly generated secrets and tokens; none of them is ever a real credential.
"""

import secrets

from sigap.fakeplatform.accounts import TOKEN_ENV

GRAPH_VERSION = "v25.0"  # §1.4: the version lives in configuration; the fake accepts any vNN.N

# Path prefixes under which the one server plays each platform's API host.
API_PATHS = {
    "SIGAP_META_GRAPH_URL": f"/meta/{GRAPH_VERSION}",
    "SIGAP_X_API_URL": "/x",
    "SIGAP_TIKTOK_API_URL": "/tiktok/open_api/v1.3",
    "SIGAP_TELEGRAM_API_URL": "/telegram",
    "SIGAP_YOUTUBE_API_URL": "/youtube/v3",
}
SECRET_NAMES = (
    "SIGAP_META_APP_SECRET",
    "SIGAP_META_VERIFY_TOKEN",
    "SIGAP_X_CONSUMER_SECRET",
    "SIGAP_TIKTOK_APP_SECRET",
    "SIGAP_TELEGRAM_SECRET_TOKEN",
)


def fake_environment(addr: str) -> dict[str, str]:
    """Env vars for Sigap's processes and the fake itself: API URLs, fresh secrets, tokens."""
    base = f"http://{addr}"
    env = {name: base + path for name, path in API_PATHS.items()}
    env |= {name: "fake-" + secrets.token_hex(16) for name in SECRET_NAMES}
    env |= {name: f"fake-{platform}-" + secrets.token_hex(12) for platform, name in TOKEN_ENV.items()}
    return env


def apply(environ: dict[str, str], fake_env: dict[str, str]) -> dict[str, str]:
    """`environ` with `fake_env` on top; *_FILE variants removed, since settings would read those first."""
    merged = {k: v for k, v in environ.items() if not (k.endswith("_FILE") and k[: -len("_FILE")] in fake_env)}
    return merged | fake_env
