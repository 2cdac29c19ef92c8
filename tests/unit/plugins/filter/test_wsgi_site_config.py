# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wsgi_site_config filter: a thin wrapper of sites_config."""

from __future__ import annotations

import inspect

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter import wsgi_site_config as plugin
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_app_config import (
    wsgi_app_config,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_host_plan import wsgi_host_plan
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.site_config import sites_config

FILTER = plugin.FilterModule().filters()["wsgi_site_config"]
TLS = {"certificate": "/etc/ssl/shop/cert.pem", "key": "/etc/ssl/shop/key.pem"}
SITES = [
    {"name": "shop", "server_name": "shop.example.com", "tls": TLS, "redirect_to_https": True},
    {"name": "api", "server_name": "api.example.com"},
]
APPS = [
    {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/", "site": "shop"},
    {"name": "api", "script": "/srv/api/app.wsgi", "mount": "/", "site": "api"},
]


def _apps():
    plan = wsgi_host_plan(APPS, vcpus=2, defaults={"target_rpm": 600, "latency_ms": 100})
    return wsgi_app_config(APPS, plan=plan)


def _error(*args, **kwargs):
    with pytest.raises(AnsibleFilterError) as info:
        FILTER(*args, **kwargs)
    return str(info.value)


def test_filter_is_registered_under_its_file_name():
    assert list(plugin.FilterModule().filters()) == ["wsgi_site_config"]


def test_result_is_sites_configs():
    apps = _apps()
    result = FILTER(SITES, apps=apps, unknown_host="api")
    assert result == sites_config(SITES, apps, unknown_host="api")
    assert [(v["kind"], v["name"], v["port"]) for v in result["vhosts"]] == [
        ("unknown", "reject", 443),
        ("site", "api", 80),
        ("site", "shop", 443),
        ("redirect", "shop", 80),
    ]


def test_apps_default_to_none():
    result = FILTER(SITES)
    assert result["server_wide_apps"] == []
    assert all(v["apps"] == [] for v in result["vhosts"])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"unknown_host": "nope"}, "wsgi_site_config: unknown_host got 'nope' (str); expected "),
        (
            {"unknown_host": "nope", "unknown_host_name": "mod_wsgi_daemon_unknown_host"},
            "wsgi_site_config: mod_wsgi_daemon_unknown_host got 'nope' (str)",
        ),
    ],
)
def test_error_names_the_parameter(kwargs, expected):
    assert _error(SITES, **kwargs).startswith(expected)


def test_error_uses_the_variable_names():
    sites = [SITES[0], {**SITES[1], "server_name": "bad name"}]
    message = _error(sites, variable="mod_wsgi_daemon_sites")
    assert message.startswith(
        "wsgi_site_config: mod_wsgi_daemon_sites[1] (api).server_name got 'bad name' (str)"
    )


def test_apps_variable_is_used():
    apps = [dict(app, site="nope") for app in _apps()]
    message = _error(SITES, apps=apps, apps_variable="mod_wsgi_daemon_apps")
    assert message.startswith("wsgi_site_config: mod_wsgi_daemon_apps[0] (")
    assert ").site got 'nope' (str); expected the name of a site in sites (shop, api)" in message


def test_error_keeps_its_cause():
    with pytest.raises(AnsibleFilterError) as info:
        FILTER("not a list")
    assert info.value.__cause__ is not None
    assert type(info.value.__cause__).__name__ == "AppConfigError"


def test_documented_options_match_the_signature():
    documented = yaml.safe_load(plugin.DOCUMENTATION)["options"]
    parameters = inspect.signature(plugin.wsgi_site_config).parameters
    assert set(documented) - {"_input"} == set(parameters) - {"sites"}
    for name, option in documented.items():
        if name != "_input" and "default" in option:
            assert parameters[name].default == option["default"]
