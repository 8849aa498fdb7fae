#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: makes sure Redis answers, then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-redis.sh
cargo test --workspace --all-features "$@"
# A production build of the core (no `without-defences` feature, which the workspace run unifies in
# through the conformance suite): proves no defence can be switched off there.
cargo test -p grootboek-core --features redis --lib "$@"
