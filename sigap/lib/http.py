"""The single outbound HTTP wrapper: every call Sigap makes to another server goes through `request()`.

Keeping it to one function gives one place for timeouts and the User-Agent, and one thing for tests
to patch (`sigap.lib.http.request`). Callers that need a different transport (tests with
`httpx.MockTransport`, a local fake platform) pass their own `client`.

The URLs called here come from settings, never from users, so unlike healthchecks' curl wrapper
this does not need to refuse private addresses.
"""

import httpx

# Platforms answer in well under a second; a reply worker must not hang on one slow call.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
USER_AGENT = "Sigap/0.1"

_shared: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    # Created on first use, after any worker fork, and reused for its connection pool.
    global _shared
    if _shared is None:
        _shared = httpx.Client(follow_redirects=False)
    return _shared


def request(method: str, url: str, *, client: httpx.Client | None = None, **kwargs) -> httpx.Response:
    """Send one request and return the response, whatever its status; network failures raise httpx errors."""
    kwargs.setdefault("timeout", TIMEOUT)
    headers = httpx.Headers(kwargs.pop("headers", None))
    headers.setdefault("User-Agent", USER_AGENT)
    return (client or _shared_client()).request(method, url, headers=headers, **kwargs)
