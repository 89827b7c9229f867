"""Server-Timing for the scale benchmark: how long Django took for a request, in a response header.

Plain Django (no Sigap import), so the django-helpdesk project of the same benchmark uses it too:
both systems are timed by the same code at the same place, inside the WSGI app, after gunicorn.
"""

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # Streaming responses are timed to their first byte; none of the measured pages streams.
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response
