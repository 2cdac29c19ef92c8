# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the app keys site, static, pass_authorization and request_body_limit_bytes,
and of the rules that keep URLs unique per site."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.app_config import (
    REQUEST_BODY_LIMIT_MAX,
    STATIC_MAX_AGE_MAX,
    apps_config,
    static_mappings,
)

SIZED = {"processes": 2, "threads": 5}


def _plan(*names):
    return {"apps": {name: {"options": dict(SIZED)} for name in names}}


def _run(*apps):
    """apps_config of apps given as dicts (script defaults to /srv/<name>/app.wsgi)."""
    raw = [{"script": f"/srv/{a['name']}/app.wsgi", "mount": "/", **a} for a in apps]
    return apps_config(raw, _plan(*(a["name"] for a in raw)))


def _one(**keys):
    return _run({"name": "shop", **keys})[0]


def _error(*apps):
    with pytest.raises(WsgiscaleError) as info:
        _run(*apps)
    return str(info.value)


# ------------------------------------------------------------------ defaults


def test_new_keys_default_to_nothing():
    config = _one()
    assert config["site"] is None
    assert config["static"] == []
    assert config["pass_authorization"] is False
    assert config["request_body_limit_bytes"] is None


def test_site_is_kept():
    assert _one(site="shop-site.v2")["site"] == "shop-site.v2"


@pytest.mark.parametrize("value", ["bad site", "", "a\nb", "-x", "%{GLOBAL}", "x" * 65, 42, True])
def test_bad_site_name_is_refused(value):
    message = _error({"name": "shop", "site": value})
    assert message.startswith(f"apps[0] (shop).site got {describe(value)}; expected ")
    assert "site name" in message
    assert "daemon process group" not in message


# ------------------------------------------------------------------ static


def test_static_mapping_words():
    config = _one(static=[{"url": "/static", "path": "/srv/shop-assets", "max_age": 3600}])
    assert config["static"] == [
        {
            "url": "/static",
            "path": "/srv/shop-assets",
            "max_age": 3600,
            "url_word": "/static",
            "path_word": "/srv/shop-assets",
        }
    ]


def test_static_path_with_spaces_is_one_quoted_word():
    mapping = _one(static=[{"url": "/media", "path": "/srv/my shop/media files/"}])["static"][0]
    assert mapping["path"] == "/srv/my shop/media files"
    assert mapping["path_word"] == '"/srv/my shop/media files"'
    assert mapping["max_age"] is None


def test_static_folders_are_path_checks():
    static = [{"url": "/a", "path": "/srv/a"}, {"url": "/b", "path": "/srv/my b"}]
    checks = [c for c in _one(static=static)["path_checks"] if c["expect"] == "dir"]
    assert checks == [
        {"variable": "apps[0] (shop).static[0].path", "path": "/srv/a", "expect": "dir"},
        {"variable": "apps[0] (shop).static[1].path", "path": "/srv/my b", "expect": "dir"},
    ]


@pytest.mark.parametrize("path", ["/srv/shop-assets", "/srv/shop/static", "/srv/sho", "/var/www"])
def test_static_folder_beside_or_below_the_code_is_accepted(path):
    assert _one(static=[{"url": "/static", "path": path}])["static"][0]["path"] == path


@pytest.mark.parametrize("path", ["/srv", "/srv/shop", "/srv/shop/", "/srv/"])
def test_static_folder_holding_the_code_is_refused(path):
    message = _error({"name": "shop", "static": [{"url": "/static", "path": path}]})
    assert message.startswith(f"apps[0] (shop).static[0].path got {describe(path.rstrip('/'))}")
    assert "expected a folder that does not hold the app's code (/srv/shop)" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", "a URL path below '/', such as /static"),
        ("/static/", "no trailing slash"),
        ("static", "no trailing slash"),
        ("/a b", "no trailing slash"),
        ("/static/../app", "no trailing slash"),
        ("/static?x", "no trailing slash"),
        ("/st\natic", "without control"),
        ('/st"atic', "without a double quote"),
        ("/${X}", "without '${'"),
        ("", "a non-empty string"),
        (None, "a non-empty string"),
    ],
)
def test_bad_static_url_is_refused(url, expected):
    message = _error({"name": "shop", "static": [{"url": url, "path": "/srv/assets"}]})
    assert message.startswith(f"apps[0] (shop).static[0].url got {describe(url)}; expected ")
    assert expected in message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("assets", "an absolute path"),
        ("/srv/../etc", "an absolute path"),
        ("/", "an absolute path"),
        ("/srv/as\nsets", "without control"),
        ("/srv/<assets>", "without '<'"),
        ("/srv/${X}", "without '${'"),
        (None, "a non-empty string"),
    ],
)
def test_bad_static_path_is_refused(path, expected):
    message = _error({"name": "shop", "static": [{"url": "/s", "path": path}]})
    assert message.startswith(f"apps[0] (shop).static[0].path got {describe(path)}; expected ")
    assert expected in message


