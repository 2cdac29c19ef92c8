# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The patterns preflight checks each server-wide role variable against.

roles/mod_wsgi_daemon/vars/main.yml lists them (__mod_wsgi_daemon_server_checks);
preflight refuses a value whose text does not match (Ansible's ``match`` test is
``re.match``). The hostile_input scenario feeds the role one or two bad values per
variable, since a role run costs seconds; here many more run in milliseconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

VARS = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "roles/mod_wsgi_daemon/vars/main.yml").read_text(
        encoding="utf-8"
    )
)
LEVELS = "{{ __mod_wsgi_daemon_log_levels }}"
CHECKS = VARS["__mod_wsgi_daemon_server_checks"]
# The shape check of each variable is its first entry; a later entry of the same name
# checks what Apache would make of a well-shaped value (see test_second_checks).
SHAPE = [c for i, c in enumerate(CHECKS) if c["name"] not in {x["name"] for x in CHECKS[:i]}]
PATTERNS = {
    check["name"]: check["pattern"].replace(LEVELS, VARS["__mod_wsgi_daemon_log_levels"])
    for check in SHAPE
}

GOOD = {
    "mod_wsgi_daemon_vcpus": [1, 2, 64, 1000000],
    "mod_wsgi_daemon_memory_mb": [1, 512, 65536],
    "mod_wsgi_daemon_mod_wsgi_version": ["4.1", "4.9.4", "5.0.2", "6.1.1", "10.0"],
    "mod_wsgi_daemon_log_level": [
        "warn",
        "warn wsgi:info",
        "info ssl:warn wsgi:trace8",
        "core:debug",
    ],
    "mod_wsgi_daemon_application_group": [
        "%{GLOBAL}",
        "%{RESOURCE}",
        "%{ENV:APP_GROUP}",
        "shop.v2",
    ],
    "mod_wsgi_daemon_socket_prefix": ["", "run/wsgi", "/var/run/wsgi", "/run/.wsgi", "/run/..x"],
    "mod_wsgi_daemon_conf_name": ["mod_wsgi_daemon", "wsgi-2.0", "a" * 64],
    "mod_wsgi_daemon_max_request_workers": ["auto", 1, 150, 999999],
    "mod_wsgi_daemon_mpm_threads_per_child": [1, 25, 999],
    "mod_wsgi_daemon_tls_protocols": [
        "-all +TLSv1.2 +TLSv1.3",
        "TLSv1.3",
        "all -SSLv3 -TLSv1 -TLSv1.1",
    ],
    "mod_wsgi_daemon_tls_ciphers": [
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
        "HIGH:!aNULL:!MD5",
        "DEFAULT@SECLEVEL=2",
    ],
    "mod_wsgi_daemon_default_site_enabled": [None, True, False],
    "mod_wsgi_daemon_install_method": ["package", "pip"],
    "mod_wsgi_daemon_pip_version": ["6.1.1", "4.1.0", "4.10.2", "5.0.2", "6.0.0rc1", "10.0.0"],
    "mod_wsgi_daemon_pip_python": [
        "python3",
        "python3.11",
        "/usr/bin/python3.13",
        "/opt/py/bin/python3",
    ],
    "mod_wsgi_daemon_pip_venv": ["/opt/wsgiscale/mod_wsgi", "/srv/app/venv/", "/opt/py-3.13_x@1"],
    "mod_wsgi_daemon_pip_source_dir": ["", "/opt/wheelhouse", "/srv/pip-sources/"],
    "mod_wsgi_daemon_pip_index_url": [
        "",
        "https://pypi.org/simple",
        "http://mirror.example.com:8080/pypi/simple/",
        "https://user:token@pkgs.example.com/simple?x=1",
    ],
    "mod_wsgi_daemon_pip_build_packages": ["", "apache2-dev gcc python3.11-dev", "httpd-devel"],
}

