#!/usr/bin/env bash
# Build the Apache + mod_wsgi test images from Debian packages (no registry pull).
#
#   tests/images/build.sh [bookworm|trixie ...]   (default: both)
#
# An image is rebuilt only when it is missing or was built by another recipe
# (the wsgiscale.recipe label; cached by presence otherwise) or when
# FORCE=1 is set. Image names: localhost/wsgiscale-apache:<suite>.
# Debian 12 (bookworm): Apache 2.4, mod_wsgi 4.9, Python 3.11.
# Debian 13 (trixie):   Apache 2.4, mod_wsgi 5.0, Python 3.13.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${CONTAINERS_CONF:=$here/../containers.conf}"
export CONTAINERS_CONF

suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(bookworm trixie)

# Packages: Apache, mod_wsgi, Python for Ansible, python3-apt for ansible's apt
# module (a --network none container cannot fetch it), procps for ps/pgrep, and
# tini as PID 1: it reaps orphaned processes like a host's init does (with a PID 1
# that does not, the stopped Apache parent stays a zombie and the init script's
# stop waits 60 s for it).
packages=apache2,libapache2-mod-wsgi-py3,python3,python3-apt,procps,ca-certificates,tini

# Bump when the recipe changes: an image whose label differs is rebuilt.
recipe=2

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
  local suite=$1 image="localhost/wsgiscale-apache:$1"
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
  # Apache must not start at image build time; the role starts it.
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
    bookworm|trixie) build "$s" ;;
    *) echo "unknown suite '$s' (expected bookworm or trixie)" >&2; exit 2 ;;
  esac
done
