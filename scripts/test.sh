#!/usr/bin/env bash
# Every test Companion has, in the order that fails fastest:
#   formatting, clippy (warnings are errors), all Rust tests (core, server, bindings, CLI, and
#   the end-to-end tests against a real reference server), the check that the checked-in
#   Kotlin/Swift bindings match the library, and the Kotlin tests on the JVM.
# Needs Rust (with rustfmt + clippy), a JDK 17 and Maven; everything else is fetched by cargo
# and Maven themselves.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n== %s ==\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked

step "generated bindings are up to date"
scripts/gen-bindings.sh --check

step "iOS: Swift parses, Info.plist permissions, Swift names the real API"
scripts/ios-checks.sh

step "Kotlin bindings on the JVM"
scripts/kotlin-tests.sh