BAD = {
    "mod_wsgi_daemon_vcpus": [0, -2, 1000001, 10**9, "2\n"],
    "mod_wsgi_daemon_memory_mb": [0, -1, "lots", "512\n"],
    "mod_wsgi_daemon_mod_wsgi_version": ["four", "", "4", "4.0", "3.9", "4.9.4\n", "auto"],
    "mod_wsgi_daemon_log_level": [
        "verbose",
        "",
        "warn\n",
        "warn\nInclude /etc/shadow",
        "warn \\",
        "wärn",
        "%{x}",
        "warn>",
        "warn  wsgi:info",
        "wsgi:info warn",
    ],
    "mod_wsgi_daemon_application_group": [
        "",
        "my group",
        "%{REQUEST_URI}",
        "%{ENV:}",
        "${X}",
        "x\\",
        '"x"',
        "</Directory>",
        "grüppe",
        "x\n",
        "a" * 129,
    ],
    "mod_wsgi_daemon_socket_prefix": [
        "${APACHE_RUN_DIR}/wsgi",
        "/run/my wsgi",
        "/run/../tmp/wsgi",
        "..",
        "./wsgi",
        "/run/.",
        "run//wsgi",
        "/",
        "run/wsgi\n",
        "run/wsgï",
        "run/wsgi\\",
    ],
    "mod_wsgi_daemon_conf_name": [
        "",
        "../mods-enabled/evil",
        "wsgi\n",
        "wsgi_ü",
        "my conf",
        ".hidden",
        "a" * 65,
    ],
    "mod_wsgi_daemon_max_request_workers": [
        0,
        -1,
        150.5,
        10000000,
        "lots",
        True,
        "200\n",
        "auto\n",
    ],
    "mod_wsgi_daemon_mpm_threads_per_child": [0, -1, 1000, 100000, 2.5, "25\n"],
    "mod_wsgi_daemon_tls_protocols": [
        "",
        "TLSv1.4",
        "-all  +TLSv1.2",
        "+TLSv1.2\nSSLEngine off",
        "+TLSv1.2 ",
        "+TLSv1.2 # comment",
    ],
    "mod_wsgi_daemon_tls_ciphers": ["", "A B", 'HIGH"', "HIGH\nSSLEngine off", "${X}", "HIGH:#x"],
    "mod_wsgi_daemon_default_site_enabled": ["yes", "", 1, "None\n"],
    "mod_wsgi_daemon_install_method": ["", "PIP", "source", "pip\n", "pip "],
    "mod_wsgi_daemon_pip_version": [
        "6.1",
        "6",
        "4.0.9",
        "3.9.0",
        "latest",
        "6.1.1\n",
        ">=6",
        "6.1.1 --pre",
    ],
    "mod_wsgi_daemon_pip_python": ["", "-c", "python3 -c x", "python3\n", 'py"', "python3;id"],
    "mod_wsgi_daemon_pip_venv": [
        "",
        "venv",
        "/opt/my venv",
        "/opt/../etc",
        "/opt/./x",
        "/opt/v\n",
        '/opt/"v"',
        "/",
    ],
    "mod_wsgi_daemon_pip_source_dir": [
        "wheels",
        "/opt/my wheels",
        "/opt/w\n",
        "/opt/..",
        "/opt/w'",
    ],
    "mod_wsgi_daemon_pip_index_url": [
        "pypi.org/simple",
        "ftp://x/simple",
        "https://x/simple\n",
        "https://x/ simple",
        'https://x/"simple',
        "https://x/$(id)",
        "file:///etc",
    ],
    "mod_wsgi_daemon_pip_build_packages": ["gcc  make", "Gcc", "gcc\nmake", "-o x", "gcc;id"],
}


def _accepted(name, value):
    return re.match(PATTERNS[name], str(value)) is not None


def test_every_server_check_is_tested():
    assert set(PATTERNS) == set(GOOD) == set(BAD)


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in GOOD.items() for value in values]
)
def test_good_value_passes(name, value):
    assert _accepted(name, value)


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in BAD.items() for value in values]
)
def test_bad_value_is_refused(name, value):
    assert not _accepted(name, value)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_patterns_end_with_backslash_z(name):
    # '$' would also match before a final newline.
    assert PATTERNS[name].endswith("\\Z") and "$" not in PATTERNS[name]


def test_second_checks():
    # Only MaxRequestWorkers has one: Apache lowers a value that is not a multiple of
    # ThreadsPerChild with only a warning; its value text then says "would lower".
    second = [c for c in CHECKS if c not in SHAPE]
    assert [c["name"] for c in second] == ["mod_wsgi_daemon_max_request_workers"]
    assert re.match(second[0]["pattern"], "150")
    assert not re.match(second[0]["pattern"], "151 (Apache would lower it to 150)")
