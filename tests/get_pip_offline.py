# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into its sanity virtual environments with a script it
fetches from a host this CI cannot reach. This script does the same job with the
pip wheel that CPython's ``ensurepip`` bundles: it puts that wheel on ``sys.path``
and runs ``pip install`` with the arguments ansible-test passes (the requested pip
version itself then comes from PyPI, which is reachable). tests/sanity.sh copies it
into ansible-test's cache under the name ansible-test looks for.
"""

import ensurepip
import glob
import os
import sys


def main() -> None:
    """Install pip (and the other requested packages) into this interpreter."""
    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    wheels = sorted(glob.glob(os.path.join(bundled, "pip-*.whl")))
    if not wheels:
        sys.exit(f"get_pip_offline: no bundled pip wheel in {bundled}")
    sys.path.insert(0, wheels[-1])
    # Options understood by the real get-pip script, not by pip itself.
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    from pip._internal.cli.main import main as pip_main

    sys.exit(pip_main(["install", *args] if args[:1] != ["install"] else args))


if __name__ == "__main__":
    main()
