#!/usr/bin/env bash
# Builds the four samples with a pinned date (each on its own, their court papers, and all of them
# as one batch) and prints the sha256 of every PDF and Word copy made: a structural change (a move,
# a new driver) must leave these bytes as they were.
#   tools/sample_hashes.sh OUTDIR            -> OUTDIR/<sample>/..., hashes on stdout and in OUTDIR/hashes.txt
#   tools/sample_hashes.sh OUTDIR BEFORE.txt -> also diffs against an earlier run's hashes.txt
# Another checkout's code: PYTHONPATH=/its/root tools/sample_hashes.sh OUTDIR (runs python -m assembler).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: tools/sample_hashes.sh OUTDIR [BEFORE.txt]}
before=${2:-}
pdpacket=("$root/.venv/bin/python" -m assembler)
rm -rf "$out"; mkdir -p "$out"
export PDPACKET_TODAY=2026-11-28 PDPACKET_SETTINGS="$root/samples/pdpacket.yaml"
export PDPACKET_LEDGER="$out/ledger.db"
for c in "$root"/samples/*/; do
  name=$(basename "$c")
  "${pdpacket[@]}" build -q "$c" -o "$out/$name" 2>/dev/null >/dev/null
  # Not every sample asks for relief the court grants: those have no court papers.
  "${pdpacket[@]}" court -q "$c" -o "$out/court/$name" 2>/dev/null >/dev/null || true
done
"${pdpacket[@]}" batch -q "$root/samples" -o "$out/batch" -j 2 >/dev/null 2>&1
cd "$out"
find . \( -name '*.pdf' -o -name '*.docx' \) | sort | xargs sha256sum > hashes.txt
cat hashes.txt
if [ -n "$before" ]; then
  diff "$before" hashes.txt && echo "identical to $before" >&2
fi
