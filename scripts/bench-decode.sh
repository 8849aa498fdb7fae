#!/usr/bin/env bash
# Decoding speed and memory of the open-item decoders (release build), then a peer on the very
# same payload files: CPython's `json` with `Decimal` for numbers (what a careful Python client
# does with money), and `xml.etree.ElementTree` for the Twinfield browse. Prints figures; asserts
# nothing (issue 15: targets are measured, not asserted in timed tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --quiet -p grootboek-conformance --bench decode
python3 - <<'PY'
import json, time, tracemalloc, xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

d = Path("target/bench-payloads")
def measure(name, path, fn, runs=7):
    data = path.read_bytes()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter(); n = fn(data); best = min(best, time.perf_counter() - t)
    tracemalloc.start(); fn(data); peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    mb = len(data) / 1e6
    print(f"{name:<22} {mb:7.2f} MB  {n:6d} items  best {best*1000:8.2f} ms  {mb/best:7.1f} MB/s  peak heap {peak/len(data):5.2f}x payload")

def exact(b):
    rows = json.loads(b, parse_float=Decimal)["d"]["results"]
    return sum(1 for r in rows if r["Amount"] != 0)
def afas(b):
    rows = json.loads(b, parse_float=Decimal)["rows"]
    return sum(1 for r in rows if r["Balance"] != 0)
def twinfield(b):
    env = ET.fromstring(b)
    inner = next(e for e in env.iter() if e.tag.endswith("ProcessXmlStringResult")).text
    n = 0
    for tr in ET.fromstring(inner).iter("tr"):
        cells = {td.get("field"): td.text for td in tr.iter("td")}
        if Decimal(cells["fin.trs.line.openbasevaluesigned"]) != 0:
            n += 1
    return n

print("peer: CPython", ".".join(map(str, __import__("sys").version_info[:3])))
measure("python twinfield (etree)", d / "twinfield-browse.xml", twinfield)
measure("python exact (json)", d / "exact-receivables.json", exact)
measure("python afas (json)", d / "afas-open-items.json", afas)
PY
