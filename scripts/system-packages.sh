#!/usr/bin/env bash
# Make sure the Debian/Ubuntu packages Suanbei needs are installed.
#
#   scripts/system-packages.sh run    # WeasyPrint (Pango, HarfBuzz), CJK and emoji fonts, gettext
#   scripts/system-packages.sh test   # the above + poppler-utils (pdftotext) and Chromium (Playwright)
#
# Prints nothing when everything is present. When something is missing it
# installs it if running as root, otherwise prints the exact command to run
# and exits 1.
set -euo pipefail

set_name=${1:-run}
# fonts-noto-color-emoji: emoji typed in any field print in the PDFs (Pango falls back to it).
run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-noto-color-emoji gettext)
test_packages=(poppler-utils chromium)

case "$set_name" in
  run) wanted=("${run_packages[@]}") ;;
  test) wanted=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-packages: no dpkg here (not Debian/Ubuntu); install the equivalents of: ${wanted[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

# `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
python=${PYTHON:-python3}
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

((${#missing[@]})) || exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "system-packages: installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "system-packages: missing ${missing[*]}; install them with:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
