# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the validated virtual hosts (sites) and the order Apache reads them in."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.app_config import apps_config
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.site_config import (
    HSTS_MAX_AGE_DEFAULT,
    host_name,
    site_config,
    sites_config,
)

SIZED = {"processes": 2, "threads": 5}
TLS = {"certificate": "/etc/ssl/shop/cert.pem", "key": "/etc/ssl/shop/key.pem"}
API_TLS = {"certificate": "/etc/ssl/api/cert.pem", "key": "/etc/ssl/api/key.pem"}


def _shop(**keys):
    return {"name": "shop", "server_name": "shop.example.com", **keys}


def _api(**keys):
    return {"name": "api", "server_name": "api.example.com", **keys}


def _apps(*apps):
    """apps_config output for apps given as (name, mount, site)."""
    raw = [
        {"name": n, "script": f"/srv/{n}/app.wsgi", "mount": m, **({"site": s} if s else {})}
        for n, m, s in apps
    ]
    return apps_config(raw, {"apps": {a["name"]: {"options": dict(SIZED)} for a in raw}})


def _error(sites, apps=(), **kwargs):
    with pytest.raises(WsgiscaleError) as info:
        sites_config(sites, list(apps), **kwargs)
    return str(info.value)


def _summary(result):
    return [(v["kind"], v["name"], v["port"]) for v in result["vhosts"]]


def _walk_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk_strings(item)


# ------------------------------------------------------------------ defaults


@pytest.mark.parametrize(
    ("keys", "port", "tls"),
    [({}, 80, None), ({"tls": TLS}, 443, True), ({"port": 8080}, 8080, None)],
)
def test_default_port_follows_tls(keys, port, tls):
    site = site_config(_shop(**keys), "sites[0] (shop)")
    assert site["port"] == port
    assert (site["tls"] is not None) == bool(tls)
    assert (site["hsts_max_age"], site["http_port"]) == (None, None)


def test_tls_words_are_quoted_when_they_hold_spaces():
    tls = {"certificate": "/etc/ssl/my shop/cert.pem", "key": "/etc/ssl/k.pem"}
    site = site_config(_shop(tls=tls), "sites[0] (shop)")
    assert site["tls"]["certificate_word"] == '"/etc/ssl/my shop/cert.pem"'
    assert site["tls"]["key_word"] == "/etc/ssl/k.pem"
    assert (site["tls"]["chain"], site["tls"]["chain_word"]) == (None, None)


def test_plain_site_on_443_is_refused():
    message = _error([_shop(port=443)])
    assert message == (
        "sites[0] (shop).port got 443 (int); expected a port other than 443 for a site without tls"
    )


def test_names_are_lower_cased_and_aliases_kept_in_order():
    site = site_config(
        _shop(server_name="Shop.Example.COM", server_aliases=["WWW.shop.example.com", "*.Ex.org"]),
        "sites[0] (shop)",
    )
    assert site["server_name"] == "shop.example.com"
    assert site["server_aliases"] == ["www.shop.example.com", "*.ex.org"]


# ------------------------------------------------------------------ redirect and HSTS


def test_redirect_without_tls_is_refused():
    message = _error([_shop(redirect_to_https=True)])
    assert message.startswith("sites[0] (shop).redirect_to_https got True (bool); expected false")
    assert "unless the site has tls" in message


@pytest.mark.parametrize(
    ("keys", "http_port", "word"),
    [
        ({}, 80, "https://shop.example.com/"),
        ({"port": 8443}, 80, "https://shop.example.com:8443/"),
        ({"http_port": 8080}, 8080, "https://shop.example.com/"),
    ],
)
def test_redirect_vhost(keys, http_port, word):
    result = sites_config([_shop(tls=TLS, redirect_to_https=True, **keys)], [])
    redirects = [v for v in result["vhosts"] if v["kind"] == "redirect"]
    assert len(redirects) == 1
    assert (redirects[0]["port"], redirects[0]["redirect_word"]) == (http_port, word)
    assert redirects[0]["tls"] is None
    assert {"port": http_port, "tls": False} in result["ports"]


