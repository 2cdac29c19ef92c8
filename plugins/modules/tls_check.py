#!/usr/bin/python
# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tls_check
short_description: Check a certificate, its key and chain on the host before Apache uses them
version_added: 0.1.0
description:
  - Reads the certificate, key and optional chain on the target (read-only) and runs a TLS
    handshake in memory between two Python C(ssl) objects, no socket and no network. The
    server side loads the certificate and key as Apache would; the client side trusts only
    the chain and checks the dates and every host name in O(names).
  - Fails, naming O(variable) and every problem, when a file is missing or unreadable, the
    key does not belong to the certificate or is encrypted (Apache would wait for a
    passphrase at every start), the chain did not issue the certificate, the certificate
    has expired or is not valid yet, or it does not cover a name. A wildcard name
    C(*.example.com) is checked as C(www.example.com).
  - Without O(chain), the certificate file itself is trusted (it may hold the chain after
    the certificate, as C(fullchain.pem) does), so only the key, the dates and the names
    are checked.
  - The C(wsgiscale.mod_wsgi.mod_wsgi_daemon) role runs it for every TLS site in preflight,
    before any file is written.
  - Needs only Python's standard library on the target.
author:
  - wsgiscale maintainers (@wsgiscale)
attributes:
  platform:
    description: Any POSIX host with Python's C(ssl) module (OpenSSL 1.1.1 or later).
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.attributes.read_only
options:
  certificate:
    description: Path of the PEM certificate on the host (C(SSLCertificateFile)).
    type: path
    required: true
  key:
    description: Path of its PEM private key on the host (C(SSLCertificateKeyFile)).
    type: path
    required: true
  chain:
    description: Path of the PEM intermediate certificates that issued O(certificate).
    type: path
  names:
    description: Host names the certificate must cover (the site's server name and aliases).
    type: list
    elements: str
    default: []
  variable:
    description: What the error message names as the source of the paths.
    type: str
    default: tls
"""

EXAMPLES = r"""
- name: Check the shop's certificate before configuring its site
  wsgiscale.mod_wsgi.tls_check:
    certificate: /etc/ssl/shop/cert.pem
    key: /etc/ssl/shop/key.pem
    chain: /etc/ssl/shop/chain.pem
    names: [shop.example.com, www.shop.example.com]
    variable: mod_wsgi_daemon_sites[0] (shop).tls
  register: shop_tls

- name: Say how long the certificate has left
  ansible.builtin.debug:
    msg: "shop.example.com's certificate is valid until {{ shop_tls.not_after }}"
"""

RETURN = r"""
subject_names:
  description: The DNS names of the certificate (its subjectAltName).
  returned: success
  type: list
  elements: str
  sample: [shop.example.com, www.shop.example.com]
not_before:
  description: Start of the certificate's validity, ISO 8601 in UTC.
  returned: success
  type: str
  sample: "2026-12-01T07:58:11+00:00"
not_after:
  description: End of the certificate's validity, ISO 8601 in UTC.
  returned: success
  type: str
  sample: "2027-03-01T07:58:11+00:00"
names:
  description: The names that were checked (O(names)).
  returned: success
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.tls import (
    TlsCheckError,
    check_tls,
)

ARGUMENT_SPEC = {
    "certificate": {"type": "path", "required": True},
    "key": {"type": "path", "required": True, "no_log": False},
    "chain": {"type": "path"},
    "names": {"type": "list", "elements": "str", "default": []},
    "variable": {"type": "str", "default": "tls"},
}


#: A host name the certificate must cover (``*.`` allowed first), as the role checks them.
NAME_RE = re.compile(r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def main() -> None:
    """Run the module."""
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    bad = [name for name in params["names"] if not NAME_RE.fullmatch(name)]
    if bad:
        module.fail_json(
            msg=f"{params['variable']}: names got {bad!r}; expected host names such as "
            "shop.example.com or *.example.com. Nothing was changed on the host."
        )
    try:
        result = check_tls(params["certificate"], params["key"], params["chain"], params["names"])
    except TlsCheckError as exc:
        module.fail_json(msg=f"{params['variable']}: {exc}. Nothing was changed on the host.")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
