#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection placed where ansible-test
# needs it: ansible_collections/wsgiscale/mod_wsgi. No ignore files are used.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/.venv/bin"
dest="$top/build/sanity/ansible_collections/wsgiscale/mod_wsgi"
rm -rf "$top/build/sanity"
mkdir -p "$dest"
# Only what git would ship (tracked + untracked-but-not-ignored files).
(cd "$top" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$top" && xargs -0 cp --parents -t "$dest" 2>/dev/null || true)
if ls "$dest"/tests/sanity/ignore-*.txt >/dev/null 2>&1; then
  echo "sanity ignore files are not allowed" >&2
  exit 1
fi
cd "$dest"
"$bin/ansible-test" sanity --python "$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
  --requirements --color no "$@"