def test_http_port_without_redirect_is_refused():
    message = _error([_shop(tls=TLS, http_port=8080)])
    assert message == (
        "sites[0] (shop).http_port got 8080 (int); "
        "expected no value unless redirect_to_https is true"
    )


@pytest.mark.parametrize(("max_age", "expected"), [(None, HSTS_MAX_AGE_DEFAULT), (300, 300)])
def test_hsts_with_tls(max_age, expected):
    site = site_config(_shop(tls=TLS, hsts=True, hsts_max_age=max_age), "sites[0] (shop)")
    assert site["hsts_max_age"] == expected
    assert HSTS_MAX_AGE_DEFAULT == 63072000


@pytest.mark.parametrize(
    ("keys", "where", "expected"),
    [
        ({"hsts": True}, "sites[0] (shop).hsts got True (bool)", "HSTS is only sent over TLS"),
        ({"hsts_max_age": 60}, "sites[0] (shop).hsts_max_age got 60", "unless hsts is true"),
        (
            {"tls": TLS, "hsts": False, "hsts_max_age": 60},
            "sites[0] (shop).hsts_max_age got 60",
            "unless hsts is true",
        ),
        ({"tls": TLS, "hsts": "true"}, "sites[0] (shop).hsts got 'true' (str)", "true or false"),
        ({"tls": TLS, "hsts": True, "hsts_max_age": -1}, "sites[0] (shop).hsts_max_age", "0"),
        ({"tls": TLS, "hsts": True, "hsts_max_age": True}, "sites[0] (shop).hsts_max_age", "0"),
    ],
)
def test_hsts_refusals(keys, where, expected):
    message = _error([_shop(**keys)])
    assert message.startswith(where)
    assert expected in message


# ------------------------------------------------------------------ order of vhosts


def test_reject_puts_an_unknown_vhost_first_on_each_port():
    sites = [_shop(tls=TLS, redirect_to_https=True), _api(), _api(name="api2", tls=API_TLS)]
    sites[2]["server_name"] = "api2.example.com"
    result = sites_config(sites, [])
    assert _summary(result) == [
        ("unknown", "reject", 443),
        ("unknown", "reject", 80),
        ("site", "shop", 443),
        ("redirect", "shop", 80),
        ("site", "api", 80),
        ("site", "api2", 443),
    ]
    unknown_tls, unknown_plain = result["vhosts"][:2]
    assert unknown_tls["server_name"] == unknown_plain["server_name"] == "unknown-host.invalid"
    # The first TLS site's certificate words, not api2's.
    assert unknown_tls["tls"]["certificate_word"] == "/etc/ssl/shop/cert.pem"
    assert unknown_plain["tls"] is None
    assert unknown_tls["apps"] == unknown_plain["apps"] == []


def test_named_unknown_host_comes_first_on_its_port_only():
    sites = [_shop(port=8080), _api()]
    result = sites_config(sites, [], unknown_host="api")
    assert _summary(result) == [
        ("unknown", "reject", 8080),
        ("site", "api", 80),
        ("site", "shop", 8080),
    ]


def test_named_unknown_host_with_redirect_leads_both_of_its_ports():
    sites = [_api(), _shop(tls=TLS, redirect_to_https=True)]
    result = sites_config(sites, [], unknown_host="shop")
    assert _summary(result)[:2] == [("redirect", "shop", 80), ("site", "shop", 443)]
    assert [v["kind"] for v in result["vhosts"]].count("unknown") == 0


def test_a_site_may_not_be_named_reject():
    message = _error([_shop(name="reject")], unknown_host="reject")
    assert message == (
        "sites[0] (reject).name got 'reject' (str); expected another name: "
        "'reject' is a value of unknown_host"
    )


