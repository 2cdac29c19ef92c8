# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the per-app Apache words the role's template places."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.app_config import (
    AppConfigError,
    apps_config,
)

SIZED = {"processes": 2, "threads": 5, "request-timeout": 12, "queue-timeout": 5}


def _plan(*names):
    return {"apps": {name: {"options": dict(SIZED)} for name in names}}


def _one(**app):
    base = {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/"}
    base.update(app)
    return apps_config(
        [base], _plan(base["name"]) if isinstance(base["name"], str) else {}, variable="apps"
    )[0]


def test_plain_app_words():
    config = _one()
    assert config["daemon_words"] == [
        "processes=2",
        "threads=5",
        "request-timeout=12",
        "queue-timeout=5",
    ]
    assert (config["mount_word"], config["script_word"]) == ("/", "/srv/shop/app.wsgi")
    assert (config["script_dir_word"], config["script_file_word"]) == ("/srv/shop", "app.wsgi")


def test_paths_with_spaces_stay_one_quoted_word_each():
    config = _one(
        script="/srv/my shop/app v2.wsgi",
        python_path=["/srv/my shop", "/srv/my shop/lib dir"],
        home="/srv/my shop",
        python_home="/opt/venvs/my shop",
    )
    assert 'python-path="/srv/my shop:/srv/my shop/lib dir"' in config["daemon_words"]
    assert 'home="/srv/my shop"' in config["daemon_words"]
    assert 'python-home="/opt/venvs/my shop"' in config["daemon_words"]
    assert config["script_word"] == '"/srv/my shop/app v2.wsgi"'
    assert config["script_dir_word"] == '"/srv/my shop"'
    assert config["script_file_word"] == '"app v2.wsgi"'
    assert (config["home"], config["python_home"]) == ("/srv/my shop", "/opt/venvs/my shop")
    assert (config["user"], config["group"]) == (None, None)
    # No word may contain an unquoted space: Apache would split it.
    for word in config["daemon_words"]:
        name, _sep, value = word.partition("=")
        assert " " not in name
        assert " " not in value or (value.startswith('"') and value.endswith('"'))


def test_option_precedence_plan_defaults_keys_options():
    apps = [
        {
            "name": "api",
            "script": "/srv/api/app.wsgi",
            "mount": "/api",
            "user": "www-data",
            "options": {"request-timeout": 30, "maximum-requests": 100},
        }
    ]
    config = apps_config(
        apps,
        _plan("api"),
        {"request-timeout": 99, "queue-timeout": 7, "display-name": "%{GROUP}"},
    )[0]
    words = config["daemon_words"]
    assert "request-timeout=30" in words  # app options beat defaults and plan
    assert "queue-timeout=7" in words  # defaults beat the plan
    assert "user=www-data" in words
    assert "maximum-requests=100" in words
    assert "display-name=%{GROUP}" in words


def test_longest_mount_first_and_prefix_order():
    apps = [
        {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/"},
        {"name": "api", "script": "/srv/api/app.wsgi", "mount": "/api"},
        {"name": "v1", "script": "/srv/v1/app.wsgi", "mount": "/api/v1"},
    ]
    configs = apps_config(apps, _plan("shop", "api", "v1"))
    assert [c["mount"] for c in configs] == ["/api/v1", "/api", "/"]


BAD_APPS = [
    ("name", {"name": "my shop"}, "apps[0] (my shop).name got"),
    ("name", {"name": "%{GLOBAL}"}, "apps[0] (%{GLOBAL}).name got"),
    ("name", {"name": ""}, "apps[0].name got"),
    ("script", {"script": "srv/app.wsgi"}, "apps[0] (shop).script"),
    ("script", {"script": "/srv/../etc/app.wsgi"}, "apps[0] (shop).script"),
    ("script", {"script": "/srv/app.wsgi\nWSGIRestrictEmbedded Off"}, "apps[0] (shop).script"),
    ("script", {"script": '/srv/a"b/app.wsgi'}, "apps[0] (shop).script"),
    ("script", {"script": "/srv/</Directory>/app.wsgi"}, "apps[0] (shop).script"),
    ("script", {"script": "/srv/${HOME}/app.wsgi"}, "apps[0] (shop).script"),
    ("script", {"script": ""}, "apps[0] (shop).script"),
    ("script", {"script": 42}, "apps[0] (shop).script"),
    ("mount", {"mount": "api"}, "apps[0] (shop).mount"),
    ("mount", {"mount": "/api/"}, "apps[0] (shop).mount"),
    ("mount", {"mount": "/my api"}, "apps[0] (shop).mount"),
    ("mount", {"mount": "/api\r\nHeader set X 1"}, "apps[0] (shop).mount"),
    ("mount", {"mount": "//api"}, "apps[0] (shop).mount"),
    ("python_path", {"python_path": ["relative/lib"]}, "apps[0] (shop).python_path got"),
    ("python_path", {"python_path": ["/srv/lib\n"]}, "apps[0] (shop).python_path got"),
    ("python_home", {"python_home": "venv"}, "apps[0] (shop).python_home got"),
    ("home", {"home": "/srv/x\\"}, None),
    ("user", {"user": "root"}, "apps[0] (shop).user got 'root'"),
    ("user", {"user": "#0"}, "apps[0] (shop).user got '#0'"),
    ("group", {"group": "bad group"}, "apps[0] (shop).group got"),
    ("options user", {"options": {"user": "root"}}, "apps[0] (shop).options.user got 'root'"),
    ("options", {"options": {"threads": 3}}, "apps[0] (shop).options.threads"),
    ("options", {"options": {"processes": 3}}, "apps[0] (shop).options.processes"),
    ("options", {"options": {"request_timeout": 3}}, "request-timeout"),
    ("options", {"options": "request-timeout=3"}, "apps[0] (shop).options"),
    ("options", {"python_home": "/opt/v", "options": {"python-home": "/opt/w"}}, "python_home"),
    ("unknown key", {"scirpt": "/srv/x.wsgi"}, "scirpt"),
]


@pytest.mark.parametrize(("label", "change", "named"), BAD_APPS, ids=[c[0] for c in BAD_APPS])
def test_bad_app_is_refused_naming_the_variable(label, change, named):
    if label == "home":
        # A trailing backslash is quoted (doubled), never left at the end of a line.
        config = _one(**change)
        assert 'home="/srv/x\\\\"' in config["daemon_words"]
        return
    with pytest.raises(AppConfigError) as excinfo:
        _one(**change)
    assert named in str(excinfo.value)
    assert isinstance(excinfo.value, WsgiscaleError)


def test_duplicate_mount_names_both_apps():
    apps = [
        {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/"},
        {"name": "other", "script": "/srv/other/app.wsgi", "mount": "/"},
    ]
    expected = r"apps\[1\] \(other\)\.mount .*not used by apps\[0\] \(shop\)"
    with pytest.raises(AppConfigError, match=expected):
        apps_config(apps, _plan("shop", "other"))


def test_app_missing_from_plan_is_refused():
    with pytest.raises(AppConfigError, match=r"apps\[0\] \(shop\)\.name .*an app of the plan"):
        apps_config([{"name": "shop", "script": "/srv/a.wsgi", "mount": "/"}], _plan("other"))


@pytest.mark.parametrize("apps", [[], "shop", None, {"name": "shop"}])
def test_apps_must_be_a_non_empty_list(apps):
    with pytest.raises(AppConfigError, match=r"^apps got"):
        apps_config(apps, _plan("shop"))


def test_version_gates_options():
    with pytest.raises(AppConfigError, match="interrupt-timeout"):
        apps_config(
            [{"name": "shop", "script": "/srv/a.wsgi", "mount": "/"}],
            _plan("shop"),
            {"interrupt-timeout": 10},
            mod_wsgi_version="4.9.4",
        )


def test_path_checks_name_the_variable_and_the_daemon_account():
    apps = [
        {
            "name": "api",
            "script": "/srv/api/app.wsgi",
            "mount": "/api",
            "python_home": "/opt/venv",
            "home": "/srv/api",
            "user": "api",
        },
        {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/"},
    ]
    configs = apps_config(
        apps, _plan("api", "shop"), variable="v", daemon_account=("www-data", "www-data")
    )
    api, shop = configs[0], configs[1]
    assert [(c["expect"], c["path"], c["variable"]) for c in api["path_checks"]] == [
        ("file", "/srv/api/app.wsgi", "v[0] (api).script"),
        ("python", "/opt/venv/bin/python3", "v[0] (api).python_home"),
        ("dir", "/srv/api", "v[0] (api).home"),
        ("code", "/srv/api/app.wsgi", "v[0] (api).script"),
        ("code", "/srv/api", "v[0] (api).script"),
    ]
    code = [c for c in api["path_checks"] if c["expect"] == "code"]
    assert {(c["daemon_user"], c["daemon_group"]) for c in code} == {("api", "www-data")}
    assert [c["expect"] for c in shop["path_checks"]] == ["file", "code", "code"]
    assert {c["daemon_user"] for c in shop["path_checks"] if c["expect"] == "code"} == {"www-data"}


@pytest.mark.parametrize(
    "mount",
    ["/%{GLOBAL}", "/api?debug=1", "/api#top", "/api\\", "/api/..", "/api/./v1", "/..", "/%61pi"],
)
def test_mount_apache_could_never_match_is_refused(mount):
    with pytest.raises(AppConfigError, match=r"^apps\[0\] \(shop\)\.mount got .*no trailing"):
        _one(mount=mount)


@pytest.mark.parametrize("mount", ["/", "/api", "/api/v1", "/café", "/it's", "/a.b/c-d_e~f"])
def test_unusual_but_valid_mounts_are_kept(mount):
    assert _one(mount=mount)["mount"] == mount


@pytest.mark.parametrize("script", ["//srv/shop/app.wsgi", "/srv//shop/app.wsgi"])
def test_double_slash_paths_are_refused(script):
    with pytest.raises(AppConfigError, match=r"\.script got .*no '\.\.', '\.' or '//' parts"):
        _one(script=script)


@pytest.mark.parametrize(
    ("app", "defaults", "named"),
    [
        ({"user": "root"}, {}, "apps[0] (shop).user got 'root'"),
        ({"options": {"user": "root"}}, {}, "apps[0] (shop).options.user got 'root'"),
        ({"python_path": ["lib"]}, {}, "apps[0] (shop).python_path got ['lib']"),
        (
            {},
            {"user": "root"},
            "mod_wsgi_daemon_default_options.user (applied to apps[0] (shop)) got 'root'",
        ),
        (
            {},
            {"request_timeout": 5},
            "mod_wsgi_daemon_default_options.request_timeout (applied to apps[0] (shop)) got 5",
        ),
        # An app's own option wins over the default, and is what the message names.
        (
            {"options": {"home": "srv"}},
            {"home": "/srv"},
            "apps[0] (shop).options.home got 'srv'",
        ),
    ],
)
def test_bad_option_is_named_where_it_was_set(app, defaults, named):
    base = {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/", **app}
    with pytest.raises(AppConfigError) as info:
        apps_config(
            [base], _plan("shop"), defaults, defaults_name="mod_wsgi_daemon_default_options"
        )
    assert str(info.value).startswith(named)


def test_a_bad_version_is_named_once_not_per_app():
    apps = [{"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/"}]
    with pytest.raises(AppConfigError, match=r"^parameter 'mod_wsgi_version' got 'latest'"):
        apps_config(apps, _plan("shop"), mod_wsgi_version="latest")
