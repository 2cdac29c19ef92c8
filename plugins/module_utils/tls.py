# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that a certificate, its key and its chain would work for Apache, before
any configuration names them.

The check is a real TLS handshake held in memory (two ``ssl`` objects joined by
memory buffers, no socket): the server side loads the certificate and key as
Apache would (a key of another certificate fails there), the client side trusts
only the chain (so the chain must have issued the certificate), checks the dates
and each host name the site answers to. Only Python's standard library is used.
"""

from __future__ import annotations

import datetime
import os
import ssl
from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError

#: OpenSSL's X509_V_FLAG_PARTIAL_CHAIN (ssl.VERIFY_X509_PARTIAL_CHAIN from Python 3.10):
#: an intermediate of the chain may be the trust anchor.
PARTIAL_CHAIN = getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)
#: Handshake rounds before giving up (a TLS 1.3 handshake needs three).
ROUNDS = 8


class TlsCheckError(WsgiscaleError):
    """The files would not work: the message says which and why."""


class _Encrypted(Exception):
    """The key asked for a passphrase."""


def _ask_passphrase() -> bytes:
    raise _Encrypted()


def _readable(what: str, path: Optional[str]) -> None:
    if path is None:
        return
    if not os.path.isfile(path):
        raise TlsCheckError(f"{what} {path} does not exist or is not a file")
    if not os.access(path, os.R_OK):
        raise TlsCheckError(f"{what} {path} is not readable")


def server_context(certificate: str, key: str) -> ssl.SSLContext:
    """What Apache loads: the certificate (and any chain in its file) and the key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certificate, key, password=_ask_passphrase)
    except _Encrypted:
        raise TlsCheckError(
            f"key {key} is encrypted: Apache would wait for a passphrase at every start; "
            "give it an unencrypted key readable only by root"
        ) from None
    except ssl.SSLError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        # Another key of the same type fails the comparison; one of another type (an RSA
        # key for an EC certificate) leaves the certificate without a key.
        if "KEY_VALUES_MISMATCH" in reason or "NO_CERTIFICATE_ASSIGNED" in reason:
            raise TlsCheckError(f"key {key} does not belong to certificate {certificate}") from None
        raise TlsCheckError(
            f"certificate {certificate} or key {key} cannot be loaded ({reason}): "
            "both must be PEM files"
        ) from None
    return context


def client_context(certificate: str, chain: Optional[str]) -> ssl.SSLContext:
    """A client that trusts the chain (or, without one, the certificate file itself)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_flags |= PARTIAL_CHAIN
    try:
        context.load_verify_locations(cafile=chain or certificate)
    except ssl.SSLError as exc:
        raise TlsCheckError(
            f"chain {chain or certificate} holds no PEM certificate ({exc.reason or exc})"
        ) from None
    return context


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, name: str) -> Dict[str, Any]:
    """One handshake for ``name`` in memory; the peer certificate as the client saw it."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _buffer in range(4))
    client_side = client.wrap_bio(c_in, c_out, server_hostname=name)
    server_side = server.wrap_bio(s_in, s_out, server_side=True)
    pending = [client_side, server_side]
    for _round in range(ROUNDS):
        for side in list(pending):
            try:
                side.do_handshake()
                pending.remove(side)
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if not pending:
            return client_side.getpeercert()
    raise TlsCheckError(f"the TLS handshake for {name} did not finish")


def _verify_message(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)


#: The label a wildcard name is checked with: no certificate names it by chance, so only
#: a wildcard certificate covers it.
WILDCARD_PROBE = "wsgiscale-wildcard-check"


def _probe_name(name: str) -> str:
    """A name only a wildcard certificate covers, for ``*.example.com``."""
    return WILDCARD_PROBE + name[1:] if name.startswith("*.") else name


def _when(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    stamp = datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y %Z")
    return stamp.replace(tzinfo=datetime.timezone.utc).isoformat()


def _names(cert: Dict[str, Any]) -> List[str]:
    return [value for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"]


def _leaf_dates_ok(server: ssl.SSLContext, certificate: str, name: str) -> bool:
    """Whether the certificate alone (trusted as itself, names unchecked) is in its dates."""
    client = client_context(certificate, None)
    client.check_hostname = False
    try:
        handshake(server, client, name)
    except ssl.SSLError:
        return False
    return True


def _problem(
    name: str, exc: ssl.SSLError, chain: Optional[str], certificate: str, server: ssl.SSLContext
) -> str:
    message = _verify_message(exc)
    if "mismatch" in message.lower() or "doesn't match" in message:
        return f"certificate {certificate} does not cover {name}"
    if "expired" in message or "not yet valid" in message:
        when = message.replace("certificate ", "")
        if chain and _leaf_dates_ok(server, certificate, _probe_name(name)):
            return f"chain {chain} holds a certificate that {when} ({certificate} is valid)"
        return f"certificate {certificate} {when}"
    if chain:
        return f"chain {chain} did not issue certificate {certificate} ({message})"
    return f"certificate {certificate} cannot be verified ({message})"


def check_tls(
    certificate: str,
    key: str,
    chain: Optional[str] = None,
    names: Sequence[str] = (),
) -> Dict[str, Any]:
    """Check the files for ``names``; raise :class:`TlsCheckError` with every problem.

    Returns what the certificate says: ``subject_names`` (its DNS names),
    ``not_before``/``not_after`` (ISO 8601, UTC) and the ``names`` checked.
    """
    _readable("certificate", certificate)
    _readable("key", key)
    _readable("chain", chain)
    server = server_context(certificate, key)
    client = client_context(certificate, chain)
    problems: List[str] = []
    seen: Dict[str, Any] = {}
    for name in names or ["localhost"]:
        if not names:
            client.check_hostname = False
        try:
            seen = handshake(server, client, _probe_name(name))
        except ssl.SSLError as exc:
            problems.append(_problem(name, exc, chain, certificate, server))
    if problems:
        raise TlsCheckError("; ".join(dict.fromkeys(problems)))
    return {
        "subject_names": _names(seen),
        "not_before": _when(seen.get("notBefore")),
        "not_after": _when(seen.get("notAfter")),
        "names": list(names),
    }
