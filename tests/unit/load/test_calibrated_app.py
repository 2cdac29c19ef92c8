# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of tests/load/calibrated_app.wsgi: timestamps, draws, CPU burn, the WSGI call."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import random
import statistics
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

APP_PATH = Path(__file__).resolve().parents[2] / "load" / "calibrated_app.wsgi"
_loader = importlib.machinery.SourceFileLoader("calibrated_app", str(APP_PATH))
_spec = importlib.util.spec_from_loader("calibrated_app", _loader)
app = importlib.util.module_from_spec(_spec)
_loader.exec_module(app)

# mod_wsgi 4.9.4 / 5.0.2 environ values are strings of integer microseconds since the
# epoch; 6.x gives float seconds (docs/release-notes/version-6.0.0.rst).
ENV_4X = {
    "mod_wsgi.request_start": "1796030102120573",
    "mod_wsgi.queue_start": "1796030102121004",
    "mod_wsgi.daemon_start": "1796030102124504",
    "mod_wsgi.script_start": "1796030102125104",
}
ENV_6X = {
    "mod_wsgi.request_start": 1796030102.120573,
    "mod_wsgi.queue_start": 1796030102.121004,
    "mod_wsgi.daemon_start": 1796030102.124504,
    "mod_wsgi.application_start": 1796030102.125104,
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1796030102120573", 1796030102.120573),
        (" 1796030102120573 ", 1796030102.120573),
        (b"1796030102120573", 1796030102.120573),
        (1796030102120573, 1796030102.120573),
        (1796030102.120573, 1796030102.120573),
        ("1796030102.120573", 1796030102.120573),
        (1796030102120573.0, 1796030102.120573),
    ],
)
def test_timestamps_in_both_mod_wsgi_forms_become_epoch_seconds(value, expected):
    """Microsecond strings (4.x/5.x) and float seconds (6.x) give the same instant."""
    assert app.parse_timestamp(value) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("value", [None, "", "0", 0, 0.0, -1.0, "abc", "nan", True, [], "1e999"])
def test_unset_or_garbled_timestamps_are_none(value):
    """0.0 (6.x embedded mode), missing and unparsable values give None."""
    assert app.parse_timestamp(value) is None


@pytest.mark.parametrize("environ", [ENV_4X, ENV_6X], ids=["4.x", "6.x"])
def test_queue_wait_and_server_wait_from_either_form(environ):
    """Queue wait = daemon_start - queue_start; server wait = app start - request start."""
    timings = app.server_timings(environ)
    assert timings["queue_ms"] == pytest.approx(3.5, abs=0.001)
    assert timings["server_wait_ms"] == pytest.approx(4.531, abs=0.001)


def test_timings_are_none_outside_mod_wsgi():
    """Under another server (no mod_wsgi keys) there is no queue figure."""
    assert app.server_timings({}) == {"queue_ms": None, "server_wait_ms": None}


@pytest.mark.parametrize(
    ("dist", "sigma", "cv_low", "cv_high"),
    [("exp", 1.0, 0.9, 1.1), ("lognormal", 0.5, 0.45, 0.6), ("lognormal", 1.0, 1.1, 1.5)],
)
def test_io_draws_keep_the_mean_and_have_the_distributions_spread(dist, sigma, cv_low, cv_high):
    """Mean io_ms within 5%; exp has CV 1, lognormal sqrt(exp(sigma^2) - 1)."""
    rng = random.Random(5)
    draws = [app.draw_io_ms(100.0, dist, sigma, rng) for _draw in range(40000)]
    mean = statistics.fmean(draws)
    assert mean == pytest.approx(100.0, rel=0.05)
    assert cv_low <= statistics.pstdev(draws) / mean <= cv_high


def test_const_draw_and_zero_mean():
    """const gives the mean itself; a zero mean never sleeps."""
    rng = random.Random(1)
    assert app.draw_io_ms(25.0, "const", 1.0, rng) == 25.0
    assert app.draw_io_ms(0.0, "exp", 1.0, rng) == 0.0


def test_unknown_distribution_is_an_error():
    """A typo in io_dist must not silently fall back to const."""
    with pytest.raises(ValueError, match="io_dist"):
        app.draw_io_ms(10.0, "uniform", 1.0, random.Random(1))


def test_burn_cpu_uses_at_least_the_requested_thread_cpu():
    """The burn loops until thread CPU time advanced cpu_ms (a little more, not less)."""
    used = app.burn_cpu(20.0)
    assert 20.0 <= used < 200.0


def call(query, extra=None):
    """Call the app like a WSGI server; return status and headers as a dict."""
    environ = {"QUERY_STRING": query, **(extra or {})}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(app.application(environ, start_response))
    return seen["status"], seen["headers"], body


def test_a_request_reports_its_costs_and_queue_wait():
    """Headers carry thread CPU, the drawn sleep, app time and the queue wait."""
    status, headers, body = call(
        "cpu_ms=5&io_ms=20&io_dist=const", {**ENV_4X, "mod_wsgi.process_group": "shop"}
    )
    assert status.startswith("200")
    assert body == b"ok\n"
    assert float(headers["X-Calib-Cpu-Ms"]) >= 5.0
    assert float(headers["X-Calib-Io-Ms"]) == 20.0
    assert float(headers["X-Calib-App-Ms"]) >= 25.0
    assert float(headers["X-Calib-Queue-Ms"]) == pytest.approx(3.5)
    assert headers["X-Calib-Group"] == "shop"
    assert int(headers["X-Calib-Pid"]) > 0
    assert headers["Content-Length"] == "3"


def test_same_request_id_draws_the_same_io_time():
    """Seeded per request: a rerun draws the same sleep whichever process serves it."""
    first = call("io_ms=5&io_dist=exp&rid=17")[1]["X-Calib-Io-Ms"]
    again = call("io_ms=5&io_dist=exp&rid=17")[1]["X-Calib-Io-Ms"]
    other = call("io_ms=5&io_dist=exp&rid=18")[1]["X-Calib-Io-Ms"]
    assert first == again
    assert first != other


def test_defaults_come_from_the_wsgi_environ():
    """SetEnv CALIB_IO_MS reaches the app through the environ."""
    headers = call("", {"CALIB_IO_MS": "7", "CALIB_IO_DIST": "const"})[1]
    assert float(headers["X-Calib-Io-Ms"]) == 7.0


def test_requested_status_is_returned():
    """status=503 answers 503, to exercise error accounting."""
    assert call("status=503")[0].startswith("503")


@pytest.mark.parametrize(
    "query", ["cpu_ms=-1", "io_ms=abc", "io_dist=uniform", "io_ms=inf", "status=99", "status=x"]
)
def test_bad_parameters_answer_400(query):
    """A bad parameter is a 400 naming it, not a crash or a silent default."""
    status, _headers, body = call(query)
    assert status.startswith("400")
    assert b"bad parameter" in body


def test_ballast_is_allocated_once_and_touched():
    """rss_mb of ballast, every page written, held once per process."""
    app._ballast.clear()
    app.hold_ballast(1.0)
    app.hold_ballast(5.0)
    assert len(app._ballast) == 1
    block = app._ballast[0]
    assert len(block) == 1024 * 1024
    assert all(block[offset] == 1 for offset in range(0, len(block), app.PAGE))
    app._ballast.clear()
