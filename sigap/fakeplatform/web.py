"""The few pieces of HTTP the fake needs: a request, a response, and a threaded WSGI server.

Standard library only, so the fake adds no dependency and starts in milliseconds in tests.
"""

import json
import logging
import threading
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger("sigap.fakeplatform")

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
MAX_BODY = 2 * 1024 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @classmethod
    def from_environ(cls, environ: dict) -> "Request":
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length > 0 else b""
        # PATH_INFO arrives latin-1 decoded (PEP 3333); ids are ASCII, so this is only for safety.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=path,
            query=_first_values(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
        )

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self):
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        if "application/x-www-form-urlencoded" in self.header("content-type"):
            return _first_values(self.body.decode("utf-8", "replace"))
        return {}

    def params(self) -> dict:
        """Query, form and JSON-object body merged, as the Graph and Bot APIs accept parameters in any of them."""
        data = self.json()
        return {**self.query, **self.form(), **(data if isinstance(data, dict) else {})}

    def bearer(self) -> str:
        value = self.header("authorization")
        return value[7:].strip() if value[:7].lower() == "bearer " else ""


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)
    error: str = ""  # the platform's error code, when this answer is an error (for the call log)


def json_response(data, status: int = 200, headers: dict | None = None, error: str = "") -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(status, body, headers=dict(headers or {}), error=error)


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), content_type="text/html; charset=utf-8")


def redirect(location: str) -> Response:
    return Response(303, b"", content_type="text/plain", headers={"Location": location})


def to_wsgi(response: Response, start_response) -> list[bytes]:
    headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
    headers += [(k, str(v)) for k, v in response.headers.items()]
    start_response(f"{response.status} {REASONS.get(response.status, 'Status')}", headers)
    return [response.body]


def _first_values(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


# Server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a stuck client must not keep the process alive
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is the base class's
        log.debug("%s %s", self.address_string(), format % args)


class Server:
    """A WSGI app served from a background thread; port 0 picks a free port (tests)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Server":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
