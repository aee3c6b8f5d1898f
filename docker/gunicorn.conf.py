"""Gunicorn settings of the container image; each one can be tuned by an environment variable.

    gunicorn --config docker/gunicorn.conf.py "$SERVICE:create_app()"

Threads serve most of the concurrency (requests mostly wait on PostgreSQL and peers); workers add
CPU parallelism. The apps write their own JSON request log, so gunicorn's access log is off.
"""

from __future__ import annotations

import os
import shutil

bind = f"0.0.0.0:{int(os.environ.get('PORT') or 8000)}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)  # a worker silent this long is killed and replaced
# On SIGTERM, requests in flight get this long (compose gives the container 30 s before SIGKILL).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 20)
# Longer than nginx's upstream keepalive_timeout (30 s), so nginx never reuses a connection we just closed.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 65)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 0)
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER") or 0)
# The workers' heartbeat files on tmpfs: a container's disk layer can stall them into false timeouts.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a container: no other user shares it
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Who may set X-Forwarded-Proto for gunicorn itself; the app trusts proxies through PROXY_FIX_COUNT.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = os.environ.get("SERVICE", "marketplace")
control_socket_disable = True  # no gunicornc in containers; it would want a writable home directory

# Every worker counts into files here; a scrape of any worker adds them up (common_core.metrics).
# Set before a worker imports prometheus_client, which reads it once.
DEFAULT_METRICS_DIR = "/dev/shm/marketplace-metrics"  # noqa: S108 - a container: no other user shares it
METRICS_DIR = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", DEFAULT_METRICS_DIR)


def on_starting(server: object) -> None:
    """In the master, before any worker: refuse unsafe production settings once, with the message,
    instead of workers failing one after another; start the metrics folder empty."""
    service = os.environ.get("SERVICE", "")
    if os.environ.get("MARKETPLACE_ENV") == "production" and service:
        from common_core.production import check_environment

        check_environment(service)
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    os.makedirs(METRICS_DIR, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
