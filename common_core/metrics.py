"""Prometheus metrics of a service, served on /metrics to the inside network only.

What is measured: every request (count and latency by Flask endpoint, method and status), the outbox
backlog and dead deliveries (read from the database at scrape time), reservation outcomes and orders
placed (counted by the services through reservation_outcome() and order_placed()).

Under gunicorn several worker processes serve one service: with PROMETHEUS_MULTIPROC_DIR set (the
container's gunicorn.conf.py sets it) every worker writes its counts to files there and a scrape adds
them up; without it the process's default registry is used. The variable must be set before this
module is first imported.

/metrics answers only to loopback and private addresses (RFC 1918, fc00::/7); anyone else gets the
app's ordinary 404. The check is made on REMOTE_ADDR after ProxyFix, so behind a proxy it is the
client's address that counts (see production.init_app for the order of the layers).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, scoped_session

from common_core.db import after_commit

log = logging.getLogger("marketplace.metrics")

# *_created series double the output and no dashboard here reads them.
disable_created_metrics()

RESERVATION_OUTCOMES = ("held", "refused", "committed", "released", "expired")
# Anything else a client sends as a method is folded into "other": labels must stay a small set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
INSIDE_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)

HTTP_REQUESTS = Counter(
    "marketplace_http_requests_total",
    "HTTP requests answered, by Flask endpoint, method and status.",
    ["service", "endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "marketplace_http_request_duration_seconds",
    "Time from the request reaching Flask to the response leaving it, by Flask endpoint, method and status.",
    ["service", "endpoint", "method", "status"],
)
RESERVATIONS = Counter(
    "marketplace_reservations_total",
    "Stock reservations by outcome: held, refused (out of stock or unavailable), committed, released, expired.",
    ["outcome"],
)
ORDERS_PLACED = Counter("marketplace_orders_placed_total", "Orders placed by shoppers.")
for _outcome in RESERVATION_OUTCOMES:
    RESERVATIONS.labels(outcome=_outcome)  # every outcome is exposed from the start, at 0

# --- Counters the services call ------------------------------------------------------------------


def reservation_outcome(outcome: str, *, count: int = 1, session: Session | scoped_session | None = None) -> None:
    """Count reservations reaching `outcome`. With a session, counted only when its transaction commits."""
    if outcome not in RESERVATION_OUTCOMES:
        raise ValueError(f"unknown reservation outcome {outcome!r}; expected one of {RESERVATION_OUTCOMES}")
    if count > 0:
        after_commit(session, lambda: RESERVATIONS.labels(outcome=outcome).inc(count))


def order_placed(*, session: Session | scoped_session | None = None) -> None:
    """Count one placed order. With a session, counted only when its transaction commits."""
    after_commit(session, ORDERS_PLACED.inc)


# --- Requests and the /metrics endpoint ----------------------------------------------------------


def init_app(app: Flask) -> None:
    """Time every request and serve /metrics (to inside addresses) in front of the app."""
    service = app.config["SERVICE"]

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_request(response: Any) -> Any:
        started = g.pop("metrics_started", None)
        method = request.method if request.method in METHODS else "other"
        labels = {
            "service": service,
            "endpoint": request.endpoint or "unmatched",
            "method": method,
            "status": str(response.status_code),
        }
        HTTP_REQUESTS.labels(**labels).inc()
        if started is not None:
            HTTP_LATENCY.labels(**labels).observe(time.perf_counter() - started)
        return response

    app.wsgi_app = MetricsEndpoint(app.wsgi_app, app)  # type: ignore[method-assign]


def is_inside(address: str | None) -> bool:
    """Loopback or a private network address (what a scraper on the same network has)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in INSIDE_NETWORKS)


class MetricsEndpoint:
    """WSGI layer answering GET /metrics for inside addresses; everything else goes to the app.

    It sits in front of Flask so a scrape opens no session, runs no login or CSRF hook and is not
    itself logged; a refused scrape falls through to the app, which answers its ordinary 404.
    """

    def __init__(self, wsgi_app: Callable, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") == "/metrics"
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and is_inside(environ.get("REMOTE_ADDR"))
        ):
            body = generate_latest(scrape_registry(self.app))
            start_response(
                "200 OK",
                [
                    ("Content-Type", CONTENT_TYPE_LATEST),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
        return self.wsgi_app(environ, start_response)


# --- What a scrape reads -------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Forward(Collector):
    """The process's default registry, collected into a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


class OutboxCollector(Collector):
    """Outbox backlog, read from the service's database when Prometheus asks (one cheap grouped count)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from common_core import outbox

        service = self.app.config["SERVICE"]
        up = GaugeMetricFamily(
            "marketplace_database_up", "1 when the scrape could read the database.", labels=["service"]
        )
        try:
            with self.app.app_context():
                stats = outbox.stats()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: database unreachable", extra={"error": str(exc)[:200], "service": service})
            up.add_metric([service], 0)
            yield up
            return
        up.add_metric([service], 1)
        yield up
        pending = GaugeMetricFamily(
            "marketplace_outbox_pending", "Event deliveries waiting to be sent (backlog).", labels=["service"]
        )
        pending.add_metric([service], stats["pending"])
        yield pending
        dead = GaugeMetricFamily(
            "marketplace_outbox_dead",
            "Event deliveries that gave up after OUTBOX_MAX_ATTEMPTS (retry them from admin's system health).",
            labels=["service"],
        )
        dead.add_metric([service], stats["dead"])
        yield dead
        oldest = GaugeMetricFamily(
            "marketplace_outbox_oldest_pending_seconds",
            "How long the oldest pending delivery has been due (0 when none is due).",
            labels=["service"],
        )
        due = stats.get("oldest_pending_due")
        age = (datetime.now(UTC) - datetime.fromisoformat(due)).total_seconds() if due else 0.0
        oldest.add_metric([service], max(0.0, age))
        yield oldest


def scrape_registry(app: Flask | None) -> CollectorRegistry:
    """A registry for one scrape: every worker's counts (or this process's) plus the outbox gauges."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_Forward(REGISTRY))
    if app is not None:
        registry.register(OutboxCollector(app))
    return registry


def serve_relay_metrics() -> None:
    """In the relay process, serve its counters (reservations expired by its chores) on RELAY_METRICS_PORT.

    The relay has no web server of its own; Prometheus scrapes this port on the internal network only
    (it is never published nor routed by nginx). Unset: nothing is served.
    """
    port = os.environ.get("RELAY_METRICS_PORT", "").strip()
    if not port:
        return
    from prometheus_client import start_http_server

    address = os.environ.get("RELAY_METRICS_ADDR", "0.0.0.0")  # noqa: S104 - the container's own interface
    start_http_server(int(port), addr=address, registry=scrape_registry(None))
    log.info("relay metrics served", extra={"port": int(port)})
