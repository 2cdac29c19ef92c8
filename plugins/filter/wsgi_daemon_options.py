# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_daemon_options
short_description: Render validated options for Apache's WSGIDaemonProcess directive
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Turns a dict of C(WSGIDaemonProcess) options into the C(key=value) words that follow
    the daemon process group name, for example C(processes=2 threads=20 request-timeout=60).
  - Every option of mod_wsgi 4.9 to 6.x is known with its type, unit and range; unknown
    names, wrong types and out-of-range values fail with the option name, the value
    received and what was expected. Unknown names get a did-you-mean suggestion.
  - "Order is stable: C(processes), C(threads), then a fixed schema order (see
    docs/options.md), whatever the order of the input dict."
  - Values that need it are quoted for Apache's C(ap_getword_conf) as C(key="value")
    (mod_wsgi reads the name up to C(=) and only the value as a quoted word), with
    backslashes doubled. Values containing a double quote, C(<), C(>), C(${), newlines,
    carriage returns, NUL or any other control character are refused.
  - Options whose value is C(null)/C(None) are left out, so mod_wsgi's default applies.
  - The group name is not part of the output; validate it with
    C(validate_group_name) in the collection's C(daemon_options) plugin_utils.
options:
  _input:
    description:
      - "Options keyed by their hyphenated mod_wsgi name (C(request-timeout), not
        C(request_timeout); the underscore spelling fails with a suggestion)."
      - Integer options take integers or strings of decimal digits; booleans are refused.
      - C(python-path) takes a list of absolute paths (joined with C(:)) or a string;
        C(supplementary-groups) a list of groups (joined with C(,)) or a string.
      - C(user), C(group) take a name or C(#id) string; root is refused.
      - C(umask) takes an octal string such as C('0022') (quote it; unquoted YAML
        C(0022) is the integer 18, which is also accepted and rendered as C(0022)).
      - C(server-metrics) takes a boolean or C(On)/C(Off).
      - C(display-name) accepts C(%{GROUP}).
      - C(script-user) and C(script-group) are mutually exclusive.
    type: dict
    required: true
  mod_wsgi_version:
    description:
      - Installed mod_wsgi version, for example C('4.9.4'), C('5.0.2-1+b1') (Debian
        package version) or C('6.1.1'). Options the version lacks fail (for example
        C(interrupt-timeout), C(switch-interval) and C(response-flush-delay) need 6.x;
        C(newrelic-config-file) and C(newrelic-environment) were removed in 6.0).
      - Must be a string of at least major.minor, 4.1 or later (quote it in YAML, where an
        unquoted C(4.10) is the number 4.1); PyPI pre-releases such as C('6.0.0rc1') are
        read as the release. Without it no version check is done.
    type: str
  output:
    description:
      - V(string) returns the words joined with single spaces, ready to follow the group
        name on one line.
      - V(list) returns the list of C(key=value) words, each quoted exactly as in the
        string (C(python-path="/srv/my lib")), for a template that puts one word per
        line. Splitting the string on whitespace instead would cut a quoted value that
        contains a space.
    type: str
    choices: [string, list]
    default: string
seealso:
  - name: mod_wsgi WSGIDaemonProcess
    description: Upstream documentation of the directive.
    link: https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIDaemonProcess.html
"""

EXAMPLES = r"""
- name: Render the options of a daemon process group
  ansible.builtin.debug:
    msg: >-
      WSGIDaemonProcess app
      {{ {'processes': 2, 'threads': 20, 'request-timeout': 60}
         | wsgiscale.mod_wsgi.wsgi_daemon_options }}
  # => WSGIDaemonProcess app processes=2 threads=20 request-timeout=60

- name: Lists, quoting and a version check
  ansible.builtin.set_fact:
    app_daemon_options: >-
      {{ {'threads': 5, 'processes': 3,
          'python-home': '/srv/app/venv',
          'python-path': ['/srv/app/src', '/srv/my lib'],
          'display-name': '%{GROUP}',
          'umask': '0022',
          'queue-timeout': 45,
          'interrupt-timeout': none}
         | wsgiscale.mod_wsgi.wsgi_daemon_options(mod_wsgi_version='4.9.4') }}
  # => processes=3 threads=5 umask=0022 display-name=%{GROUP}
  #    python-home=/srv/app/venv python-path="/srv/app/src:/srv/my lib" queue-timeout=45

- name: One word per line in a template
  ansible.builtin.template:
    src: wsgi_app.conf.j2
    dest: /etc/apache2/conf-available/wsgi_app.conf
    mode: "0644"
  vars:
    app_daemon_words: >-
      {{ {'processes': 2, 'python-path': ['/srv/app', '/srv/my lib']}
         | wsgiscale.mod_wsgi.wsgi_daemon_options(output='list') }}
  # app_daemon_words is ['processes=2', 'python-path="/srv/app:/srv/my lib"'];
  # wsgi_app.conf.j2 writes one word per continuation line:
  #   WSGIDaemonProcess app \
  #       {{ app_daemon_words | join(' \\\n    ') }}
"""

RETURN = r"""
_value:
  description:
    - With O(output=string), the options as space-separated C(key=value) words, ready to
      follow the group name on a C(WSGIDaemonProcess) line; an empty string for an empty
      dict.
    - With O(output=list), the same words as a list (empty for an empty dict); joined with
      single spaces they are the string.
  type: raw
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    FILTER_NAME,
    DaemonOptionError,
    check_output,
    render_daemon_option_words,
)


def wsgi_daemon_options(options, mod_wsgi_version=None, output="string"):
    """Render ``options`` for ``WSGIDaemonProcess``; see DOCUMENTATION."""
    try:
        check_output(output)
        words = render_daemon_option_words(options, mod_wsgi_version=mod_wsgi_version)
    except DaemonOptionError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    return words if output == "list" else " ".join(words)


class FilterModule:
    """The wsgi_daemon_options filter."""

    def filters(self):
        return {FILTER_NAME: wsgi_daemon_options}
