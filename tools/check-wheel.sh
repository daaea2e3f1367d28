#!/usr/bin/env bash
# CI: the package as a user gets it. Builds the wheel, installs it into a fresh virtual environment
# in a temporary folder (dependencies from the package index, through pip's cache), then, from
# another folder, creates a plan with `publisher new` and publishes it with `publisher build`:
# the templates and the example plan must come from the wheel alone.
# Usage: tools/check-wheel.sh [PYTHON]   (default python3; run from anywhere)
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip_q=(-q --disable-pip-version-check)

"$python" -m venv "$work/venv"
# built from a copy, so that no build/ or .egg-info/ lands in the source tree
mkdir "$work/src"
(cd "$source_dir" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src")
"$work/venv/bin/python" -m pip wheel "${pip_q[@]}" --no-deps --wheel-dir "$work/dist" "$work/src"
wheel=("$work"/dist/publisher-*.whl)
listing="$("$work/venv/bin/python" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "${wheel[0]}")"
for needed in publisher/templates/fr/plan.docx publisher/templates/ar/fiche.docx \
              publisher/templates/shared/page.css publisher/content/plan.yaml; do
    grep -qx "$needed" <<<"$listing" || { echo "check-wheel: $needed absent from the wheel" >&2; exit 1; }
done
"$work/venv/bin/python" -m pip install "${pip_q[@]}" "${wheel[0]}"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$work/venv/bin/publisher" new plan-test
"$work/venv/bin/publisher" build plan-test -o out-docx --edition fr,ar --format docx
"$work/venv/bin/publisher" build plan-test -o out-pdf --edition ar --format pdf 2>&1 | tee build.log
if grep -q "WeasyPrint" build.log; then
    echo "check-wheel: WeasyPrint reported problems while publishing the example plan" >&2
    exit 1
fi
# the plans read back: each names its province (python-docx and pypdf come with the package)
"$work/venv/bin/python" - <<'PY'
import glob
import sys

import docx
import pypdf

from publisher.check import load_checked

province = load_checked("plan-test").plan.province
found = {
    "out-docx/fr/plan-*-fr.docx": lambda p: "\n".join(x.text for x in docx.Document(p).paragraphs),
    "out-docx/ar/plan-*-ar.docx": lambda p: "\n".join(x.text for x in docx.Document(p).paragraphs),
    "out-pdf/ar/plan-*-ar.pdf": lambda p: pypdf.PdfReader(p).pages[0].extract_text(),
}
failed = False
for pattern, read in found.items():
    paths = glob.glob(pattern)
    lang = "ar" if "-ar." in pattern else "fr"
    if len(paths) != 1 or province[lang] not in read(paths[0]):
        print(f"check-wheel: {pattern}: absent, or without the province's name", file=sys.stderr)
        failed = True
sys.exit(failed)
PY
echo "check-wheel: ${wheel[0]##*/} installs; publisher new and build work from another folder"
