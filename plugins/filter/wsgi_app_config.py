# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_app_config
short_description: Validated, quoted Apache configuration pieces of each WSGI app
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Takes the apps of a host (the role's C(mod_wsgi_daemon_apps)) and their host plan from
    P(wsgiscale.mod_wsgi.wsgi_host_plan#filter), and returns, per app, every word a template
    needs to write its C(WSGIDaemonProcess), C(WSGIScriptAlias) and C(<Directory>) lines.
  - Options are merged as plan < O(default_options) < app keys (C(python_home),
    C(python_path), C(user), C(group), C(home)) < the app's C(options), then validated and
    rendered like P(wsgiscale.mod_wsgi.wsgi_daemon_options#filter), one C(key=value) word per
    list item, so a quoted value with spaces (C(python-path="/srv/my lib")) stays one word.
  - Paths may contain spaces (they are quoted); newlines, double quotes, C(<), C(>), C(${)
    and control characters are refused in every value, so no input can become a directive.
    Paths must be absolute and normalised (no C(.), C(..) or C(//) parts).
  - A mount is C(/) or C(/path) without a trailing slash, whitespace, C(.) or C(..) parts,
    C(%), C(?), C(#) or backslashes, since Apache matches the decoded, normalised URL path
    and such a mount could never match.
  - An error in an option names where the value was set, the app key
    (C(mod_wsgi_daemon_apps[0] (shop).python_path)), the app's C(options) or
    O(default_options) (C(mod_wsgi_daemon_default_options.user (applied to
    mod_wsgi_daemon_apps[0] (shop)))).
  - Every error names the variable path, for example C(mod_wsgi_daemon_apps[1] (api).script).
  - Mounts and C(static) URLs are unique within a site; an app without a C(site) is served in
    every site, so its URLs must be free in each, and no site's mount may hide one of them.
  - The list is sorted by mount, longest first, because Apache uses the first
    C(WSGIScriptAlias) that matches.
options:
  _input:
    description: The apps, each a dict with C(name), C(script) and C(mount) and optional keys.
    type: list
    elements: dict
    required: true
  plan:
    description: The host plan of these apps (the result of C(wsgi_host_plan)).
    type: dict
    required: true
  default_options:
    description: WSGIDaemonProcess options applied to every app, under its own.
    type: dict
  mod_wsgi_version:
    description: Installed mod_wsgi version (a string); options the version lacks fail.
    type: str
  variable:
    description: Name used for the input in error messages.
    type: str
    default: apps
  defaults_name:
    description: Name used for O(default_options) in error messages.
    type: str
    default: default_options
  daemon_user:
    description:
      - User the daemons of an app without C(user) run as (Apache's user).
      - Used for the C(code) entries of RV(_value[].path_checks).
    type: str
  daemon_group:
    description: Group the daemons of an app without C(group) run as (Apache's group).
    type: str
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_host_plan
    plugin_type: filter
  - plugin: wsgiscale.mod_wsgi.wsgi_daemon_options
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Write one stanza per app
  vars:
    apps:
      - name: shop
        script: /srv/my shop/app.wsgi
        mount: /
        python_path: [/srv/my shop/lib]
    plan: >-
      {{ apps | wsgiscale.mod_wsgi.wsgi_host_plan(vcpus=2,
           defaults={'target_rpm': 3000, 'latency_ms': 100}) }}
  ansible.builtin.debug:
    msg: "{{ apps | wsgiscale.mod_wsgi.wsgi_app_config(plan=plan, mod_wsgi_version='4.9.4') }}"
  # => [{"name": "shop", "mount_word": "/", "script_word": "\"/srv/my shop/app.wsgi\"",
  #      "daemon_words": ["processes=2", "threads=4",
  #                       "python-path=\"/srv/my shop/lib\"", ...], ...}]
"""

RETURN = r"""
_value:
  description: One dict per app, longest mount first.
  type: list
  elements: dict
  contains:
    name:
      description: The daemon process group name.
      type: str
    index:
      description: The app's position in the input list (the list returned is sorted by mount).
      type: int
    mount:
      description: The mount, as given.
      type: str
    script:
      description: The WSGI script path, as given (without a trailing slash).
      type: str
    script_dir:
      description: The folder of the script.
      type: str
    script_file:
      description: The file name of the script.
      type: str
    mount_word:
      description: The mount as an Apache word (quoted when needed).
      type: str
    script_word:
      description: The script path as an Apache word.
      type: str
    script_dir_word:
      description: The script folder as an Apache word, for C(<Directory>).
      type: str
    script_file_word:
      description: The script file name as an Apache word, for C(<Files>).
      type: str
    path_checks:
      description:
        - What the host must hold before the configuration is written, for a caller to C(stat).
        - C(expect=file) the script exists as a file; C(dir) the C(home) folder exists;
          C(python) the C(python_home) interpreter (C(bin/python3)) exists;
          C(code) the script or its folder is not writable by C(daemon_user)/C(daemon_group).
      type: list
      elements: dict
    python_home:
      description: The validated C(python-home) of the app, or null.
      type: str
    home:
      description: The validated C(home) of the app, or null.
      type: str
    user:
      description: The daemon C(user) of the app, or null (Apache's user).
      type: str
    group:
      description: The daemon C(group) of the app, or null (Apache's group).
      type: str
    daemon_words:
      description: The C(key=value) words of the C(WSGIDaemonProcess) line, in render order.
      type: list
      elements: str
    site:
      description:
        - The name of the site (virtual host) the app is served in, or null for every site
          (server-wide). P(wsgiscale.mod_wsgi.wsgi_site_config#filter) checks the name.
      type: str
    static:
      description:
        - The app's C(static) mappings Apache serves itself, each C(url), C(path), C(max_age)
          (seconds of C(Cache-Control), or null) and the quoted C(url_word) and C(path_word).
        - A folder holding the app's script (or a parent of it) is refused; each folder is
          also in RV(_value[].path_checks) with C(expect=dir).
      type: list
      elements: dict
    pass_authorization:
      description: Whether C(WSGIPassAuthorization On) passes C(Authorization) to the app.
      type: bool
    request_body_limit_bytes:
      description: The app's C(LimitRequestBody) in bytes, or null (Apache's default).
      type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.app_config import apps_config

FILTER = "wsgi_app_config"


def wsgi_app_config(
    apps,
    plan=None,
    default_options=None,
    mod_wsgi_version=None,
    variable="apps",
    defaults_name="default_options",
    daemon_user=None,
    daemon_group=None,
):
    """Return the validated Apache pieces of ``apps``; see DOCUMENTATION."""
    try:
        return apps_config(
            apps,
            plan or {},
            default_options,
            mod_wsgi_version=mod_wsgi_version,
            variable=variable,
            defaults_name=defaults_name,
            daemon_account=(daemon_user, daemon_group),
        )
    except WsgiscaleError as exc:
        raise AnsibleFilterError(f"{FILTER}: {exc}") from exc


class FilterModule:
    """The wsgi_app_config filter."""

    def filters(self):
        return {FILTER: wsgi_app_config}
