#!/usr/bin/env bash
# Starts a dev node and calls it from Python grpcio knowing nothing but the address (server
# reflection gives the descriptors), then checks its transparency log with the independent
# Python verifier (log_verifier.py). Needs target/debug/sjdj-node (built by `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check grpcio grpcio-reflection protobuf cryptography
dir=$(mktemp -d)
./target/debug/sjdj-node --dev --data-dir "$dir/node" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do grep -q "listening on" "$dir/out" 2>/dev/null && [ -f "$dir/node/dev-tokens.json" ] && break; sleep 0.05; done
addr=$(sed -n 's/^listening on //p' "$dir/out")
admin=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['admin'])" "$dir/node/dev-tokens.json")
out=$(python3 tests/python/reflection_client.py "$addr" "$admin")
echo "$out"
grep -q "node: dev-national NODE_ROLE_NATIONAL" <<<"$out"
grep -q "tokens: 6" <<<"$out"
grep -q "refusal: StatusCode.INVALID_ARGUMENT CODE_LENGTH" <<<"$out"
# Its ErrorInfo decodes as JSON from the descriptors reflection serves.
grep -q '^detail: google.rpc.ErrorInfo .*"reason": "CODE_LENGTH"' <<<"$out"
# The 1 MiB code's refusal arrives with its reason, in under 1 KB.
grep -Eq "^long refusal: StatusCode.INVALID_ARGUMENT CODE_LENGTH [0-9]{1,3} bytes$" <<<"$out"
selftest=$(python3 tests/python/log_verifier_selftest.py) || { echo "$selftest"; exit 1; }
echo "$selftest"
grep -q "^log verifier selftest: ok$" <<<"$selftest"
# The committed golden vectors, made by the Rust code, checked by the independent verifier.
for v in 1 2; do
  vectors=$(python3 tests/python/log_verifier.py bundle "tests/vectors/log_v$v.json") || { echo "$vectors"; exit 1; }
  echo "v$v: $(echo "$vectors" | tail -1)"
  grep -q "^log verifier: all .* checks hold$" <<<"$vectors"
done
live=$(python3 tests/python/log_live_check.py "$addr" "$admin") || { echo "$live"; exit 1; }
echo "$live"
grep -q "^python log verifier: .* 2 checkpoints verified .*; 3 tampered inputs refused$" <<<"$live"
echo "python grpcio client and log verifier: all 7 checks hold"
