#!/usr/bin/env bash
# Runs the Kotlin side on the JVM:
#   - compiles the checked-in generated bindings (android/bindings),
#   - runs the JUnit 5 tests in android/jvm-tests against the host libcompanion_ffi.so and a
#     real `companion serve` process they start themselves,
#   - compiles the Android shell (android/shell) against Robolectric's android-all jar,
#   - runs the JUnit 4 Robolectric tests in android/robolectric-tests: the shell inside
#     Robolectric's Android framework (camera frames, permission flows) with the same host library.
# Needs only a JDK 17 and Maven; Maven fetches its own dependencies into ~/.m2 on the first
# run and works offline after that (every plugin and dependency version is pinned).
#
# Usage: scripts/kotlin-tests.sh [extra mvn args, e.g. -Dtest=SessionTest]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

for tool in cargo java mvn; do
  if ! command -v "$tool" >/dev/null; then
    echo "kotlin-tests: '$tool' is not installed (needs Rust, JDK 17 and Maven 3.8+)" >&2
    exit 1
  fi
done

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
# The library the bindings load and the CLI whose `serve` the tests start as their server,
# built with the whole workspace as `cargo test` and scripts/gen-bindings.sh build it: one
# feature set, so nothing is compiled twice (a cdylib's file name has no feature hash, so a
# different package selection would relink, or rebuild, it).
cargo build --quiet --locked

libdir="$target_dir/debug"
[[ -f "$libdir/libcompanion_ffi.so" ]] || { echo "kotlin-tests: $libdir/libcompanion_ffi.so missing" >&2; exit 1; }
[[ -x "$libdir/companion" ]] || { echo "kotlin-tests: $libdir/companion missing" >&2; exit 1; }

mvn_args=(-B -q -Dstyle.color=never -f "$repo/android/pom.xml" "-Dcompanion.libdir=$libdir" "-Dcompanion.cli=$libdir/companion")
# -Dtest=SomeTest selects tests of the modules that have it; the others must not fail for it
# (the "no test ran" check below still catches a pattern that matches nothing).
mvn_args+=(-Dsurefire.failIfNoSpecifiedTests=false)
# Every plugin and dependency version is pinned, so once ~/.m2 is filled Maven needs no network;
# COMPANION_MVN_OFFLINE=1 makes that explicit (-o) on a machine without one.
if [[ "${COMPANION_MVN_OFFLINE:-0}" == 1 ]]; then mvn_args+=(-o); fi

# Kotlin's incremental compiler does not notice that a module it depends on changed its API
# (the regenerated bindings): the tests would keep calling methods that no longer exist
# (NoSuchMethodError). Drop the incremental caches whenever the bindings change.
stamp="$repo/android/jvm-tests/target/bindings.sha256"
bindings_hash="$(find "$repo/android/bindings/src" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$bindings_hash" ]]; then
  rm -rf "$repo"/android/*/target/kotlin-ic "$repo"/android/*/target/classes "$repo"/android/*/target/test-classes
fi

report_dirs=("$repo/android/jvm-tests/target/surefire-reports" "$repo/android/robolectric-tests/target/surefire-reports")
rm -rf "${report_dirs[@]}"
start=$(date +%s)
status=0
mvn "${mvn_args[@]}" test "$@" || status=$?

# -q hides Surefire's own summary, so count the results from its reports: a run that compiled
# but executed no test must not look like a pass.
read -r passed failed skipped < <(
  for dir in "${report_dirs[@]}"; do cat "$dir"/TEST-*.xml 2>/dev/null || true; done | awk '
    /<testsuite / {
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^tests=/)    { gsub(/[^0-9]/, "", $i); t += $i }
        if ($i ~ /^failures=/) { gsub(/[^0-9]/, "", $i); f += $i }
        if ($i ~ /^errors=/)   { gsub(/[^0-9]/, "", $i); f += $i }
        if ($i ~ /^skipped=/)  { gsub(/[^0-9]/, "", $i); s += $i }
      }
    }
    END { printf "%d %d %d\n", t - f - s, f, s }')
echo "kotlin-tests: maven took $(( $(date +%s) - start ))s"
echo "kotlin-tests: $passed passed, $failed failed, $skipped skipped"
if [[ "$status" != 0 ]]; then exit "$status"; fi
# A test that cannot run (a missing fixture, an SDK Robolectric cannot load) must fail, not
# quietly drop out of the count.
if [[ "$skipped" != 0 ]]; then echo "kotlin-tests: $skipped test(s) skipped" >&2; exit 1; fi
mkdir -p "$(dirname "$stamp")" && echo "$bindings_hash" > "$stamp"
if [[ "$passed" == 0 ]]; then echo "kotlin-tests: no test ran" >&2; exit 1; fi
