# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter import wsgi_app_config as plugin
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_host_plan import wsgi_host_plan

FILTER = plugin.FilterModule().filters()["wsgi_app_config"]
APPS = [
    {"name": "shop", "script": "/srv/my shop/app.wsgi", "mount": "/"},
    {"name": "api", "script": "/srv/api/app.wsgi", "mount": "/api", "target_rpm": 1200},
]


def _plan():
    return wsgi_host_plan(APPS, vcpus=2, defaults={"target_rpm": 600, "latency_ms": 100})


def test_filter_is_registered_under_its_file_name():
    assert list(plugin.FilterModule().filters()) == ["wsgi_app_config"]


def test_words_come_from_the_host_plan():
    plan = _plan()
    configs = FILTER(APPS, plan=plan, mod_wsgi_version="5.0.2")
    assert [c["name"] for c in configs] == ["api", "shop"]
    for config in configs:
        sized = plan["apps"][config["name"]]
        assert config["daemon_words"][:2] == [
            f"processes={sized['processes']}",
            f"threads={sized['threads']}",
        ]
    assert configs[1]["script_word"] == '"/srv/my shop/app.wsgi"'


def test_errors_name_the_filter_and_the_variable():
    bad = [dict(APPS[0], mount="/"), dict(APPS[1], mount="/")]
    with pytest.raises(AnsibleFilterError, match=r"^wsgi_app_config: mod_wsgi_daemon_apps\[1\]"):
        FILTER(bad, plan=_plan(), variable="mod_wsgi_daemon_apps")


def test_documentation_parses_and_lists_every_keyword():
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert set(doc["options"]) - {"_input"} == {
        "plan",
        "default_options",
        "mod_wsgi_version",
        "variable",
        "defaults_name",
        "daemon_user",
        "daemon_group",
    }
    yaml.safe_load(plugin.EXAMPLES)
    yaml.safe_load(plugin.RETURN)
