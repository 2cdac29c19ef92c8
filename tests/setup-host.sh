#!/usr/bin/env bash
# Install the system packages the demo and the tests need, when missing:
# podman + runc (containers), debootstrap (image builds), shellcheck (sanity),
# git and make. Debian/Ubuntu hosts; needs root (or sudo) only when something is
# missing. Used by `make demo`, `make test` and .ci/run.
set -euo pipefail

need=()
for pair in podman:podman runc:runc debootstrap:debootstrap shellcheck:shellcheck git:git make:make; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
[ "${#need[@]}" -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
