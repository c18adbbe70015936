#!/usr/bin/env bash
# Builds the four samples with a pinned date and prints the sha256 of every filing and Word
# copy: a structural change (a move, a new driver) must leave these bytes as they were.
#   tools/sample_hashes.sh OUTDIR            -> OUTDIR/<sample>/..., hashes on stdout
#   tools/sample_hashes.sh OUTDIR BEFORE.txt -> also diffs against an earlier run's output
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: tools/sample_hashes.sh OUTDIR [BEFORE.txt]}
before=${2:-}
pdpacket=${PDPACKET:-$root/.venv/bin/pdpacket}
rm -rf "$out"; mkdir -p "$out"
export PDPACKET_TODAY=2026-11-28 PDPACKET_SETTINGS="$root/samples/pdpacket.yaml"
export PDPACKET_LEDGER="$out/ledger.db"
for c in "$root"/samples/*/; do
  name=$(basename "$c")
  "$pdpacket" build -q "$c" -o "$out/$name" >/dev/null
done
cd "$out"
find . \( -name '*.pdf' -o -name '*.docx' \) | sort | xargs sha256sum > hashes.txt
cat hashes.txt
if [ -n "$before" ]; then
  diff "$before" hashes.txt && echo "identical to $before" >&2
fi
