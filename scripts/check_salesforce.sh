#!/usr/bin/env bash
# Checks the Salesforce DX project under salesforce/ without a Salesforce org:
#   1. every Apex class (*.cls), trigger (*.trigger) and anonymous Apex script (*.apex) parses,
#      using prettier-plugin-apex (Salesforce's Apex parser run locally; formatting differences
#      are not failures, and nothing checks types or names the way an org's compiler does);
#   2. every *.xml metadata file is well-formed XML.
# Prints each failing file and exits non-zero if any check fails.
# The npm tools install once from salesforce/package-lock.json (npm ci); later runs are offline.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sf_dir="$repo_root/salesforce"
cd "$sf_dir"

if [[ ! -x node_modules/.bin/prettier || ! -d node_modules/prettier-plugin-apex ]]; then
    echo "Installing the Apex parser (npm ci in salesforce/)..."
    npm ci --no-audit --no-fund --loglevel=error
fi

failures=0

check_apex() {
    local file="$1" parser=apex errors
    [[ "$file" == *.apex ]] && parser=apex-anonymous
    # Formatting to /dev/null parses the file; prettier exits 2 only when it cannot parse it.
    if ! errors="$(node_modules/.bin/prettier --plugin=prettier-plugin-apex --parser="$parser" \
        "$file" 2>&1 >/dev/null)"; then
        echo "FAIL apex parse: salesforce/$file"
        grep -v '^\[error\]     at ' <<<"$errors" | head -n 5 | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

apex_files=()
while IFS= read -r -d '' file; do
    apex_files+=("$file")
done < <(find force-app scripts \( -name '*.cls' -o -name '*.trigger' -o -name '*.apex' \) -type f -print0 |
    sort -z)

for file in "${apex_files[@]}"; do
    check_apex "$file"
done
echo "Apex: ${#apex_files[@]} file(s) checked"

# Python's standard parser is enough here: these are our own files, not untrusted input.
xml_report="$(python3 - <<'PY'
import pathlib
import sys
import xml.dom.minidom

files = sorted(
    path
    for path in pathlib.Path(".").rglob("*.xml")
    if "node_modules" not in path.parts
)
bad = 0
for path in files:
    try:
        xml.dom.minidom.parse(str(path))
    except Exception as exc:  # any parse error is a failure
        print(f"FAIL xml: salesforce/{path}\n    {exc}")
        bad += 1
print(f"XML: {len(files)} file(s) checked")
sys.exit(1 if bad else 0)
PY
)" || failures=$((failures + 1))
echo "$xml_report"

if ((${#apex_files[@]} == 0)); then
    echo "FAIL: no Apex classes found under salesforce/force-app"
    failures=$((failures + 1))
fi

if ((failures > 0)); then
    echo "Salesforce checks failed."
    exit 1
fi
echo "Salesforce checks passed."
