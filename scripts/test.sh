#!/usr/bin/env bash
# Every test Companion has, in the order that fails fastest:
#   formatting, clippy (warnings are errors), all Rust tests (core, server, bindings, CLI, and
#   the end-to-end tests against a real reference server), schemathesis against the live
#   reference server and openapi.json, the check that the checked-in
#   Kotlin/Swift bindings match the library, and the Kotlin tests on the JVM.
# Needs Rust (with rustfmt + clippy), Python 3 with venv, a JDK 17 and Maven; everything else
# is fetched by cargo, pip and Maven themselves.
set -euo pipefail
start=$(date +%s)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# A one-shot build (CI, fresh clone) gains nothing from incremental caches, which double the
# size of target/.
if [[ -n "${CI:-}" ]]; then export CARGO_INCREMENTAL=0; fi

step() { printf '\n== %s ==\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked

step "contract tests (schemathesis against a live server)"
scripts/contract-tests.sh

step "generated bindings are up to date"
scripts/gen-bindings.sh --check

step "iOS: Swift parses, Info.plist permissions, Swift names the real API"
scripts/ios-checks.sh

step "Kotlin bindings on the JVM"
scripts/kotlin-tests.sh

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
