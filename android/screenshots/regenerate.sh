#!/usr/bin/env bash
# Re-renders the screenshots in this folder: Robolectric's native graphics (real Skia, from the
# nativeruntime jar on Maven Central) draws the shell's framework Views on the JVM, as
# ScannerScreenshotTest (scanner overlay; the scanner screen with a code the core confirmed) and
# ScreensScreenshotTest (sign-in, stock lookup with the sync status, item stock, stock action,
# notifications, profile with edit, export and deletion, deliveries and proof capture) in
# android/robolectric-tests do on every scripts/kotlin-tests.sh run (there into
# robolectric-tests/target/screenshots). Needs a JDK 17 and Maven, and the host
# libcompanion_ffi.so: the scanner screen's code is decoded by the core from a fixture frame
# (the other screens are rendered from fixed states). It is taken from target/debug after a
# `cargo build -p companion-ffi`, or from COMPANION_LIBDIR.
#
# Usage: android/screenshots/regenerate.sh   (then review and commit the changed PNGs)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mvn -B -q -Dstyle.color=never -f "$repo/android/pom.xml" -pl robolectric-tests -am test \
  -Dtest='ScannerScreenshotTest,ScreensScreenshotTest' -Dsurefire.failIfNoSpecifiedTests=false \
  ${COMPANION_LIBDIR:+"-Dcompanion.libdir=$COMPANION_LIBDIR"} \
  "-Dcompanion.screenshots.dir=$repo/android/screenshots"
ls -l "$repo"/android/screenshots/*.png
