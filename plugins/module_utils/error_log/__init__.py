# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser for Apache error logs written by mod_wsgi daemon mode.

Turns one or more error logs into a report of daemon process restarts (why, when,
which pid, the stack of every thread dumped on request-timeout), the code locations
that were running when request-timeout fired (culprits), and the failures clients saw
(by kind, per daemon process group), with the failures that a restart caused
attributed to it (victims).

Formats understood: mod_wsgi 4.x/5.x (``mod_wsgi (pid=N): `` prefix) and 6.x
(``WSGI####:`` codes, no prefix), in Apache 2.4's default ErrorLogFormat
(``[time] [module:level] [pid P:tid T] ...``). Memory is bounded whatever the size of
the log (blocks of ``reader.BLOCK_SIZE`` bytes, and a cap on everything kept between
lines, see ``base``).

The parts, in the order a line goes through them:

* ``files``: which files, oldest first, gzip or not;
* ``reader``: blocks of lines; ``scan``: the lines that matter in a block, found
  literal first, as records; ``parallel``: a large plain file scanned by two processes;
* ``events``: which mod_wsgi message a line is, and the handler registry;
* ``restarts`` (lifecycle), ``stacks`` (dumps, culprits), ``failures`` (victims):
  the handlers and the per-pid state machine (``restarts.Tracker``);
* ``groups``: what is kept per group and per restart;
* ``report``: the result as plain data; ``analysis.analyse`` ties it all together;
* ``times``: log stamps, ``since``, ISO output; ``base``: shared names and caps.

No Ansible imports: the module ``wsgiscale.mod_wsgi.restart_info`` is a thin wrapper.
"""

from __future__ import annotations

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.analysis import (
    analyse,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    DEFAULT_MAX_RESTARTS,
    NAME,
    ErrorLogError,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.files import (
    default_log_glob,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import (
    parse_since,
    to_iso,
)

__all__ = [
    "DEFAULT_MAX_RESTARTS",
    "NAME",
    "ErrorLogError",
    "analyse",
    "default_log_glob",
    "parse_since",
    "to_iso",
]