@pytest.mark.parametrize(
    ("value", "listed"), [("nope", "(shop, api)"), (None, "(shop, api)"), ("", "(shop, api)")]
)
def test_unknown_host_naming_no_site_is_refused(value, listed):
    message = _error([_shop(), _api(port=8080)], unknown_host=value, unknown_host_name="uh")
    assert message.startswith(f"uh got {value!r}")
    assert message.endswith(f"expected 'reject' or the name of a site {listed}")


def test_unknown_host_without_sites_says_none_defined():
    assert _error([], unknown_host="shop").endswith("(none defined)")


def test_no_sites_makes_every_app_server_wide():
    apps = _apps(("shop", "/", None))
    result = sites_config(None, apps)
    assert result["vhosts"] == [] and result["ports"] == [] and result["tls"] is False
    assert [a["name"] for a in result["server_wide_apps"]] == ["shop"]


# ------------------------------------------------------------------ names and ports


def test_duplicate_site_names_are_refused():
    message = _error([_shop(), _shop(server_name="other.example.com")])
    assert message == (
        "sites[1] (shop).name got 'shop' (str); expected a name not used by sites[0] (shop)"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"server_name": "SHOP.example.com"}),
        ({"server_aliases": ["www.example.com"]}, {"server_aliases": ["WWW.Example.com"]}),
        ({"server_aliases": ["*.example.com"]}, {"server_aliases": ["*.EXAMPLE.com"]}),
    ],
)
def test_same_host_name_twice_on_one_port_is_refused(first, second):
    sites = [_shop(**first), _api(**second)]
    message = _error(sites)
    assert message.startswith("sites[1] (api) got host name ")
    assert message.endswith(
        "on port 80; expected a host name not already served on that port by sites[0] (shop)"
    )


def test_same_host_name_on_different_ports_is_allowed():
    result = sites_config([_shop(), _api(server_name="shop.example.com", port=8080)], [])
    assert result["ports"] == [{"port": 80, "tls": False}, {"port": 8080, "tls": False}]


def test_redirect_host_name_clashes_with_a_plain_site_on_80():
    message = _error([_shop(tls=TLS, redirect_to_https=True), _api(server_name="shop.example.com")])
    assert "got host name 'shop.example.com' (str) on port 80" in message


@pytest.mark.parametrize(
    ("sites", "where", "kind", "earlier"),
    [
        (
            [_shop(tls=TLS, port=8443), _api(port=8443)],
            "sites[1] (api).port",
            "TLS",
            "sites[0] (shop).port",
        ),
        (
            [_shop(port=8443), _api(tls=TLS, port=8443)],
            "sites[1] (api).port",
            "plain HTTP",
            "sites[0] (shop).port",
        ),
        (
            [_shop(tls=TLS, redirect_to_https=True, http_port=8443), _api(tls=API_TLS, port=8443)],
            "sites[1] (api).port",
            "plain HTTP",
            "sites[0] (shop).http_port",
        ),
        (
            [_shop(tls=TLS), _api(tls=API_TLS, redirect_to_https=True, http_port=443)],
            "sites[1] (api).http_port",
            "TLS",
            "sites[0] (shop).port",
        ),
    ],
)
def test_port_tls_for_one_site_and_plain_for_another_is_refused(sites, where, kind, earlier):
    message = _error(sites)
    assert message.startswith(f"{where} got ")
    assert message.endswith(f"expected a port that is {kind} for every site, as for {earlier}")


