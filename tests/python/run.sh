#!/usr/bin/env bash
# Starts a dev node and calls it from Python grpcio knowing nothing but the address (server
# reflection gives the descriptors). Needs target/debug/sjdj-node (built by `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check grpcio grpcio-reflection protobuf
dir=$(mktemp -d)
./target/debug/sjdj-node --dev --data-dir "$dir/node" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do grep -q "listening on" "$dir/out" 2>/dev/null && [ -f "$dir/node/dev-tokens.json" ] && break; sleep 0.05; done
addr=$(sed -n 's/^listening on //p' "$dir/out")
admin=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['admin'])" "$dir/node/dev-tokens.json")
out=$(python3 tests/python/reflection_client.py "$addr" "$admin")
echo "$out"
grep -q "node: dev-national" <<<"$out"
grep -q "tokens: 6" <<<"$out"
grep -q "refusal: StatusCode.INVALID_ARGUMENT CODE_LENGTH" <<<"$out"
echo "python grpcio client: all 3 checks hold"
