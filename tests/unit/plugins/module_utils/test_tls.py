# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-memory TLS handshake that checks a certificate, its key and chain.

The certificates are made here with the ``cryptography`` package (a test
dependency; the code under test uses only ``ssl``): a root CA, an intermediate
signed by it, leaves signed by the intermediate, and the broken cases.
"""

from __future__ import annotations

import datetime
import signal
from types import SimpleNamespace

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.tls import (
    TlsCheckError,
    check_tls,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
DAY = datetime.timedelta(days=1)
SHOP = ["shop.example.com", "www.shop.example.com"]


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(name, key, issuer=None, *, ca=False, names=(), days=(-1, 30)):
    """A certificate for ``key``; self-signed unless ``issuer`` is (certificate, key)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_cert, issuer_key = issuer or (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + days[0] * DAY)
        .not_valid_after(NOW + days[1] * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        dns = x509.SubjectAlternativeName([x509.DNSName(n) for n in names])
        builder = builder.add_extension(dns, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(obj, password=None):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return obj.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _issued(inter, name, names, days=(-1, 30)):
    key = _key()
    return _cert(name, key, inter, names=names, days=days), key


def _make_pki():
    """Every certificate and key the tests use, as cryptography objects."""
    root_key, inter_key, other_key = _key(), _key(), _key()
    root = _cert("Test Root", root_key, ca=True, days=(-1, 3650))
    inter = _cert("Test Intermediate", inter_key, (root, root_key), ca=True, days=(-1, 3650))
    old_inter = _cert("Old Intermediate", inter_key, (root, root_key), ca=True, days=(-30, -1))
    issuer = (inter, inter_key)
    leaf = _issued(issuer, "shop.example.com", SHOP)
    self_key = _key()
    return {
        "root": root,
        "inter": inter,
        "other_ca": _cert("Other CA", other_key, ca=True, days=(-1, 3650)),
        "leaf": leaf,
        "expired": _issued(issuer, "shop.example.com", SHOP[:1], days=(-30, -1)),
        "future": _issued(issuer, "shop.example.com", SHOP[:1], days=(2, 30)),
        "wildcard": _issued(issuer, "*.example.com", ["*.example.com"]),
        "self": (_cert("shop.example.com", self_key, names=SHOP[:1]), self_key),
        "by_old_inter": _issued((old_inter, inter_key), "shop.example.com", SHOP[:1]),
        "old_inter": old_inter,
        "unrelated_key": _key(),
        "rsa_key": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "encrypted_key": _pem(leaf[1], b"secret"),
    }


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """PEM files of :func:`_make_pki`; ``<name>`` is a certificate, ``<name>_key`` its key."""
    folder = tmp_path_factory.mktemp("pki")
    files = {}

    def write(name, data):
        path = folder / f"{name}.pem"
        path.write_bytes(data)
        files[name] = str(path)

    for name, value in _make_pki().items():
        if isinstance(value, tuple):
            write(name, _pem(value[0]))
            write(f"{name}_key", _pem(value[1]))
        else:
            write(name, value if isinstance(value, bytes) else _pem(value))
    write("fullchain", (folder / "leaf.pem").read_bytes() + (folder / "inter.pem").read_bytes())
    write("not_pem", b"this is not a PEM file\n")
    return SimpleNamespace(**files)


def _error(*args, **kwargs):
    with pytest.raises(TlsCheckError) as info:
        check_tls(*args, **kwargs)
    return str(info.value)


@pytest.fixture
def no_hang():
    """Fail instead of waiting forever (a passphrase prompt would)."""

    def timeout(_signum, _frame):
        raise AssertionError("check_tls did not return within 20 seconds")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ success


def test_good_leaf_key_and_intermediate(pki):
    result = check_tls(pki.leaf, pki.leaf_key, pki.inter, SHOP)
    assert result == {
        "subject_names": SHOP,
        "not_before": (NOW - DAY).isoformat(),
        "not_after": (NOW + 30 * DAY).isoformat(),
        "names": SHOP,
    }
    assert result["not_after"].endswith("+00:00")


def test_wildcard_certificate_covers_a_wildcard_name(pki):
    result = check_tls(pki.wildcard, pki.wildcard_key, pki.inter, ["*.example.com"])
    assert result["subject_names"] == ["*.example.com"]
    assert result["names"] == ["*.example.com"]


def test_self_signed_leaf_without_chain(pki):
    result = check_tls(pki.self, pki.self_key, None, ["shop.example.com"])
    assert result["subject_names"] == ["shop.example.com"]


def test_without_chain_the_certificate_file_is_trusted(pki):
    # Documented: without a chain only the key, the dates and the names are checked.
    assert check_tls(pki.leaf, pki.leaf_key, None, SHOP)["names"] == SHOP


def test_full_chain_file_verifies_against_the_root(pki):
    # The server sends the intermediate from the certificate file (fullchain.pem).
    assert check_tls(pki.fullchain, pki.leaf_key, pki.root, SHOP)["subject_names"] == SHOP


@pytest.mark.parametrize("names", [[], ()])
def test_no_names_still_loads_and_verifies(pki, names):
    result = check_tls(pki.leaf, pki.leaf_key, pki.inter, names)
    assert result["names"] == []
    assert result["subject_names"] == SHOP
    assert result["not_after"] == (NOW + 30 * DAY).isoformat()


def test_no_names_still_verifies_the_chain(pki):
    assert "did not issue" in _error(pki.leaf, pki.leaf_key, pki.other_ca, [])


# ------------------------------------------------------------------ failures


def test_key_of_another_certificate(pki):
    assert _error(pki.leaf, pki.unrelated_key, pki.inter, SHOP) == (
        f"key {pki.unrelated_key} does not belong to certificate {pki.leaf}"
    )


def test_key_of_another_type(pki):
    assert _error(pki.leaf, pki.rsa_key, pki.inter, SHOP) == (
        f"key {pki.rsa_key} does not belong to certificate {pki.leaf}"
    )


@pytest.mark.parametrize("chain", ["root", "other_ca", "self"])
def test_chain_that_did_not_issue_the_certificate(pki, chain):
    # Partial chain lets an intermediate of the chain be the trust anchor; it does not
    # let the client skip a missing link. The server sends only the leaf (the certificate
    # file holds no intermediate), so with the root alone the client cannot build
    # leaf -> intermediate -> root and verification fails, as it would for browsers
    # given SSLCertificateChainFile = the root.
    path = getattr(pki, chain)
    assert _error(pki.leaf, pki.leaf_key, path, SHOP) == (
        f"chain {path} did not issue certificate {pki.leaf} "
        "(unable to get local issuer certificate)"
    )


@pytest.mark.parametrize("chain", [True, False])
def test_expired_certificate(pki, chain):
    message = _error(pki.expired, pki.expired_key, pki.inter if chain else None, SHOP[:1])
    assert message == f"certificate {pki.expired} has expired"


def test_not_yet_valid_certificate(pki):
    message = _error(pki.future, pki.future_key, pki.inter, SHOP[:1])
    assert message == f"certificate {pki.future} is not yet valid"


def test_expired_intermediate_names_the_chain(pki):
    message = _error(pki.by_old_inter, pki.by_old_inter_key, pki.old_inter, SHOP[:1])
    assert pki.old_inter in message
    assert f"certificate {pki.by_old_inter} has expired" not in message


@pytest.mark.parametrize(
    ("names", "missing"),
    [
        (["shop.example.com", "api.example.com"], ["api.example.com"]),
        (
            ["x.example.com", "shop.example.com", "y.example.com"],
            ["x.example.com", "y.example.com"],
        ),
        (["*.example.com"], ["*.example.com"]),
    ],
)
def test_name_not_covered(pki, names, missing):
    message = _error(pki.leaf, pki.leaf_key, pki.inter, names)
    assert message == "; ".join(f"certificate {pki.leaf} does not cover {n}" for n in missing)


def test_wildcard_name_needs_a_wildcard_certificate(pki):
    message = _error(pki.leaf, pki.leaf_key, pki.inter, ["*.shop.example.com"])
    assert "does not cover *.shop.example.com" in message


def test_ip_name_not_covered(pki):
    message = _error(pki.leaf, pki.leaf_key, pki.inter, ["192.0.2.1"])
    assert message == f"certificate {pki.leaf} does not cover 192.0.2.1"


@pytest.mark.usefixtures("no_hang")
def test_encrypted_key_is_refused_without_asking(pki):
    message = _error(pki.leaf, pki.encrypted_key, pki.inter, SHOP)
    assert message.startswith(f"key {pki.encrypted_key} is encrypted: ")
    assert "passphrase" in message


@pytest.mark.parametrize(("what", "position"), [("certificate", 0), ("key", 1), ("chain", 2)])
@pytest.mark.parametrize("missing", ["/nonexistent/file.pem", "DIR"])
def test_missing_file(pki, tmp_path, what, position, missing):
    path = str(tmp_path) if missing == "DIR" else missing
    args = [pki.leaf, pki.leaf_key, pki.inter]
    args[position] = path
    assert _error(*args, SHOP) == f"{what} {path} does not exist or is not a file"


@pytest.mark.parametrize("position", [0, 1])
def test_certificate_or_key_not_pem(pki, position):
    args = [pki.leaf, pki.leaf_key]
    args[position] = pki.not_pem
    message = _error(*args, pki.inter, SHOP)
    assert message.startswith(f"certificate {args[0]} or key {args[1]} cannot be loaded (")
    assert message.endswith("): both must be PEM files")


def test_chain_not_pem(pki):
    message = _error(pki.leaf, pki.leaf_key, pki.not_pem, SHOP)
    assert message.startswith(f"chain {pki.not_pem} holds no PEM certificate (")


def test_certificate_file_holding_only_a_key(pki):
    message = _error(pki.leaf_key, pki.leaf_key, pki.inter, SHOP)
    assert "cannot be loaded" in message
