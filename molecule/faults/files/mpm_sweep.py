# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run ``apache2ctl -t`` on a copy of /etc/apache2 with other MPM values in the role's files.

Arguments: a JSON list of [ThreadsPerChild, MaxRequestWorkers, ServerLimit, ThreadLimit].
Prints a JSON list of {values, rc, warnings}. /etc/apache2 itself is not touched.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CONF = "conf-available/mod_wsgi_daemon.conf"
MPM = "conf-available/mod_wsgi_daemon_mpm.conf"


def _set(path, values):
    """Replace the value of each directive of ``values`` in the file at ``path``."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for name, value in values.items():
        text = re.sub(rf"(?m)^(\s*{name}\s+)\d+$", rf"\g<1>{value}", text)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def main():
    """Test each combination on a fresh copy of the tree."""
    results = []
    work = tempfile.mkdtemp(prefix="mpm-sweep-")
    try:
        for tpc, mrw, server_limit, thread_limit in json.loads(sys.argv[1]):
            root = os.path.join(work, "apache2")
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree("/etc/apache2", root, symlinks=True)
            _set(os.path.join(root, CONF), {"ThreadsPerChild": tpc, "MaxRequestWorkers": mrw})
            limits = {"ServerLimit": server_limit, "ThreadLimit": thread_limit}
            _set(os.path.join(root, MPM), limits)
            env = dict(os.environ, APACHE_CONFDIR=root, LC_ALL="C")
            test = subprocess.run(
                ["apache2ctl", "-t"], env=env, capture_output=True, text=True, check=False
            )
            lines = (test.stderr + test.stdout).splitlines()
            results.append(
                {
                    "values": [tpc, mrw, server_limit, thread_limit],
                    "rc": test.returncode,
                    "warnings": [line for line in lines if "WARNING" in line],
                    "syntax_ok": "Syntax OK" in lines,
                }
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    json.dump(results, sys.stdout)


main()
