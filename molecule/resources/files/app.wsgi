# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test WSGI app: reports where and how it ran, as JSON.

The molecule scenarios assert on this to prove daemon mode: the process group
and application group, the pid and thread, the pool size mod_wsgi reports, the
X-Request-Start header set by the role, the daemon's Python (version, prefix) and
the mod_wsgi module's own version, and the daemon's sys.path, working
directory and whether it can import ``wsgiscale_probe`` (a module a scenario
places in a python-path folder).
"""

import json
import os
import sys
import threading

try:
    import mod_wsgi  # only importable inside mod_wsgi
except ImportError:  # pragma: no cover - outside Apache
    mod_wsgi = None


def _probe_module():
    """Where ``wsgiscale_probe`` was imported from, or None when it is not on sys.path."""
    try:
        import wsgiscale_probe  # noqa: PLC0415 - only present in some scenarios
    except ImportError:
        return None
    return wsgiscale_probe.__file__


def application(environ, start_response):
    """Return a JSON description of this request's execution context."""
    version = environ.get("mod_wsgi.version", ())
    body = {
        "process_group": environ.get("mod_wsgi.process_group"),
        "application_group": environ.get("mod_wsgi.application_group"),
        "x_request_start": environ.get("HTTP_X_REQUEST_START"),
        "pid": os.getpid(),
        "thread_id": threading.get_ident(),
        "multiprocess": environ.get("wsgi.multiprocess"),
        "multithread": environ.get("wsgi.multithread"),
        "mod_wsgi_version": ".".join(str(part) for part in version),
        "threads_per_process": getattr(mod_wsgi, "threads_per_process", None),
        "maximum_processes": getattr(mod_wsgi, "maximum_processes", None),
        "script_name": environ.get("SCRIPT_NAME"),
        "path_info": environ.get("PATH_INFO"),
        "sys_path": sys.path,
        "sys_version": sys.version,
        "sys_prefix": sys.prefix,
        "module_version": ".".join(str(part) for part in getattr(mod_wsgi, "version", ())),
        "cwd": os.getcwd(),
        "probe_module": _probe_module(),
        "authorization": environ.get("HTTP_AUTHORIZATION"),
        "host": environ.get("HTTP_HOST"),
        "https": environ.get("HTTPS") or environ.get("wsgi.url_scheme") == "https",
    }
    data = json.dumps(body).encode("utf-8")
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
