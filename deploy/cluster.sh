#!/usr/bin/env bash
# A local two-tier cluster in one command: a national node and two province nodes (Guangdong
# 440000 and Fujian 350000) on loopback, each with its own key, config and store under DIR.
# The provinces' keys are delegated their namespaces in the national trust list, and they push
# their logs to the national node. Drill settings: clock control on and one token per role in
# DIR/<node>/dev-tokens.json — never use them for production.
#
#   deploy/cluster.sh [DIR]        (default: ./cluster; an existing DIR is reused)
#
# Ports: NATIONAL_PORT (7440), GD_PORT (7441), FJ_PORT (7442). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(mkdir -p "${1:-cluster}" && cd "${1:-cluster}" && pwd)
NATIONAL_PORT=${NATIONAL_PORT:-7440}
GD_PORT=${GD_PORT:-7441}
FJ_PORT=${FJ_PORT:-7442}

cargo build --release --bins --quiet
BIN=$PWD/target/release

pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# key NAME: the node's key file (created once, mode 0600) and its .pub.
key() {
  mkdir -p "$DIR/$1"
  [ -f "$DIR/$1/node.key" ] || "$BIN/sjdj" key generate --out "$DIR/$1/node.key" >/dev/null
}

# config NAME ID ROLE REGION PORT [FEDERATION-TOML]
config() {
  cat >"$DIR/$1/node.toml" <<TOML
[node]
id = "$2"
role = "$3"
region = "$4"
listen = "127.0.0.1:$5"
data_dir = "$DIR/$1/store"
key_file = "$DIR/$1/node.key"

[clock]
control = true

${6:-}
TOML
}

# start NAME: runs the node, waits for its "listening on" line.
start() {
  "$BIN/sjdj-node" --config "$DIR/$1/node.toml" --dev-tokens "$DIR/$1" \
    >"$DIR/$1/stdout.log" 2>"$DIR/$1/node.log" &
  pids+=($!)
  echo $! >"$DIR/$1/pid"   # to stop or restart this one node on its own (README)
  for _ in $(seq 1 300); do
    grep -q '^listening on' "$DIR/$1/stdout.log" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$DIR/$1/node.log"; exit 1; }
    sleep 0.1
  done
  echo "$1 did not start; see $DIR/$1/node.log" >&2
  exit 1
}

key national
key gd
key fj
NATIONAL_KEY=$(cat "$DIR/national/node.key.pub")
config national national national 100000 "$NATIONAL_PORT"
fed="[federation]
national_url = \"http://127.0.0.1:$NATIONAL_PORT\"
national_key = \"$NATIONAL_KEY\""
config gd gd province 440000 "$GD_PORT" "$fed"
config fj fj province 350000 "$FJ_PORT" "$fed"

start national
national() { "$BIN/sjdj" --addr "http://127.0.0.1:$NATIONAL_PORT" --tokens "$DIR/national/dev-tokens.json" "$@"; }
for p in "gd 440000" "fj 350000"; do
  set -- $p
  if ! national federation trust-list | grep -q "^$1 "; then
    national --as admin admin delegate "$1" "$2" "$DIR/$1/node.key.pub" >/dev/null
  fi
done
start gd
start fj

cat <<INFO
cluster up in $DIR
  national  http://127.0.0.1:$NATIONAL_PORT  (100000)  tokens $DIR/national/dev-tokens.json
  gd        http://127.0.0.1:$GD_PORT  (440000)  tokens $DIR/gd/dev-tokens.json
  fj        http://127.0.0.1:$FJ_PORT  (350000)  tokens $DIR/fj/dev-tokens.json
$(national federation trust-list)
logs: $DIR/*/node.log — Ctrl-C stops all three
INFO
wait
