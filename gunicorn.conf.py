"""gunicorn's configuration for serving Otagai in production (``make serve`` uses it):

    gunicorn -c gunicorn.conf.py 'otagai.wsgi:app'

Everything that differs between machines comes from the environment (README,
"Deploying"). Defaults suit the 2-core machines the service is measured on.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


cores = os.cpu_count() or 2

bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# SO_REUSEPORT: more than one server may listen on the same port, and the kernel spreads
# new connections between them — two instances on one machine (a restart without a gap,
# or instances that share nothing but the database) behind one address.
reuse_port = _flag("GUNICORN_REUSE_PORT")
# gunicorn's control socket (for `gunicornc`) is one path per user by default: instances on
# one machine would take it from each other, and the first to stop would delete the
# other's. Give each instance its own path, or "off".
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket.lower() == "off":
    control_socket_disable = True
elif _control_socket:
    control_socket = _control_socket
# Requests spend most of their time waiting on PostgreSQL: two processes a core.
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * cores))
# More than one thread makes gunicorn use its gthread worker.
threads = _int("GUNICORN_THREADS", 1)

# One connection per thread, one spare (a rate-limit hit is counted on a connection of its
# own, outside the request's transaction), and as much overflow again for bursts: the
# database sees at most workers x (2 x threads + 1) connections from the web tier.
os.environ.setdefault("DB_POOL_SIZE", str(threads + 1))
os.environ.setdefault("DB_MAX_OVERFLOW", str(threads))

# A worker silent for this long is killed and replaced; a request takes milliseconds.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM, finish what is in flight for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep-alive behind a load balancer: longer than nothing, shorter than its idle timeout.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (any slow leak stays bounded), not all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Load the app once in the master and fork it: workers share its memory pages and boot
# in milliseconds. Each worker then drops the connection pool it inherited (post_fork).
preload_app = True

# Whose X-Forwarded-Proto gunicorn believes (the app's ProxyFix, PROXY_HOPS, handles
# X-Forwarded-For and -Host itself).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs: gunicorn's own lines in the app's JSON format on stderr. No gunicorn access log:
# the app writes one JSON line per request with its request id and user (and the path
# without its query string, which may hold coordinates).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "otagai.extensions.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": [], "propagate": True, "level": loglevel.upper()},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
proc_name = "otagai"

# Prometheus metrics from every worker (README, "Metrics"): each worker writes its samples
# to files in this directory and a scrape, answered by any worker, sums them. It must be
# set before prometheus_client is first imported (the preloaded app imports it), and be
# this server's alone: its files are cleared when gunicorn starts.
# (gunicorn may read this file more than once: the directory it made is remembered in
# the environment, to be removed on exit.)
_OWN_DIR = "OTAGAI_GUNICORN_PROMETHEUS_DIR"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="otagai-prometheus-")
    os.environ[_OWN_DIR] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server: Any) -> None:
    """A previous run's sample files would be added to this one's: start empty."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server: Any) -> None:
    """The directory made for this run goes with it (one given in the environment stays)."""
    own = os.environ.get(_OWN_DIR)
    if own and own == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import shutil

        shutil.rmtree(own, ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exited (recycled after max_requests, killed, crashed) stops being
    counted in the live gauges; its counters and histograms stay summed in."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def pre_fork(server: Any, worker: Any) -> None:
    """Freeze what the master loaded (the app, SQLAlchemy's metadata, the libraries: some
    180,000 objects) out of the garbage collector's reach before a worker is forked. A
    full collection otherwise walks all of them, ~80-100 ms on these machines, whenever a
    request allocates a lot (a year of statistics, a page of candidates): it showed as
    the p99 of every call. Frozen objects are never collected (they live as long as the
    process anyway), and workers no longer write to the shared pages when they collect,
    so the copy-on-write memory stays shared (the Python docs' recipe for gc.freeze)."""
    import gc

    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A forked worker must not use the master's pooled connections (two processes on one
    socket corrupt each other's sessions): forget them without closing them, and open its
    own on first use."""
    import sys

    from otagai.extensions.db import EXTENSION_KEY

    loaded = sys.modules.get("otagai.wsgi")  # preloaded in the master
    if loaded is not None:
        state = loaded.app.extensions[EXTENSION_KEY]
        for engine in (state.engine, getattr(state, "replica", None)):
            if engine is not None:
                engine.dispose(close=False)
