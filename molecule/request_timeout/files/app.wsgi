# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test app for the request_timeout scenario.

/slow hangs (a stand-in for an API call that never returns), /work?seconds=N is
an ordinary request that takes N seconds, / answers at once with the pid. The
verify step checks that restart_info names slow_report() at this file and the
line of its sleep as the culprit of the request-timeout restart.
"""

import json
import os
import time
from urllib.parse import parse_qs


def slow_report():
    """Hang far beyond request-timeout (the culprit)."""
    time.sleep(600)  # CULPRIT_LINE
    return {"status": "never"}


def do_work(seconds):
    """Take `seconds` seconds, like an ordinary slow-ish request."""
    time.sleep(seconds)
    return {"status": "worked", "seconds": seconds}


def application(environ, start_response):
    """Route /slow, /work and / as described in the module docstring."""
    path = environ.get("PATH_INFO", "/")
    if path == "/slow":
        body = slow_report()
    elif path == "/work":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        body = do_work(float(query.get("seconds", ["1"])[0]))
    else:
        body = {"status": "ok"}
    body["pid"] = os.getpid()
    body["process_group"] = environ.get("mod_wsgi.process_group")
    data = json.dumps(body).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
