# A minimal WSGI app for the demo: it answers with the daemon process group that
# served it, so you can see the request ran in daemon mode, not embedded.
import json
import os
import threading


def application(environ, start_response):
    body = json.dumps(
        {
            "process_group": environ.get("mod_wsgi.process_group"),
            "application_group": environ.get("mod_wsgi.application_group"),
            "pid": os.getpid(),
            "thread": threading.get_ident(),
            "x_request_start": environ.get("HTTP_X_REQUEST_START"),
        },
        indent=2,
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
