#!/bin/sh
# Builds the sjdj-node container image (deploy/container/Containerfile): the static (musl)
# binaries first, then the image from scratch, so nothing is pulled from a registry.
#   deploy/container/build.sh [TAG]        # default tag: sjdj-node
# CONTAINER=docker|podman|buildah picks the tool (default: the first one installed).
set -eu
tag=${1:-sjdj-node}
root=$(cd "$(dirname "$0")/../.." && pwd)
target=x86_64-unknown-linux-musl

if ! command -v musl-gcc >/dev/null; then
    echo "musl-gcc is missing (Debian: apt-get install musl-tools)" >&2
    exit 1
fi
if command -v rustup >/dev/null; then
    rustup target add "$target"
fi
tool=${CONTAINER:-}
if [ -z "$tool" ]; then
    for t in docker podman buildah; do
        if command -v "$t" >/dev/null; then tool=$t; break; fi
    done
fi
if [ -z "$tool" ]; then
    echo "no container tool found: install docker, podman or buildah (Debian: apt-get install buildah)" >&2
    exit 1
fi

cd "$root"
CC_x86_64_unknown_linux_musl=musl-gcc CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo build --release --locked --target "$target" --bin sjdj-node --bin sjdj

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "target/$target/release/sjdj-node" "target/$target/release/sjdj" "$ctx/"
mkdir -m 0700 "$ctx/data"
"$tool" build -f deploy/container/Containerfile -t "$tag" "$ctx"
echo "built image $tag with $tool"
