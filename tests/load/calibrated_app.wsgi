# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calibrated WSGI app: a request of known CPU and I/O cost that reports its queue wait.

Per request (query string first, then the WSGI environ, e.g. Apache ``SetEnv``, then
``os.environ``, then the module constants below):

* ``cpu_ms`` (``CALIB_CPU_MS``): pure-Python CPU burnt while holding the GIL, looping
  until ``time.thread_time()`` has advanced that much (thread CPU time, so waiting for
  the GIL does not count as work).
* ``io_ms`` (``CALIB_IO_MS``): mean of a ``time.sleep`` that stands for a database or
  HTTP wait (it releases the GIL), drawn from ``io_dist`` (``CALIB_IO_DIST``):
  ``const``, ``exp`` (exponential) or ``lognormal`` with shape ``io_sigma``
  (``CALIB_IO_SIGMA``; the mean stays ``io_ms``).
* ``rid``: a request id (the load generator sends its request index). The draw is
  seeded from ``CALIB_SEED`` and ``rid``, so a rerun draws the same times whichever
  process serves the request; without ``rid`` the draw is unseeded.
* ``status``: the HTTP status to answer with (default 200), to test error handling.

At import, ``CALIB_RSS_MB`` from ``os.environ`` (e.g. exported in Apache's envvars)
allocates and touches that much ballast per process. When it is only in the WSGI
environ (``SetEnv``), the first request allocates it.

Response headers (all times in milliseconds, 3 decimals):

* ``X-Calib-Queue-Ms``: daemon queue wait, ``daemon_start - queue_start`` (the time the
  request waited in the daemon's socket for a free thread);
* ``X-Calib-Server-Wait-Ms``: ``application_start - request_start`` (everything Apache
  and mod_wsgi spent before the app ran);
* ``X-Calib-App-Ms``, ``X-Calib-Cpu-Ms``, ``X-Calib-Io-Ms``: the app's wall time, the
  thread CPU it used, the sleep it drew;
* ``X-Calib-Pid``, ``X-Calib-Tid`` (native thread id), ``X-Calib-Group`` (the daemon
  process group, empty in embedded mode), ``X-Calib-Mod-Wsgi`` (version).

mod_wsgi puts its timestamps in the environ as strings of integer microseconds since
the epoch in 4.x and 5.x (``mod_wsgi.script_start`` for the app start) and as float
seconds in 6.x (``mod_wsgi.application_start``); ``parse_timestamp`` reads both.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from urllib.parse import parse_qs

CPU_MS = 0.0
IO_MS = 0.0
IO_DIST = "const"
IO_SIGMA = 1.0
RSS_MB = 0.0
SEED = "calibrated"

PAGE = 4096
DISTRIBUTIONS = ("const", "exp", "lognormal")
# An epoch timestamp above this is in microseconds (1e11 s is the year 5138).
MICROSECONDS_ABOVE = 1e11

_ballast: list[bytearray] = []
_ballast_lock = threading.Lock()


def parse_timestamp(value: object) -> float | None:
    """Return a mod_wsgi environ timestamp as float epoch seconds, or None.

    Accepts the 4.x/5.x form (a string of integer microseconds), the 6.x form (a
    float of seconds, 0.0 when unset in embedded mode) and their string renderings.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = int(text) if text.isdigit() else float(text)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        number = value
    else:
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    if isinstance(number, int) or number > MICROSECONDS_ABOVE:
        return number / 1e6
    return float(number)


def server_timings(environ: dict) -> dict[str, float | None]:
    """Return queue_ms and server_wait_ms from mod_wsgi's environ timestamps."""
    request_start = parse_timestamp(environ.get("mod_wsgi.request_start"))
    queue_start = parse_timestamp(environ.get("mod_wsgi.queue_start"))
    daemon_start = parse_timestamp(environ.get("mod_wsgi.daemon_start"))
    app_start = parse_timestamp(
        environ.get("mod_wsgi.application_start", environ.get("mod_wsgi.script_start"))
    )
    queue_ms = None
    if queue_start is not None and daemon_start is not None:
        queue_ms = (daemon_start - queue_start) * 1000.0
    server_wait_ms = None
    if request_start is not None and app_start is not None:
        server_wait_ms = (app_start - request_start) * 1000.0
    return {"queue_ms": queue_ms, "server_wait_ms": server_wait_ms}


def burn_cpu(cpu_ms: float) -> float:
    """Spin pure-Python code holding the GIL until this thread used cpu_ms of CPU.

    Returns the thread CPU time actually used, in milliseconds.
    """
    start = time.thread_time()
    deadline = start + cpu_ms / 1000.0
    counter = 0
    while time.thread_time() < deadline:
        for _step in range(200):
            counter += 1
    return (time.thread_time() - start) * 1000.0


def draw_io_ms(mean_ms: float, dist: str, sigma: float, rng: random.Random) -> float:
    """Draw one I/O wait in ms with the given mean from the named distribution."""
    if mean_ms <= 0:
        return 0.0
    if dist == "const":
        return mean_ms
    if dist == "exp":
        return rng.expovariate(1.0 / mean_ms)
    if dist == "lognormal":
        # mean of lognormal(mu, sigma) is exp(mu + sigma^2 / 2)
        mu = math.log(mean_ms) - sigma * sigma / 2.0
        return rng.lognormvariate(mu, sigma)
    raise ValueError(f"calibrated_app: io_dist must be one of {DISTRIBUTIONS}, got {dist!r}")


def hold_ballast(rss_mb: float) -> None:
    """Allocate and touch rss_mb of memory once per process (no-op when already held)."""
    size = int(rss_mb * 1024 * 1024)
    with _ballast_lock:
        if _ballast or size <= 0:
            return
        block = bytearray(size)
        # Write one byte per page so the pages are really resident.
        block[::PAGE] = b"\x01" * len(range(0, size, PAGE))
        _ballast.append(block)


def _setting(query: dict, environ: dict, name: str, env_name: str, default: object) -> str:
    """Return a parameter from the query string, the WSGI environ, os.environ or default."""
    if name in query:
        return query[name][-1]
    if env_name in environ:
        return str(environ[env_name])
    return os.environ.get(env_name, str(default))


def _parameters(environ: dict) -> dict:
    """Read and validate the request's parameters (ValueError on a bad one)."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    params = {
        "cpu_ms": float(_setting(query, environ, "cpu_ms", "CALIB_CPU_MS", CPU_MS)),
        "io_ms": float(_setting(query, environ, "io_ms", "CALIB_IO_MS", IO_MS)),
        "io_dist": _setting(query, environ, "io_dist", "CALIB_IO_DIST", IO_DIST),
        "io_sigma": float(_setting(query, environ, "io_sigma", "CALIB_IO_SIGMA", IO_SIGMA)),
        "rss_mb": float(_setting({}, environ, "rss_mb", "CALIB_RSS_MB", RSS_MB)),
        "seed": _setting({}, environ, "seed", "CALIB_SEED", SEED),
        "rid": query.get("rid", [None])[-1],
        "status": int(_setting(query, {}, "status", "CALIB_STATUS", 200)),
    }
    if params["io_dist"] not in DISTRIBUTIONS:
        raise ValueError(f"io_dist must be one of {DISTRIBUTIONS}, got {params['io_dist']!r}")
    for name in ("cpu_ms", "io_ms", "io_sigma", "rss_mb"):
        if not math.isfinite(params[name]) or params[name] < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {params[name]!r}")
    if not 200 <= params["status"] <= 599:
        raise ValueError(f"status must be 200..599, got {params['status']!r}")
    return params


def _ms(value: float | None) -> str:
    """Render milliseconds for a header ('' when unknown)."""
    return "" if value is None else f"{value:.3f}"


def application(environ: dict, start_response):
    """Burn CPU, sleep, and report timings in X-Calib-* headers (see the module doc)."""
    started = time.perf_counter()
    try:
        params = _parameters(environ)
    except ValueError as error:
        body = f"calibrated_app: bad parameter: {error}\n".encode()
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [body]
    hold_ballast(params["rss_mb"])
    if params["rid"] is None:
        rng = random.Random()
    else:
        rng = random.Random(f"{params['seed']}:{params['rid']}")
    io_ms = draw_io_ms(params["io_ms"], params["io_dist"], params["io_sigma"], rng)
    cpu_used = burn_cpu(params["cpu_ms"])
    if io_ms > 0:
        time.sleep(io_ms / 1000.0)
    timings = server_timings(environ)
    version = environ.get("mod_wsgi.version", ())
    headers = [
        ("Content-Type", "text/plain"),
        ("X-Calib-Queue-Ms", _ms(timings["queue_ms"])),
        ("X-Calib-Server-Wait-Ms", _ms(timings["server_wait_ms"])),
        ("X-Calib-Cpu-Ms", _ms(cpu_used)),
        ("X-Calib-Io-Ms", _ms(io_ms)),
        ("X-Calib-Pid", str(os.getpid())),
        ("X-Calib-Tid", str(threading.get_native_id())),
        ("X-Calib-Group", str(environ.get("mod_wsgi.process_group", ""))),
        ("X-Calib-Mod-Wsgi", ".".join(str(part) for part in version)),
    ]
    # Last, so that it covers the work above.
    headers.append(("X-Calib-App-Ms", _ms((time.perf_counter() - started) * 1000.0)))
    body = b"ok\n"
    headers.append(("Content-Length", str(len(body))))
    status = params["status"]
    start_response(f"{status} {'OK' if status == 200 else 'Calibrated'}", headers)
    return [body]


hold_ballast(float(os.environ.get("CALIB_RSS_MB", RSS_MB)))
