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


class ResponseTooLarge(Exception):
    """The response body went past `max_bytes`; nothing more of it was read."""

    def __init__(self, max_bytes: int, status_code: int) -> None:
        super().__init__(f"response body over {max_bytes} bytes")
        self.max_bytes, self.status_code = max_bytes, status_code


def request(
    method: str, url: str, *, client: httpx.Client | None = None, max_bytes: int | None = None, **kwargs
) -> httpx.Response:
    """Send one request and return the response, whatever its status; network failures raise httpx errors.

    With `max_bytes` the body is read in chunks and ResponseTooLarge is raised past that size:
    for servers an administrator configured (sigap.connectors), whose answers we do not control.
    """
    kwargs.setdefault("timeout", TIMEOUT)
    headers = httpx.Headers(kwargs.pop("headers", None))
    headers.setdefault("User-Agent", USER_AGENT)
    client = client or _shared_client()
    if max_bytes is None:
        return client.request(method, url, headers=headers, **kwargs)
    built = client.build_request(method, url, headers=headers, **kwargs)
    response = client.send(built, stream=True)
    try:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise ResponseTooLarge(max_bytes, response.status_code)
    finally:
        response.close()
    # The body is decoded already: drop the headers that would make httpx decode it again.
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ("content-encoding", "content-length")]
    return httpx.Response(response.status_code, headers=kept, content=bytes(body), request=built)
