#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings from the built companion_ffi library into their
# checked-in homes:
#   android/bindings/src/main/kotlin/   (packages app.companion and app.companion.core)
#   ios/Sources/Companion/Generated/    (Swift module `Companion`)
#   ios/Headers/                        (C headers + one module.modulemap; go into the xcframework)
#
# The output is checked in so that a reviewer sees every change to the API Kotlin and Swift
# developers get. `--check` regenerates into a temporary directory and fails if the checked-in
# copy differs, which is how CI catches a Rust API change committed without its bindings.
#
# Usage: scripts/gen-bindings.sh [--check]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

mode=write
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
# Bindings come from the debug library: uniffi reads its metadata from the symbol table, which
# a stripped (release-mobile) library no longer has. The API is the same in every profile.
# The whole workspace, as `cargo test` builds it: one feature set, so the library is built
# once per CI run instead of once per package selection.
cargo build --quiet --locked
cargo build --quiet --locked -p companion-bindgen
# The host library's name: Linux (CI) builds a .so, a Mac (the iOS developer) a .dylib.
case "$(uname -s)" in
  Darwin) library="$target_dir/debug/libcompanion_ffi.dylib" ;;
  *) library="$target_dir/debug/libcompanion_ffi.so" ;;
esac
bindgen="$target_dir/debug/uniffi-bindgen"

generate_into() {
  local out="$1" raw
  raw="$(mktemp -d)"
  "$bindgen" generate --library "$library" --metadata-no-deps --language kotlin --no-format --out-dir "$raw/kotlin" >/dev/null
  "$bindgen" generate --library "$library" --metadata-no-deps --language swift --no-format --out-dir "$raw/swift" >/dev/null

  mkdir -p "$out/android/bindings/src/main/kotlin" \
           "$out/ios/Sources/Companion/Generated" \
           "$out/ios/Headers"
  cp -R "$raw/kotlin/." "$out/android/bindings/src/main/kotlin/"
  cp "$raw"/swift/*.swift "$out/ios/Sources/Companion/Generated/"
  cp "$raw"/swift/*.h "$out/ios/Headers/"
  # uniffi writes one modulemap per crate; Xcode and SwiftPM want a single module.modulemap in
  # the xcframework's Headers directory, so the per-crate maps are concatenated (each declares its own module).
  for map in "$raw"/swift/*.modulemap; do cat "$map"; echo; done > "$out/ios/Headers/module.modulemap"
  rm -rf "$raw"
}

generated_paths=(
  android/bindings/src/main/kotlin
  ios/Sources/Companion/Generated
  ios/Headers
)

fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
# Generate aside first: a failing bindgen run must not leave the checked-in copy half deleted.
generate_into "$fresh"

if [[ "$mode" == write ]]; then
  for path in "${generated_paths[@]}"; do
    rm -rf "${repo:?}/$path"
    mkdir -p "$(dirname "$repo/$path")"
    cp -R "$fresh/$path" "$repo/$path"
  done
  echo "bindings written: ${generated_paths[*]}"
  exit 0
fi

stale=0
for path in "${generated_paths[@]}"; do
  if ! diff -ru "$repo/$path" "$fresh/$path" >"$fresh/diff.txt" 2>&1; then
    stale=1
    echo "STALE: $path differs from what the current Rust API generates:" >&2
    head -n 60 "$fresh/diff.txt" >&2
  fi
done
if [[ "$stale" == 1 ]]; then
  echo "The checked-in bindings are stale. Run scripts/gen-bindings.sh and commit the result." >&2
  exit 1
fi
echo "bindings fresh: ${generated_paths[*]}"
