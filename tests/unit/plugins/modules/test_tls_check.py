# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the tls_check module through main() against certificates made for the test."""

from __future__ import annotations

import datetime

import pytest
import yaml
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import tls_check
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules import module_harness
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    ExitJson,
    FailJson,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
NAMES = ["shop.example.com", "www.shop.example.com"]


def _self_signed(key, names):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(key, hashes.SHA256())
    )


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls check")  # a space, as in real paths
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    paths = {name: str(folder / f"{name}.pem") for name in ("cert", "key", "other_key")}
    cert = _self_signed(key, NAMES).public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert)
    (folder / "key.pem").write_bytes(_key_pem(key))
    (folder / "other_key.pem").write_bytes(_key_pem(other))
    return paths


def run_module(args):
    return module_harness.run_module(tls_check, args)


@pytest.mark.parametrize("check_mode", [False, True])
def test_success_reports_the_certificate(files, check_mode):
    args = {"certificate": files["cert"], "key": files["key"], "names": NAMES}
    kind, result = run_module({**args, "_ansible_check_mode": check_mode})
    assert kind is ExitJson
    assert result["changed"] is False
    assert result["subject_names"] == NAMES
    assert result["names"] == NAMES
    assert result["not_before"] == (NOW - datetime.timedelta(days=1)).isoformat()
    assert result["not_after"] == (NOW + datetime.timedelta(days=90)).isoformat()


def test_names_default_to_none_checked(files):
    kind, result = run_module({"certificate": files["cert"], "key": files["key"]})
    assert kind is ExitJson
    assert result["names"] == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"key": "other_key"}, "key {other_key} does not belong to certificate {cert}"),
        ({"names": ["api.example.com"]}, "certificate {cert} does not cover api.example.com"),
        (
            {"chain": "/nonexistent/chain.pem"},
            "chain /nonexistent/chain.pem does not exist or is not a file",
        ),
    ],
)
@pytest.mark.parametrize("variable", [None, "mod_wsgi_daemon_sites[1] (api).tls"])
def test_failure_names_the_variable(files, args, problem, variable):
    given = {"certificate": files["cert"], "key": files["key"], "names": NAMES, **args}
    if "key" in args:
        given["key"] = files[args["key"]]
    if variable:
        given["variable"] = variable
    kind, result = run_module(given)
    assert kind is FailJson
    assert result["msg"] == (
        f"{variable or 'tls'}: {problem.format(**files)}. Nothing was changed on the host."
    )
    assert "changed" not in result or result["changed"] is False


def test_required_options(files):
    kind, result = run_module({"certificate": files["cert"]})
    assert kind is FailJson
    assert "key" in result["msg"]


def test_documentation_matches_the_argument_spec():
    options = yaml.safe_load(tls_check.DOCUMENTATION)["options"]
    assert set(options) == set(tls_check.ARGUMENT_SPEC)
    for name, spec in tls_check.ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"]
        assert options[name].get("required", False) == spec.get("required", False)
        assert options[name].get("default") == spec.get("default")
    assert set(yaml.safe_load(tls_check.RETURN)) == {
        "subject_names",
        "not_before",
        "not_after",
        "names",
    }
