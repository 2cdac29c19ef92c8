# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_site_config
short_description: Validated virtual hosts (sites) of the WSGI apps, in Apache's order
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Takes the sites of a host (the role's C(mod_wsgi_daemon_sites)) and the apps from
    P(wsgiscale.mod_wsgi.wsgi_app_config#filter), and returns every C(<VirtualHost>) to write,
    with the apps each one serves.
  - A site has a C(name), a C(server_name), optional C(server_aliases) (C(*.example.com)
    allowed), a C(port) (80, or 443 with C(tls)), optional C(tls) (paths on the host of its
    C(certificate), C(key) and C(chain)), C(redirect_to_https) (a plain-HTTP virtual host on
    C(http_port), 80 by default, that redirects to the HTTPS site), C(hsts) and
    C(hsts_max_age), C(server_admin), C(error_log) and C(access_log).
  - Apache gives a request for an unknown host name to the first virtual host of its port.
    With O(unknown_host=reject) that first host answers C(421 Misdirected Request) on every
    port the sites use; with the name of a site, that site's virtual host comes first on its
    ports (others still reject).
  - A port is TLS or plain for every site on it, and a host name is served once per port.
  - Every value is checked before it can reach a file (host names, e-mail, absolute
    normalised paths without quotes, newlines or C(${)).
options:
  _input:
    description: The sites, a list of dicts; without sites every app is server-wide.
    type: list
    elements: dict
    required: true
  apps:
    description: The apps, as returned by P(wsgiscale.mod_wsgi.wsgi_app_config#filter).
    type: list
    elements: dict
    required: true
  unknown_host:
    description: C(reject), or the name of the site that answers unknown host names.
    type: str
    default: reject
  variable:
    description: Name used for the input in error messages.
    type: str
    default: sites
  apps_variable:
    description: Name used for the apps in error messages.
    type: str
    default: apps
  unknown_host_name:
    description: Name used for O(unknown_host) in error messages.
    type: str
    default: unknown_host
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_app_config
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Two sites, one with TLS, each with its own app at /
  vars:
    sites:
      - name: shop
        server_name: shop.example.com
        tls:
          certificate: /etc/ssl/shop/cert.pem
          key: /etc/ssl/shop/key.pem
        redirect_to_https: true
        hsts: true
      - name: api
        server_name: api.example.com
    apps:
      - {name: shop, script: /srv/shop/app.wsgi, mount: /, site: shop}
      - {name: api, script: /srv/api/app.wsgi, mount: /, site: api}
    plan: >-
      {{ apps | wsgiscale.mod_wsgi.wsgi_host_plan(vcpus=2,
           defaults={'target_rpm': 600, 'latency_ms': 100}) }}
    app_configs: "{{ apps | wsgiscale.mod_wsgi.wsgi_app_config(plan=plan) }}"
  ansible.builtin.debug:
    msg: "{{ sites | wsgiscale.mod_wsgi.wsgi_site_config(apps=app_configs) }}"
  # => vhosts: 421 on *:80, 421 on *:443 (with shop's certificate), shop on 443,
  #    shop's redirect on 80, api on 80
"""

RETURN = r"""
_value:
  description: The virtual hosts and what the host must pass before they are written.
  type: dict
  contains:
    vhosts:
      description:
        - The C(<VirtualHost>) blocks in the order they must be written. C(kind) is
          V(unknown) (answers unknown host names with 421), V(site) or V(redirect).
        - Each has C(name), C(port), C(server_name), C(server_aliases), C(tls) (with the
          quoted C(certificate_word), C(key_word), C(chain_word), or null), C(hsts_max_age),
          C(server_admin), C(error_log_word), C(access_log_word), C(apps) (those of a V(site))
          and C(redirect_word) (a V(redirect)'s target).
      type: list
      elements: dict
    server_wide_apps:
      description: The apps without a site, served in every virtual host.
      type: list
      elements: dict
    ports:
      description: Each port the sites use, as C(port) and whether it is C(tls), in order of use.
      type: list
      elements: dict
    tls:
      description: Whether any site uses TLS (mod_ssl is needed).
      type: bool
    tls_checks:
      description: Per TLS site, C(variable), C(certificate), C(key), C(chain) and host C(names).
      type: list
      elements: dict
    path_checks:
      description: Log folders that must exist, each C(variable), C(path), C(expect=dir).
      type: list
      elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.site_config import sites_config

FILTER = "wsgi_site_config"


def wsgi_site_config(
    sites,
    apps=None,
    unknown_host="reject",
    variable="sites",
    apps_variable="apps",
    unknown_host_name="unknown_host",
):
    """Return the validated virtual hosts of ``sites``; see DOCUMENTATION."""
    try:
        return sites_config(
            sites,
            apps or [],
            unknown_host=unknown_host,
            variable=variable,
            apps_variable=apps_variable,
            unknown_host_name=unknown_host_name,
        )
    except WsgiscaleError as exc:
        raise AnsibleFilterError(f"{FILTER}: {exc}") from exc


class FilterModule:
    """The wsgi_site_config filter."""

    def filters(self):
        return {FILTER: wsgi_site_config}
