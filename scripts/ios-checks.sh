#!/usr/bin/env bash
# The iOS checks that need no Swift toolchain (scripts/ios_checks.py): hand-written Swift
# parses, Info.plist holds exactly the permissions the features need, the Swift names only
# the core API that exists, the XcodeGen project.yml names only files that exist. Installs its
# pinned tools into a venv under target/ once.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CARGO_TARGET_DIR:-$repo/target}/ios-checks-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import tree_sitter, tree_sitter_swift, yaml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$repo/scripts/requirements-ios-checks.txt"
fi
exec "$venv/bin/python" "$repo/scripts/ios_checks.py"
