#!/usr/bin/env bash
# Runs real third-party clients of the vendors' APIs against `grootboek sim` (issue 18, item 5):
# every `conformance/suite/clients/*.py` script, each doing its client's documented basics (auth, list
# with paging, read, create). A client failure is a simulator defect unless a comment in the script
# names the recorded vendor behaviour that shows the client is wrong.
#
# The clients come from PyPI (`conformance/suite/clients/requirements.txt`) into a virtualenv under
# target/; `afas-connector` declares Python >= 3.12 and is installed with --ignore-requires-python.
# Each script gets every simulator URL as `GROOTBOEK_SIM_<NAME>` (the names `grootboek sim` prints,
# upper-cased, other characters as `_`).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyclients
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python \
  -r conformance/suite/clients/requirements.txt
cargo build --quiet -p grootboek-conformance --bin grootboek
urls=$(mktemp)
target/debug/grootboek sim >"$urls" 2>target/real-clients-sim.log &
sim=$!
trap 'kill $sim 2>/dev/null || true; rm -f "$urls"' EXIT
for _ in $(seq 1 100); do
  [ "$(grep -c ': http' "$urls" || true)" -ge 3 ] && break
  kill -0 $sim 2>/dev/null || { cat target/real-clients-sim.log >&2; exit 1; }
  sleep 0.1
done
while IFS= read -r line; do
  name=${line%%: *}
  url=${line#*: }
  var=GROOTBOEK_SIM_$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_')
  export "$var=$url"
done <"$urls"
status=0
for script in conformance/suite/clients/*.py; do
  echo "== $script"
  if ! "$venv/bin/python" "$script"; then
    echo "FAILED: $script" >&2
    status=1
  fi
done
exit $status
