#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection placed where ansible-test
# needs it: ansible_collections/wsgiscale/mod_wsgi. No ignore files are used.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/.venv/bin"
# Outside the work tree: inside it, ansible-test would ask git for the file list
# and skip everything under the ignored build/ folder.
work=$(mktemp -d "${TMPDIR:-/tmp}/wsgiscale-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/wsgiscale/mod_wsgi"
mkdir -p "$dest"
# Only what git would ship (tracked + untracked-but-not-ignored files).
# Files deleted but not yet committed are still listed by git: skip them.
cd "$top"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 -r cp --parents -t "$dest"
if ls "$dest"/tests/sanity/ignore-*.txt >/dev/null 2>&1; then
  echo "sanity ignore files are not allowed" >&2
  exit 1
fi
# ansible-test downloads a pip bootstrap script from a host CI cannot reach; give
# it a local stand-in (tests/get_pip_offline.py) under the name it looks for.
pip_version=$("$bin/python" - <<'PY'
import re, ansible_test, pathlib
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
[ -s "$cache" ] || cp "$top/tests/get_pip_offline.py" "$cache"

cd "$dest"
"$bin/ansible-test" sanity --python "$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
  --requirements --color no "$@"
