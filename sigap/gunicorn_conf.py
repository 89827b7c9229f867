"""Gunicorn's configuration for Sigap's web processes, used by `sigap serve` and sigap-web.service:

    gunicorn -c python:sigap.gunicorn_conf sigap.wsgi

It ships inside the package, so the command is the same wherever Sigap is installed. Set through
the environment, like every Sigap setting (docs/deploy/sigap.env.example):

    SIGAP_BIND                 where to listen: 127.0.0.1:8000 (a comma-separated list, or unix:/path)
    SIGAP_WEB_WORKERS          web processes: 2 per CPU core by default
    SIGAP_WEB_TIMEOUT          seconds a request may take before its process is replaced: 120
    SIGAP_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-Proto: 127.0.0.1,::1
"""

import gc
import multiprocessing
import os

bind = [b.strip() for b in os.getenv("SIGAP_BIND", "127.0.0.1:8000").split(",") if b.strip()]
# Sync workers: each request is short and the reverse proxy buffers slow clients, so a process per
# request in flight is the simplest model that stays correct (no shared state across threads).
workers = int(os.getenv("SIGAP_WEB_WORKERS") or 2 * multiprocessing.cpu_count())
worker_class = "sync"
# Recap downloads (XLSX, PDF) are built in the request; 120 s leaves room for a year's recap.
timeout = int(os.getenv("SIGAP_WEB_TIMEOUT", "120"))
graceful_timeout = 20
keepalive = 5
# Load Django once in the master, then fork: faster start, memory shared between processes.
preload_app = True


def when_ready(server):
    """In the master, before the first fork: import every view now (seconds of work), so that no
    process pays for it on its first request, nor again after each max_requests restart."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns
    connections.close_all()  # a connection must never be shared by forked processes
    # Everything loaded so far lives as long as the process: out of the garbage collector's sight,
    # a full collection in a worker walks its own objects only (about 120 ms less, now and then,
    # on a request that happens to trigger one), and the pages stay shared after the fork.
    gc.freeze()


# Replace a process now and then, so a slow leak in any library cannot grow for weeks.
max_requests = 5000
max_requests_jitter = 500
# The reverse proxy on this machine says whether the client used HTTPS (X-Forwarded-Proto);
# gunicorn believes it only from these addresses.
forwarded_allow_ips = os.getenv("SIGAP_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "sigap-web"
# Gunicorn's control socket (in $HOME by default) is not used; two servers would share its path.
control_socket_disable = True
# Logs to stdout and stderr: journald (or `sigap serve`'s terminal) keeps them.
accesslog = "-"
errorlog = "-"
# Request time in microseconds (%(D)s) at the end of each access line.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
# The workers' heartbeat files on a RAM disk: a slow or full /tmp must not get them killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