def test_ports_tls_flag_and_checks():
    tls = {**TLS, "chain": "/etc/ssl/shop/chain.pem"}
    sites = [
        _shop(tls=tls, server_aliases=["www.shop.example.com"], access_log="/var/log/shop.log"),
        _api(error_log="/var/log/my api/error.log", access_log="/access.log"),
    ]
    result = sites_config(sites, [])
    assert result["ports"] == [{"port": 443, "tls": True}, {"port": 80, "tls": False}]
    assert result["tls"] is True
    assert result["tls_checks"] == [
        {
            "variable": "sites[0] (shop).tls",
            "certificate": "/etc/ssl/shop/cert.pem",
            "key": "/etc/ssl/shop/key.pem",
            "chain": "/etc/ssl/shop/chain.pem",
            "names": ["shop.example.com", "www.shop.example.com"],
        }
    ]
    assert result["path_checks"] == [
        {"variable": "sites[0] (shop).access_log", "path": "/var/log", "expect": "dir"},
        {"variable": "sites[1] (api).error_log", "path": "/var/log/my api", "expect": "dir"},
        {"variable": "sites[1] (api).access_log", "path": "/", "expect": "dir"},
    ]


def test_plain_sites_only_have_no_tls():
    result = sites_config([_shop(), _api(port=8080)], [], variable="mod_wsgi_daemon_sites")
    assert result["tls"] is False and result["tls_checks"] == []


# ------------------------------------------------------------------ apps in sites


def test_apps_go_to_their_site_vhost_only_in_the_order_given():
    apps = _apps(
        ("shop", "/shop", "shop"),
        ("shopapi", "/shop/api", "shop"),
        ("api", "/api", "api"),
        ("health", "/health", None),
    )
    result = sites_config([_shop(tls=TLS, redirect_to_https=True), _api(port=8080)], apps)
    by_kind = {(v["kind"], v["name"]): [a["name"] for a in v["apps"]] for v in result["vhosts"]}
    assert by_kind == {
        ("unknown", "reject"): [],
        ("site", "shop"): ["shopapi", "shop"],
        ("redirect", "shop"): [],
        ("site", "api"): ["api"],
    }
    assert [a["name"] for a in result["server_wide_apps"]] == ["health"]


def test_app_naming_an_unknown_site_is_refused():
    apps = _apps(("shop", "/", "nope"))
    message = _error([_shop(), _api()], apps, apps_variable="mod_wsgi_daemon_apps")
    assert message == (
        "mod_wsgi_daemon_apps[0] (shop).site got 'nope' (str); "
        "expected the name of a site in sites (shop, api)"
    )


def test_app_with_a_site_but_no_sites_is_refused():
    message = _error([], _apps(("shop", "/", "shop")))
    assert message.endswith("expected the name of a site in sites (none)")


def test_unknown_site_error_names_the_users_index():
    apps = _apps(("shop", "/", "nope"), ("api", "/api", "shop"))
    message = _error([_shop()], apps)
    assert message.startswith("apps[0] (shop).site got 'nope'")


# ------------------------------------------------------------------ hostile input

LONG_NAME = ".".join(["a" * 63] * 4)  # 255 characters
HOSTILE_TEXT = [
    "shop.example.com\nServerAlias evil.com",
    'shop".example.com',
    "<shop.example.com",
    "shop.example.com>",
    "${HOST}.example.com",
    "shop\x00.example.com",
    "shop\t.example.com",
    "shop\u202e.example.com",
    "shop example.com",
]


@pytest.mark.parametrize(
    "value",
    [
        *HOSTILE_TEXT,
        "*.example.com",
        LONG_NAME,
        "a" * 64 + ".com",
        "-shop.example.com",
        "shop_.example.com",
        "shop.example.com.",
        "",
        None,
        42,
    ],
)
def test_bad_server_name_is_refused(value):
    message = _error([_shop(server_name=value)])
    assert message.startswith(f"sites[0] (shop).server_name got {describe(value)}; expected ")
    assert "expected" in message and "\n" not in message


@pytest.mark.parametrize("value", [*HOSTILE_TEXT, "*.*.example.com", "*", "www.*.com", LONG_NAME])
def test_bad_alias_is_refused(value):
    message = _error([_shop(server_aliases=["ok.example.com", value])])
    assert message.startswith("sites[0] (shop).server_aliases[1] got ")
    assert "\n" not in message


