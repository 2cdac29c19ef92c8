#!/usr/bin/env bash
# Build the test images from Debian packages (no registry pull).
#
#   tests/images/build.sh [bookworm|trixie|haproxy ...]   (default: all three)
#
# An image is rebuilt only when it is missing or was built by another recipe
# (the wsgiscale.recipe label; cached by presence otherwise) or when
# FORCE=1 is set.
# localhost/wsgiscale-apache:bookworm  Debian 12: Apache 2.4, mod_wsgi 4.9, Python 3.11.
# localhost/wsgiscale-apache:trixie    Debian 13: Apache 2.4, mod_wsgi 5.0, Python 3.13.
#   Both also hold what building mod_wsgi with pip needs (apache2-dev, gcc,
#   python3-dev, python3-venv).
# localhost/wsgiscale-haproxy:bookworm Debian 12: HAProxy 2.6 and Python 3.11, the load
#                                      balancer of the rolling_drain scenario.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${CONTAINERS_CONF:=$here/../containers.conf}"
export CONTAINERS_CONF

suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(bookworm trixie haproxy)

# Packages: Apache, mod_wsgi, Python for Ansible, python3-apt for ansible's apt
# module (a --network none container cannot fetch it), procps for ps/pgrep, and
# tini as PID 1: it reaps orphaned processes like a host's init does (with a PID 1
# that does not, the stopped Apache parent stays a zombie and the init script's
# stop waits 60 s for it). And what the role's pip install method installs before
# it builds mod_wsgi (apxs, a compiler, the Python headers and venv): the role
# cannot fetch packages in a --network none container, so they are in the image.
packages=apache2,libapache2-mod-wsgi-py3,python3,python3-apt,procps,ca-certificates,tini
packages+=,apache2-dev,gcc,libc6-dev,python3-dev,python3-venv
# The balancer: HAProxy, Python for Ansible and the load generator, tini as PID 1.
haproxy_packages=haproxy,python3,procps,ca-certificates,tini

# Bump when a recipe changes: an image whose label differs is rebuilt.
recipe=3
haproxy_recipe=1

mirror() {
  # First Debian mirror configured on this machine (deb822 or one-line format).
  local m
  m=$(grep -hsE '^(URIs:|deb ).*debian' /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null \
      | grep -v -e security -e nodesource -e google \
      | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//' \
      | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

build() {
  # build SUITE IMAGE PACKAGES RECIPE
  local suite=$1 image=$2 packages=$3 recipe=$4
  if [ "${FORCE:-0}" != 1 ] && podman image exists "$image" \
     && [ "$(podman image inspect --format '{{ index .Config.Labels "wsgiscale.recipe" }}' "$image")" = "$recipe" ]; then
    echo "image $image: present (cached, recipe $recipe)"
    return 0
  fi
  local root
  root=$(mktemp -d "${TMPDIR:-/var/tmp}/wsgiscale-$suite.XXXXXX")
  trap 'rm -rf "$root"' RETURN
  echo "image $image: debootstrap $suite from $(mirror)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" \
    > "$root.log" 2>&1 || { tail -n 40 "$root.log"; rm -f "$root.log"; return 1; }
  rm -f "$root.log"
  # Keep the image small and deterministic: no apt lists or caches.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # Nothing starts at image build time (the role starts Apache, the scenario HAProxy).
  tar -C "$root" -c . | podman import \
    --change 'ENTRYPOINT ["/usr/bin/tini", "--"]' \
    --change 'CMD ["/bin/sh", "-c", "trap exit TERM; while :; do sleep 3600 & wait; done"]' \
    --change "LABEL wsgiscale.recipe=$recipe" \
    --change 'ENV LANG=C.UTF-8' \
    - "$image" >/dev/null
  echo "image $image: built"
}

for s in "${suites[@]}"; do
  case "$s" in
    bookworm|trixie) build "$s" "localhost/wsgiscale-apache:$s" "$packages" "$recipe" ;;
    haproxy) build bookworm localhost/wsgiscale-haproxy:bookworm "$haproxy_packages" "$haproxy_recipe" ;;
    *) echo "unknown image '$s' (expected bookworm, trixie or haproxy)" >&2; exit 2 ;;
  esac
done