@pytest.mark.parametrize(("max_age", "expected"), [(0, 0), (STATIC_MAX_AGE_MAX,) * 2, ("60", 60)])
def test_static_max_age_accepted(max_age, expected):
    static = [{"url": "/s", "path": "/srv/assets", "max_age": max_age}]
    assert _one(static=static)["static"][0]["max_age"] == expected
    assert STATIC_MAX_AGE_MAX == 31536000


@pytest.mark.parametrize("max_age", [-1, 31536001, True, False, "abc", 1.5, "-1", "1e3"])
def test_static_max_age_refused(max_age):
    message = _error({"name": "shop", "static": [{"url": "/s", "path": "/a", "max_age": max_age}]})
    assert message == (
        f"apps[0] (shop).static[0].max_age got {describe(max_age)}; "
        "expected seconds, an integer from 0 to 31536000"
    )


@pytest.mark.parametrize(
    ("static", "where"),
    [
        ("/static", "apps[0] (shop).static got '/static' (str)"),
        ({"url": "/s", "path": "/a"}, "apps[0] (shop).static got {"),
        (["/static"], "apps[0] (shop).static[0] got '/static' (str)"),
        ([{"url": "/s", "path": "/a", "cache": 1}], "apps[0] (shop).static[0] got {"),
    ],
)
def test_static_shape_is_checked(static, where):
    assert _error({"name": "shop", "static": static}).startswith(where)


def test_static_mappings_directly():
    assert static_mappings("x", None, "/srv/shop") == []
    with pytest.raises(WsgiscaleError, match=r"^x\[1\]\.path got '/srv' \(str\)"):
        static_mappings("x", [{"url": "/a", "path": "/a"}, {"url": "/b", "path": "/srv"}], "/srv/a")


# ------------------------------------------------------------------ pass_authorization


@pytest.mark.parametrize("value", [True, False])
def test_pass_authorization_accepts_bools(value):
    assert _one(pass_authorization=value)["pass_authorization"] is value


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "On"])
def test_pass_authorization_refuses_non_bools(value):
    assert _error({"name": "shop", "pass_authorization": value}) == (
        f"apps[0] (shop).pass_authorization got {describe(value)}; expected true or false"
    )


# ------------------------------------------------------------------ request_body_limit_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (1048576, 1048576), (REQUEST_BODY_LIMIT_MAX,) * 2, ("10485760", 10485760)],
)
def test_request_body_limit_accepted(value, expected):
    assert _one(request_body_limit_bytes=value)["request_body_limit_bytes"] == expected


@pytest.mark.parametrize("value", [-1, 2147483648, 1.5, True, "-1", "1 MB", "", "\uff11"])
def test_request_body_limit_refused(value):
    assert _error({"name": "shop", "request_body_limit_bytes": value}) == (
        f"apps[0] (shop).request_body_limit_bytes got {describe(value)}; "
        "expected a size in bytes (0: no limit), an integer from 0 to 2147483647"
    )


# ------------------------------------------------------------------ unique URLs


def test_apps_of_different_sites_may_share_a_mount():
    configs = _run({"name": "shop", "site": "shop"}, {"name": "api", "site": "api"})
    assert sorted((c["name"], c["site"], c["mount"]) for c in configs) == [
        ("api", "api", "/"),
        ("shop", "shop", "/"),
    ]