def test_host_name_length_limit():
    assert host_name("x", ".".join(["a" * 63] * 3) + "." + "b" * 61) == (
        ".".join(["a" * 63] * 3) + "." + "b" * 61
    )
    with pytest.raises(WsgiscaleError, match=r"^x got .*at most 253 characters in all\)$"):
        host_name("x", ".".join(["a" * 63] * 3) + "." + "b" * 62)


NOT_ABSOLUTE = "an absolute path such as /srv/shop/app.wsgi"
BAD_PATHS = [
    ("logs/error.log", NOT_ABSOLUTE),
    ("/var/log/../etc/error.log", NOT_ABSOLUTE),
    ("/var/log/./error.log", NOT_ABSOLUTE),
    ("/var//log/error.log", NOT_ABSOLUTE),
    ("/", NOT_ABSOLUTE),
    ("/var/log/error\n.log", "without control, line-break or format characters (found U+000A)"),
    ("/var/log/error\r.log", "without control, line-break or format characters (found U+000D)"),
    ("/var/log/error\x1b.log", "without control, line-break or format characters (found U+001B)"),
    ('/var/log/"error.log', "without a double quote"),
    ("/var/log/<error.log", "without '<'"),
    ("/var/log/error>.log", "without '>'"),
    ("/var/log/${APACHE_LOG_DIR}/error.log", "without '${'"),
    ("", "a non-empty string"),
    (42, "a non-empty string"),
]


@pytest.mark.parametrize("key", ["error_log", "access_log"])
@pytest.mark.parametrize(("value", "expected"), BAD_PATHS)
def test_bad_log_path_is_refused(key, value, expected):
    message = _error([_shop(), _api(**{key: value})])
    assert message.startswith(f"sites[1] (api).{key} got {value!r}")
    assert expected in message.partition("; expected ")[2]
    assert "\n" not in message


@pytest.mark.parametrize("key", ["certificate", "key", "chain"])
@pytest.mark.parametrize(("value", "expected"), BAD_PATHS)
def test_bad_tls_path_is_refused(key, value, expected):
    message = _error([_shop(), _api(tls={**API_TLS, key: value})])
    assert message.startswith(f"sites[1] (api).tls.{key} got {value!r}")
    assert expected in message.partition("; expected ")[2]


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        ["/c.pem", "/k.pem"],
        {"certificate": "/c.pem"},
        {"key": "/k.pem"},
        {"certificate": "/c.pem", "key": "/k.pem", "password": "x"},
    ],
)
def test_bad_tls_dict_is_refused(value):
    message = _error([_shop(), _api(tls=value)])
    assert message.startswith("sites[1] (api).tls got ")
    assert message.endswith(
        "expected a dict with certificate and key (paths on the host) and optionally chain"
    )


