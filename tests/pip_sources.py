# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fetch what pip needs to build mod_wsgi on a host without network access.

    python3 tests/pip_sources.py DEST   (make pip-sources: DEST is build/pip-sources)

Downloads the mod_wsgi sdist pinned in tests/pip-sources.txt from PyPI (checked
against its pinned sha256), and the setuptools and wheel wheels pip's isolated build
of an sdist needs, into DEST. The molecule scenarios copy DEST into their containers
and point mod_wsgi_daemon_pip_source_dir at it (the containers have no network).
Files already in DEST with the right hash are kept, so a second run is offline.

The sdist is fetched by hand from PyPI's simple index (PEP 691 JSON): `pip download`
would build its metadata, and mod_wsgi's setup.py needs Apache's apxs for that.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import subprocess
import sys
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
PINS = HERE / "pip-sources.txt"
INDEX = "https://pypi.org/simple/{}/"


def read_pins() -> list[tuple[str, str, str]]:
    """(name, version, sha256) of each 'name==version sha256:HEX' line."""
    pins = []
    for raw in PINS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, digest = line.split()
        name, version = requirement.split("==")
        pins.append((name, version, digest.removeprefix("sha256:")))
    return pins


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_sdist(name: str, version: str, digest: str, dest: pathlib.Path) -> None:
    for existing in dest.glob(f"{name}-{version}.tar.gz"):
        if sha256(existing) == digest:
            print(f"{existing.name}: present")
            return
    request = urllib.request.Request(
        INDEX.format(name.replace("_", "-").lower()),
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        files = json.load(response)["files"]
    wanted = f"{name}-{version}.tar.gz"
    matches = [f for f in files if f["filename"].lower() == wanted.lower()]
    if not matches:
        sys.exit(f"{wanted}: not on {INDEX.format(name)}")
    target = dest / matches[0]["filename"]
    with urllib.request.urlopen(matches[0]["url"], timeout=300) as response:
        data = response.read()
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        sys.exit(f"{target.name}: sha256 {got} is not the pinned {digest} ({PINS.name})")
    target.write_bytes(data)
    print(f"{target.name}: downloaded ({len(data)} bytes, sha256 checked)")


def fetch_build_wheels(dest: pathlib.Path) -> None:
    """setuptools and wheel, the build requirements pip adds for a setup.py sdist."""
    if list(dest.glob("setuptools-*.whl")) and list(dest.glob("wheel-*.whl")):
        print("setuptools, wheel: present")
        return
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary",
            ":all:",
            "--no-deps",
            "--dest",
            str(dest),
            "setuptools",
            "wheel",
        ],
        check=True,
    )
    print("setuptools, wheel: downloaded")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dest = pathlib.Path(sys.argv[1])
    dest.mkdir(parents=True, exist_ok=True)
    for name, version, digest in read_pins():
        fetch_sdist(name, version, digest, dest)
    fetch_build_wheels(dest)


if __name__ == "__main__":
    main()
