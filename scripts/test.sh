#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: makes sure Redis answers, then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-redis.sh
cargo test --workspace --all-features "$@"
