#!/usr/bin/env bash
# Builds CompanionFFI.xcframework (the Rust core as a static library per Apple platform, with
# the C headers and module map of ios/Headers), zips it and prints the SwiftPM checksum, so the
# package can use it from ios/ (local path, the default) or from a release URL
# (COMPANION_FFI_URL + COMPANION_FFI_CHECKSUM, see ios/Package.swift).
#
# macOS with Xcode and rustup only. Slices:
#   ios-arm64                  aarch64-apple-ios
#   ios-arm64_x86_64-simulator aarch64-apple-ios-sim + x86_64-apple-ios   (lipo)
#   macos-arm64_x86_64         aarch64-apple-darwin + x86_64-apple-darwin (lipo; for macOS
#                              clients of the core: the shell itself imports UIKit, iOS only)
# each `cargo build --profile release-mobile -p companion-ffi` (panic = unwind: a Rust panic
# reaches Swift as an error). The Swift bindings and headers are checked in; by default this
# script first runs `scripts/gen-bindings.sh --check` so the library and the headers it is
# packed with cannot disagree (SKIP_BINDINGS_CHECK=1 skips it).
#
# Usage: scripts/build-xcframework.sh            -> ios/CompanionFFI.xcframework(.zip)
set -euo pipefail

if [[ "$(uname -s)" != "Darwin" ]]; then
  echo "build-xcframework: needs macOS with Xcode (xcodebuild, lipo) and rustup; this is $(uname -s)." >&2
  echo "On Linux, scripts/ios-checks.sh is what can be checked of the iOS package." >&2
  exit 1
fi
for tool in cargo rustup xcodebuild lipo ditto swift; do
  command -v "$tool" >/dev/null || { echo "build-xcframework: '$tool' not found (install Xcode and rustup)" >&2; exit 1; }
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
profile=release-mobile
lib=libcompanion_ffi.a
out="$repo/ios/CompanionFFI.xcframework"
zip="$out.zip"

if [[ "${SKIP_BINDINGS_CHECK:-0}" != "1" ]]; then
  scripts/gen-bindings.sh --check
fi

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  echo "build-xcframework: cargo build --profile $profile -p companion-ffi --target $t"
  cargo build --locked --profile "$profile" -p companion-ffi --target "$t"
done

fat="$target_dir/xcframework"
rm -rf "$fat"
mkdir -p "$fat/ios-simulator" "$fat/macos"
lipo -create "$target_dir/aarch64-apple-ios-sim/$profile/$lib" "$target_dir/x86_64-apple-ios/$profile/$lib" \
  -output "$fat/ios-simulator/$lib"
lipo -create "$target_dir/aarch64-apple-darwin/$profile/$lib" "$target_dir/x86_64-apple-darwin/$profile/$lib" \
  -output "$fat/macos/$lib"

rm -rf "$out" "$zip"
xcodebuild -create-xcframework \
  -library "$target_dir/aarch64-apple-ios/$profile/$lib" -headers ios/Headers \
  -library "$fat/ios-simulator/$lib" -headers ios/Headers \
  -library "$fat/macos/$lib" -headers ios/Headers \
  -output "$out"

# SwiftPM wants the xcframework at the top of the zip; ditto keeps symlinks and permissions.
(cd "$(dirname "$out")" && ditto -c -k --sequesterRsrc --keepParent "$(basename "$out")" "$(basename "$zip")")
checksum="$(cd "$repo/ios" && swift package compute-checksum "$zip")"

echo
echo "build-xcframework: $out"
echo "build-xcframework: $zip"
echo "build-xcframework: checksum $checksum"
echo "Publish the zip (e.g. as a release asset), then build against it with:"
echo "  COMPANION_FFI_URL=https://.../CompanionFFI.xcframework.zip COMPANION_FFI_CHECKSUM=$checksum"
