#!/usr/bin/env bash
# Checks a FOCUS 1.2 CSV (`aigcusage ... -o focus`) with the FinOps Foundation's validator,
# focus-validator 2.2.1. The first run builds it in a virtualenv from PyPI (needs python3 and
# network; FOCUS_VENV picks the folder). Exits 0 when the only failing rule is InvoiceId-C-005-C
# (these are estimates, not invoiced charges).
# Usage: tools/focus-check.sh FILE.csv      or      aigcusage report ... -o focus | tools/focus-check.sh -
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 FILE.csv|-" >&2; exit 2; }
file=$1
if [ "$file" = - ]; then
    tmp=$(mktemp --suffix=.csv); trap 'rm -f "$tmp"' EXIT
    cat >"$tmp"
    file=$tmp
fi
[ -s "$file" ] || { echo "focus: $file is missing or empty" >&2; exit 2; }
rows=$(($(wc -l <"$file") - 1))
echo "focus: checking $rows rows of $1"
"$here/focus-validator/validate.sh" "$file"