def test_same_mount_in_the_same_site_is_refused():
    message = _error(
        {"name": "a", "mount": "/x", "site": "s"}, {"name": "b", "mount": "/x", "site": "s"}
    )
    assert message == (
        "apps[1] (b).mount got '/x' (str); expected a URL path not used by apps[0] (a).mount "
        "in site s"
    )


@pytest.mark.parametrize(("first", "second"), [("s", None), (None, "s"), (None, None)])
def test_server_wide_app_shares_every_sites_urls(first, second):
    message = _error(
        {"name": "a", "mount": "/x", "site": first}, {"name": "b", "mount": "/x", "site": second}
    )
    assert message.startswith(
        "apps[1] (b).mount got '/x' (str); expected a URL path not used by apps[0] (a).mount"
    )
    if first is None or second is None:
        assert message.endswith("(an app without a site is served in every site)")


@pytest.mark.parametrize(
    ("site_mount", "wide_mount"), [("/", "/api"), ("/api", "/api/v1"), ("/api", "/api/v1/x")]
)
@pytest.mark.parametrize("site_first", [True, False])
def test_site_mount_hiding_a_server_wide_app_is_refused(site_mount, wide_mount, site_first):
    apps = [
        {"name": "site", "mount": site_mount, "site": "s"},
        {"name": "wide", "mount": wide_mount},
    ]
    message = _error(*(apps if site_first else apps[::-1]))
    site_index, wide_index = (0, 1) if site_first else (1, 0)
    assert message.startswith(
        f"apps[{site_index}] (site).mount got {site_mount!r} (str); expected a URL path that does "
        f"not hide apps[{wide_index}] (wide).mount ({wide_mount}) in site s"
    )
    assert "an app without a site is served in every site" in message


@pytest.mark.parametrize(
    ("wide_mount", "site_mount"), [("/", "/api"), ("/api", "/apix"), ("/api", "/api/v1")]
)
def test_server_wide_mount_around_a_site_mount_is_accepted(wide_mount, site_mount):
    configs = _run(
        {"name": "wide", "mount": wide_mount}, {"name": "site", "mount": site_mount, "site": "s"}
    )
    assert [c["mount"] for c in configs] == sorted([wide_mount, site_mount], reverse=True)


def test_site_static_url_hiding_a_server_wide_mount_is_refused():
    static = [{"url": "/media", "path": "/srv/media"}]
    message = _error(
        {"name": "site", "mount": "/x", "site": "s", "static": static},
        {"name": "wide", "mount": "/media/api"},
    )
    assert message.startswith(
        "apps[0] (site).static[0].url got '/media' (str); expected a URL path that does not hide "
        "apps[1] (wide).mount (/media/api) in site s"
    )


@pytest.mark.parametrize(
    ("site_a", "site_b", "suffix"),
    [("s", "s", " in site s"), (None, "s", " (an app without a site is served in every site)")],
)
def test_static_url_equal_to_another_apps_mount_is_refused(site_a, site_b, suffix):
    static = [{"url": "/api", "path": "/srv/assets"}]
    message = _error(
        {"name": "a", "mount": "/x", "site": site_a, "static": static},
        {"name": "b", "mount": "/api", "site": site_b},
    )
    assert message == (
        "apps[1] (b).mount got '/api' (str); expected a URL path not used by "
        "apps[0] (a).static[0].url" + suffix
    )


def test_static_url_equal_to_its_own_mount_is_refused():
    static = [{"url": "/x", "path": "/srv/assets"}]
    message = _error({"name": "a", "mount": "/x", "static": static})
    assert message.startswith(
        "apps[0] (a).static[0].url got '/x' (str); expected a URL path not "
        "used by apps[0] (a).mount"
    )


def test_static_url_in_another_site_is_accepted():
    static = [{"url": "/api", "path": "/srv/assets"}]
    configs = _run(
        {"name": "a", "mount": "/x", "site": "s", "static": static},
        {"name": "b", "mount": "/api", "site": "t"},
    )
    assert [c["name"] for c in configs] == ["a", "b"]
