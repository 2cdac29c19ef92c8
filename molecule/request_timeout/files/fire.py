# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trip request-timeout with real concurrent requests, from inside the container.

One /slow request hangs; shortly after, ordinary /work requests occupy the other
threads of the same daemon process. When mod_wsgi's request-timeout fires, the
process is shut down and the requests still in flight die with 5xx. Prints one
JSON document: each request's path, status and elapsed seconds. Loopback only.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.request

BASE = "http://127.0.0.1"


def fetch(path, results, index):
    """GET `path` and record status and elapsed time in results[index]."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(BASE + path, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = f"error: {error}"
    results[index] = {
        "path": path,
        "status": status,
        "elapsed": round(time.monotonic() - started, 2),
    }


def main():
    """Fire the slow request, then the in-flight victims, and report."""
    victims = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    work_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30
    paths = ["/slow"] + [f"/work?seconds={work_seconds:g}"] * victims
    results = [None] * len(paths)
    threads = []
    for index, path in enumerate(paths):
        thread = threading.Thread(target=fetch, args=(path, results, index))
        thread.start()
        threads.append(thread)
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
