#!/usr/bin/env bash
# Renders an exported trace report (HTML) to a PNG with headless Chromium, installing
# Chromium through apt when it is missing. Offline on purpose: the report must need no
# network, so the browser gets none (--no-proxy-server plus a dead proxy).
#   scripts/render-report.sh REPORT.html OUT.png [WIDTH HEIGHT]
set -euo pipefail
REPORT=$(realpath "$1")
OUT=$(realpath -m "$2")
W=${3:-1400}
H=${4:-1600}
if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y chromium >/dev/null; else sudo apt-get install -y chromium >/dev/null; fi
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --proxy-server="127.0.0.1:9" --user-data-dir="$TMP" \
  --window-size="$W,$H" --screenshot="$OUT" "file://$REPORT" >/dev/null 2>&1
test -s "$OUT"
echo "wrote $OUT"
