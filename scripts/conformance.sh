#!/usr/bin/env bash
# The main job: every quirk case of QUIRKS.md against the built-in simulators.
# Until the conformance suite and its `grootboek` CLI exist, this runs the simulators' raw-HTTP
# quirk proofs, which show each quirk reproduced (and gone with its switch off).
set -euo pipefail
cd "$(dirname "$0")/.."
if cargo metadata --format-version 1 --no-deps | grep -q '"name":"grootboek-conformance"'; then
  exec cargo run --release -p grootboek-conformance --bin grootboek -- conformance "$@"
fi
cargo test -p grootboek-sim --all-features
