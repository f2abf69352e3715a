#!/usr/bin/env bash
# Contract tests: schemathesis (pinned in scripts/requirements-contract.txt, installed into a
# venv under target/) generates requests from server/openapi.json against a live
# `companion serve` on loopback and checks every answer against the spec. A bounded number of
# examples per operation keeps the run short; any failure fails the script.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

examples="${CONTRACT_EXAMPLES:-40}"
venv="$repo/target/contract-venv"
req="$repo/scripts/requirements-contract.txt"
stamp="$venv/.requirements"
if [[ ! -x "$venv/bin/schemathesis" ]] || ! cmp -s "$req" "$stamp"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
fi

# The whole workspace, as `cargo test` built it (one feature set: nothing rebuilt).
cargo build --locked --quiet
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Throttling stays on: schemathesis sees 429s as the spec documents them.
target/debug/companion serve --addr 127.0.0.1:0 --db "$work/server.db" --catalogue-rows 200 \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^companion-server listening url=//p' "$work/server.out" | head -n1)"
  [[ -n "$url" ]] && break
  sleep 0.1
done
[[ -n "$url" ]] || { echo "server did not start" >&2; cat "$work/server.err" >&2; exit 1; }

login='{"username":"maria","password":"demo-password","device":{"install_id":"contract","platform":"desktop","model":"schemathesis","os_version":"-","app_version":"-","public_key":"-"}}'
token="$(python3 -c 'import json,sys,urllib.request
req=urllib.request.Request(sys.argv[1]+"/v1/auth/login",data=sys.argv[2].encode(),headers={"Content-Type":"application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])' "$url" "$login")"

"$venv/bin/schemathesis" run server/openapi.json \
  --url "$url" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "$examples" \
  --seed 8 \
  --no-color \
  "$@"
