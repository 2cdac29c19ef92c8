#!/usr/bin/env bash
# Build localhost/wsgiscale-apache:bookworm-mw6: Debian 12 Apache 2.4 + Python 3.11
# with mod_wsgi 6.1.1 compiled from the PyPI sdist (Debian ships only 4.9/5.0).
# Used by tests/fixtures/make_logs.sh to capture mod_wsgi 6.x error logs.
#
#   tests/images/build-mw6.sh            (FORCE=1 to rebuild a present image)
#   MOD_WSGI_SDIST=/path/mod_wsgi-6.1.1.tar.gz tests/images/build-mw6.sh
#
# The sdist is fetched on the host with
#   pip download --no-deps --no-binary :all: mod_wsgi==6.1.1
# pip prepares the sdist's metadata, and mod_wsgi's setup.py needs `apxs` for that:
# the host needs apache2-dev (apt-get install apache2-dev), or pass MOD_WSGI_SDIST.
# The compile runs inside a --network none container (same approach as build.sh:
# debootstrap, podman import), then the result is committed as the image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${CONTAINERS_CONF:=$here/../containers.conf}"
export CONTAINERS_CONF

version=6.1.1
image=localhost/wsgiscale-apache:bookworm-mw6
builder=localhost/wsgiscale-apache:bookworm-mw6-builder
packages=apache2,apache2-dev,python3,python3-dev,gcc,make,libc6-dev,procps,ca-certificates

if [ "${FORCE:-0}" != 1 ] && podman image exists "$image"; then
  echo "image $image: present (cached)"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/wsgiscale-mw6.XXXXXX")
cleanup() {
  podman rm -f wsgiscale-mw6-build >/dev/null 2>&1 || true
  podman rmi -f "$builder" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

sdist=${MOD_WSGI_SDIST:-}
if [ -z "$sdist" ]; then
  pip=${PIP:-$here/../../.venv/bin/pip}
  [ -x "$pip" ] || pip=pip3
  "$pip" download --quiet --no-deps --no-binary :all: "mod_wsgi==$version" -d "$work/dl"
  sdist="$work/dl/mod_wsgi-$version.tar.gz"
fi
[ -f "$sdist" ] || { echo "no sdist at $sdist" >&2; exit 1; }

mirror() {
  local m
  m=$(grep -hsE '^(URIs:|deb ).*debian' /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null \
      | grep -v -e security -e nodesource -e google \
      | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//' \
      | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

root="$work/root"
mkdir -p "$root"
echo "image $image: debootstrap bookworm from $(mirror)"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$(mirror)" \
  > "$work/debootstrap.log" 2>&1 || { tail -n 40 "$work/debootstrap.log"; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import - "$builder" >/dev/null
rm -rf "$root"

echo "image $image: compiling mod_wsgi $version"
podman run --name wsgiscale-mw6-build --network none \
  -v "$(cd "$(dirname "$sdist")" && pwd)/$(basename "$sdist"):/tmp/mod_wsgi.tar.gz:ro" \
  "$builder" /bin/sh -euc "
    cd /tmp && tar xzf mod_wsgi.tar.gz && cd mod_wsgi-$version
    ./configure --with-apxs=/usr/bin/apxs2 --with-python=/usr/bin/python3 >/dev/null
    make >/dev/null
    make install >/dev/null
    cd / && rm -rf /tmp/mod_wsgi-$version
    so=\$(apxs2 -q LIBEXECDIR)/mod_wsgi.so
    test -f \"\$so\"
    echo \"LoadModule wsgi_module \$so\" > /etc/apache2/mods-available/wsgi.load
    a2enmod -q wsgi >/dev/null
    apache2ctl -M 2>/dev/null | grep -q wsgi_module
  " > "$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }

podman commit \
  --change 'CMD ["/bin/sh", "-c", "trap exit TERM; while :; do sleep 3600 & wait; done"]' \
  --change 'ENV LANG=C.UTF-8' \
  wsgiscale-mw6-build "$image" >/dev/null
echo "image $image: built (mod_wsgi $version)"
