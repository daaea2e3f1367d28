#!/usr/bin/env bash
# Installs everything publisher needs on a fresh Debian or Ubuntu machine, idempotently:
# the system libraries (Pango for WeasyPrint; Poppler and LibreOffice too with --test),
# a virtual environment in .venv, and the package with its pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")"

extras=""
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig)
if [[ "${1:-}" == "--test" ]]; then
    extras="[test]"
    packages+=(poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui)
fi
if ! python3 -m venv --help >/dev/null 2>&1; then
    packages+=(python3-venv)
fi

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
fi
# Installed once per version of pyproject.toml (and per extras): a second run does nothing.
stamp=".venv/.setup-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-test}"
if [[ ! -f "$stamp" ]]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2> >(grep -v -e "BuildBackendWarning" \
        -e "^ *!!$" -e "^ *\*\{20,\}$" -e "Please be careful with folders" -e "name as your package" \
        -e "with strategy, WheelFile" -e "^ *$" >&2)
    rm -f .venv/.setup-*
    touch "$stamp"
fi
echo "setup: ready (.venv/bin/publisher)"