@pytest.mark.parametrize(
    "value",
    [
        "web master@example.com",
        "webmaster@example.com\nServerName evil",
        'a"b@example.com',
        "<a@example.com>",
        "${ADMIN}",
        "webmaster",
        "",
        42,
        ["a@example.com"],
    ],
)
def test_bad_server_admin_is_refused(value):
    message = _error([_shop(server_admin=value)])
    assert message.startswith("sites[0] (shop).server_admin got ")
    assert message.endswith("expected an e-mail address such as webmaster@example.com")


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        ({"port": 0}, "sites[1] (api).port got 0 (int)"),
        ({"port": 70000}, "sites[1] (api).port got 70000 (int)"),
        ({"port": True}, "sites[1] (api).port got True (bool)"),
        ({"port": -80}, "sites[1] (api).port got -80 (int)"),
        ({"port": 80.0}, "sites[1] (api).port got 80.0 (float)"),
        ({"port": "80a"}, "sites[1] (api).port got '80a' (str)"),
        ({"port": "0"}, "sites[1] (api).port got '0' (str)"),
        ({"tls": API_TLS, "redirect_to_https": True, "http_port": 0}, "sites[1] (api).http_port"),
        (
            {"tls": API_TLS, "redirect_to_https": True, "http_port": 70000},
            "sites[1] (api).http_port",
        ),
        (
            {"tls": API_TLS, "redirect_to_https": "yes"},
            "sites[1] (api).redirect_to_https got 'yes'",
        ),
        ({"tls": API_TLS, "redirect_to_https": 1}, "sites[1] (api).redirect_to_https got 1 (int)"),
        ({"hsts": "no"}, "sites[1] (api).hsts got 'no' (str)"),
        ({"name": "bad name"}, "sites[1] (bad name).name got 'bad name' (str)"),
        ({"name": "a\nb"}, "sites[1] (a\\nb).name got 'a\\nb' (str)"),
        ({"name": "%{GLOBAL}"}, "sites[1] (%{GLOBAL}).name got '%{GLOBAL}'"),
        ({"name": "x" * 65}, "sites[1] (" + "x" * 65 + ").name got "),
        ({"name": None}, "sites[1].name got None (NoneType)"),
        (
            {"server_aliases": "www.example.com"},
            "sites[1] (api).server_aliases got 'www.example.com'",
        ),
        ({"foo": 1, "Bar": 2}, "sites[1] (api) key(s) Bar, foo got {'foo': 1, 'Bar': 2} (dict)"),
    ],
)
def test_bad_site_values_name_the_variable(keys, where):
    message = _error([_shop(), {**_api(), **keys}])
    assert message.startswith(where)
    assert "; expected " in message and "\n" not in message


@pytest.mark.parametrize("site", ["shop", None, ["shop"], 42])
def test_non_dict_site_is_refused(site):
    message = _error([_shop(), site], variable="mod_wsgi_daemon_sites")
    assert message.startswith(f"mod_wsgi_daemon_sites[1] got {site!r}")
    assert message.endswith("expected a dict with name and server_name")


@pytest.mark.parametrize("sites", ["shop", {"name": "shop"}, 42])
def test_sites_must_be_a_list(sites):
    assert _error(sites).startswith(f"sites got {sites!r}")


@pytest.mark.parametrize("keys", [{"port": None}, {"redirect_to_https": True, "http_port": None}])
def test_null_port_means_the_default(keys):
    result = sites_config([_shop(tls=TLS, **keys)], [])
    assert result["ports"][0] == {"port": 443, "tls": True}


def test_valid_words_never_hold_a_newline_and_paths_with_spaces_are_quoted():
    tls = {
        "certificate": "/etc/ssl/my shop/cert.pem",
        "key": "/etc/ssl/my shop/key.pem",
        "chain": "/etc/ssl/my shop/chain.pem",
    }
    site = _shop(
        tls=tls,
        redirect_to_https=True,
        hsts=True,
        server_admin="web.master@example.com",
        error_log="/var/log/my shop/error.log",
        access_log="/var/log/my shop/access.log",
    )
    result = sites_config([site], _apps(("shop", "/", "shop")))
    assert not [text for text in _walk_strings(result) if "\n" in text or "\r" in text]
    vhost = next(v for v in result["vhosts"] if v["kind"] == "site")
    assert vhost["tls"]["certificate_word"] == '"/etc/ssl/my shop/cert.pem"'
    assert vhost["tls"]["key_word"] == '"/etc/ssl/my shop/key.pem"'
    assert vhost["tls"]["chain_word"] == '"/etc/ssl/my shop/chain.pem"'
    assert vhost["error_log_word"] == '"/var/log/my shop/error.log"'
    assert vhost["access_log_word"] == '"/var/log/my shop/access.log"'
    assert vhost["server_admin"] == "web.master@example.com"


def test_tls_site_on_80_is_refused():
    message = _error([_shop(tls=TLS, port=80)])
    assert message == (
        "sites[0] (shop).port got 80 (int); expected a port other than 80 for a site with tls"
    )
