#!/usr/bin/env bash
# Builds the switchboard .deb (the package preset: Release, /usr, no tests, benches or
# simulator), installs it on this machine with apt (which pulls its dependencies), and
# checks what was installed: lintian, desktop-file-validate, appstreamcli, the man page,
# `switchboard --version`, `db migrate` / `db status` against a throwaway Postgres, and one
# offscreen screenshot from the installed binary against throwaway Redis and Postgres.
# Then the same for the receiver's and the bridge's packages (scripts/package-node.sh).
#   scripts/package.sh            # build, install, check
#   scripts/package.sh --build    # build only: prints the .deb's path (the console's)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ONLY_BUILD=""
[[ "${1:-}" == "--build" ]] && ONLY_BUILD=1

bash scripts/install-deps.sh
start=$(date +%s)
cmake --preset package >/dev/null
cmake --build --preset package
(cd build/package && cpack -G DEB >/dev/null)
DEB=$(ls -t build/package/switchboard_*.deb | head -1)
echo "package: built $DEB in $(($(date +%s) - start)) s"
[[ -n "$ONLY_BUILD" ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "== lintian"
# Errors fail the run; warnings are printed. --suppress-tags: none.
lintian --fail-on error --tag-display-limit 0 "$DEB"

echo "== install"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends "$ROOT/$DEB" >/dev/null
# The installed binary, never the build tree's.
SB=/usr/bin/switchboard
[[ -x $SB ]] || { echo "package: $SB missing after install" >&2; exit 1; }
echo "== validators on the installed files"
desktop-file-validate /usr/share/applications/org.switchboard.Switchboard.desktop
appstreamcli validate --no-net /usr/share/metainfo/org.switchboard.Switchboard.metainfo.xml
test -s /usr/share/icons/hicolor/scalable/apps/org.switchboard.Switchboard.svg
test -s /usr/share/icons/hicolor/48x48/apps/org.switchboard.Switchboard.png
man -l /usr/share/man/man1/switchboard.1.gz 2>/dev/null | grep -q "db migrate"
bash -c 'source /usr/share/bash-completion/bash_completion &&
  source /usr/share/bash-completion/completions/switchboard &&
  COMP_WORDS=(switchboard d); COMP_CWORD=1; _switchboard 2>/dev/null;
  [[ " ${COMPREPLY[*]} " == *" db "* ]]'
version=$(env -i PATH=/usr/bin:/bin "$SB" --version)
echo "installed: $version"
[[ "$version" == "switchboard $(sed -n 's/^project(Switchboard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" ]]

echo "== the installed binary against throwaway servers"
# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
trap sb_stop_servers EXIT
sb_make_run_dir
sb_start_redis
sb_start_postgres
env -i PATH=/usr/bin:/bin HOME="$SB_RUN_DIR" "$SB" db migrate --pg "$SB_PG_DSN"
env -i PATH=/usr/bin:/bin HOME="$SB_RUN_DIR" "$SB" db status --pg "$SB_PG_DSN" | tee "$SB_RUN_DIR/status"
grep -q "(current)" "$SB_RUN_DIR/status"
SHOTS="$SB_RUN_DIR/shots"
env -i PATH=/usr/bin:/bin HOME="$SB_RUN_DIR" QT_QPA_PLATFORM=offscreen \
  "$SB" --redis "$SB_REDIS_URI" --pg "$SB_PG_DSN" --operator package-check \
  --screenshot "$SHOTS" --screenshot-delay 1500
test -s "$SHOTS/sessions.png"
mkdir -p build/package/shots && cp "$SHOTS"/*.png build/package/shots/
echo "package: checks passed in $(($(date +%s) - start)) s (screenshots in build/package/shots)"

echo "== the Node.js packages: switchboard-ingest, switchboard-bridge (scripts/package-node.sh)"
sb_stop_servers
bash scripts/package-node.sh
