#!/usr/bin/env bash
# The main job: every case of QUIRKS.md against every adapter on its built-in simulator, through
# `grootboek conformance`. Extra arguments go to it (e.g. --format json, --junit target/x.xml).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet -p grootboek-conformance --bin grootboek -- conformance "$@"
