#!/usr/bin/env bash
# Builds the two Node.js packages, switchboard-bridge (bridge/) and switchboard-ingest
# (ingest/), as architecture-all .debs with dpkg-deb: the code and its production
# node_modules (`npm ci --omit=dev`) under /usr/lib/<name>/, a /usr/bin/<name> wrapper that
# runs it with Debian's node, a systemd unit, settings in /etc/switchboard/. Then, unless
# given --build, checks them the way an administrator meets them (scripts/check-node-packages.sh).
#   scripts/package-node.sh            # build, lintian, install, check
#   scripts/package-node.sh --build    # build only: prints the .debs' paths
# The version is project()'s in CMakeLists.txt; package.json and the changelogs must agree.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/build/package-node"
start=$(date +%s)

VERSION=$(sed -n 's/^project(Switchboard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ -n "$VERSION" ]] || { echo "package-node: no version in CMakeLists.txt's project()" >&2; exit 1; }
MAINTAINER="Switchboard developers <switchboard@users.noreply.github.com>"

# build_one NAME SRCDIR "FILES…" ENTRY: code, node_modules, wrapper, changelog, copyright.
build_one() {
  local name=$1 src=$2 files=$3 entry=$4
  local stage="$OUT/$name" lib="/usr/lib/$name"
  local pj_version cl_version
  pj_version=$(node -p "require('$ROOT/$src/package.json').version")
  cl_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "packaging/node/$name.changelog")
  if [[ "$pj_version" != "$VERSION" || "$cl_version" != "$VERSION" ]]; then
    echo "package-node: $name: project() says $VERSION, $src/package.json $pj_version, its changelog $cl_version" >&2
    exit 1
  fi
  rm -rf "$stage"
  mkdir -p "$stage$lib" "$stage/usr/bin" "$stage/usr/share/doc/$name" "$stage/etc/switchboard" \
    "$stage/lib/systemd/system" "$stage/DEBIAN"
  # shellcheck disable=SC2086 # files is a list
  (cd "$src" && cp -r --parents $files package.json package-lock.json README.md "$stage$lib/")
  # Production dependencies only, exactly as locked; no install scripts run (none of them
  # needs one: no native modules, checked below).
  (cd "$stage$lib" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline \
    --loglevel=error >/dev/null)
  if find "$stage$lib/node_modules" -name '*.node' | grep -q .; then
    echo "package-node: $name: a native module in node_modules; the package cannot be arch all" >&2
    exit 1
  fi
  # npm's record of what it installed: state for npm, not for the package.
  rm -f "$stage$lib/node_modules/.package-lock.json"
  # Dependencies' tooling files (lintian errors: package-contains-npm-ignore-file,
  # package-contains-eslint-config-file), and execute bits on files that cannot be run.
  find "$stage$lib/node_modules" -type f \( -name .npmignore -o -name '.eslintrc*' \) -delete
  find "$stage$lib" -type f -perm /111 -print0 | while IFS= read -r -d '' f; do
    [[ $(head -c 2 "$f") == '#!' ]] || chmod a-x "$f"
  done
  if [[ $(head -c 2 "$stage$lib/$entry") == "#!" ]]; then chmod 0755 "$stage$lib/$entry"; fi
  mv "$stage$lib/README.md" "$stage/usr/share/doc/$name/README.md"
  printf '#!/bin/sh\n# %s: the installed %s, run with Debian'"'"'s node.\nexec /usr/bin/node %s/%s "$@"\n' \
    "$name" "$src/" "$lib" "$entry" >"$stage/usr/bin/$name"
  chmod 0755 "$stage/usr/bin/$name"

  gzip -9nc "packaging/node/$name.changelog" >"$stage/usr/share/doc/$name/changelog.gz"
  {
    cat packaging/copyright # the project's own files
    printf '\nFiles: usr/lib/%s/node_modules/*\nCopyright: the authors of each module\n' "$name"
    printf 'License: various\n Each production dependency under its own license, in its folder:\n'
    node -e '
      const fs = require("fs"), path = require("path");
      const out = new Set();
      const walk = (dir) => {
        for (const e of fs.readdirSync(dir)) {
          if (e.startsWith(".")) continue;
          const p = path.join(dir, e);
          if (e.startsWith("@")) { walk(p); continue; }
          const pj = path.join(p, "package.json");
          if (!fs.existsSync(pj)) continue;
          const j = JSON.parse(fs.readFileSync(pj, "utf8"));
          const lic = typeof j.license === "string" ? j.license : (j.license && j.license.type) || "see its folder";
          out.add(` ${j.name} ${j.version}: ${lic}`);
          if (fs.existsSync(path.join(p, "node_modules"))) walk(path.join(p, "node_modules"));
        }
      };
      walk(process.argv[1]);
      console.log([...out].sort().join("\n"));
    ' "$stage$lib/node_modules"
  } >"$stage/usr/share/doc/$name/copyright"
}

build_one switchboard-ingest ingest "src" src/main.js
build_one switchboard-bridge bridge "index.js src" src/main.js

# Per-package parts: unit, settings, maintainer scripts, control.
ING="$OUT/switchboard-ingest"
BRI="$OUT/switchboard-bridge"
install -m 0644 packaging/node/switchboard-ingest.service "$ING/lib/systemd/system/"
install -m 0644 "packaging/node/switchboard-bridge@.service" "$BRI/lib/systemd/system/"
# 0640: the ingest settings' group is switchboard-ingest (postinst, dpkg-statoverride);
# the bridge's stay root's (systemd hands them to the service as a credential).
install -m 0640 packaging/node/ingest.json "$ING/etc/switchboard/ingest.json"
install -m 0640 packaging/node/bridge.json "$BRI/etc/switchboard/bridge.json"
# The settings' 0640 is on purpose (lintian's non-standard-file-perm warning).
mkdir -p "$ING/usr/share/lintian/overrides" "$BRI/usr/share/lintian/overrides"
echo "switchboard-ingest: non-standard-file-perm 0640 != 0644 [etc/switchboard/ingest.json]" \
  >"$ING/usr/share/lintian/overrides/switchboard-ingest"
echo "switchboard-bridge: non-standard-file-perm 0640 != 0644 [etc/switchboard/bridge.json]" \
  >"$BRI/usr/share/lintian/overrides/switchboard-bridge"
echo /etc/switchboard/ingest.json >"$ING/DEBIAN/conffiles"
echo /etc/switchboard/bridge.json >"$BRI/DEBIAN/conffiles"

cat >"$ING/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	if ! getent passwd switchboard-ingest >/dev/null; then
		adduser --system --group --quiet --home /nonexistent --no-create-home \
			--gecos "Switchboard OpenTelemetry receiver" switchboard-ingest
	fi
	if ! dpkg-statoverride --list /etc/switchboard/ingest.json >/dev/null; then
		dpkg-statoverride --update --add root switchboard-ingest 0640 /etc/switchboard/ingest.json
	fi
fi
# Not enabled on install: the settings need a real pg_dsn first.
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
exit 0
EOF
cat >"$ING/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	deb-systemd-invoke stop switchboard-ingest.service >/dev/null || true
fi
exit 0
EOF
cat >"$ING/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
	if dpkg-statoverride --list /etc/switchboard/ingest.json >/dev/null; then
		dpkg-statoverride --remove /etc/switchboard/ingest.json
	fi
	rmdir --ignore-fail-on-non-empty /etc/switchboard 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
exit 0
EOF
cat >"$BRI/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
# A template unit: nothing to enable until an administrator names the PM2 user.
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
exit 0
EOF
cat >"$BRI/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
	rmdir --ignore-fail-on-non-empty /etc/switchboard 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
exit 0
EOF
chmod 0755 "$ING"/DEBIAN/p* "$BRI"/DEBIAN/p*

control() { # NAME DEPENDS SUMMARY DESCRIPTION
  local stage="$OUT/$1"
  cat >"$stage/DEBIAN/control" <<EOF
Package: $1
Version: $VERSION
Architecture: all
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $2
Section: net
Priority: optional
Description: $3
$4
EOF
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum >DEBIAN/md5sums)
}
control switchboard-ingest "nodejs (>= 18), adduser" \
  "OpenTelemetry receiver for the Switchboard console" \
  " Receives OTLP/HTTP traces (JSON or protobuf) from instrumented AI agents and
 writes the Switchboard contract: live session state in Redis, spans, sessions
 and recovery events in Postgres. Runs as the systemd service
 switchboard-ingest, configured in /etc/switchboard/ingest.json."
control switchboard-bridge "nodejs (>= 18)" \
  "PM2 bridge for the Switchboard console" \
  " Publishes one host's PM2 processes to Redis and runs the console's reload and
 restart commands after checking their audit row in Postgres. Runs next to the
 host's PM2 daemon as switchboard-bridge@USER (the daemon's user), configured in
 /etc/switchboard/bridge.json; PM2 7 is included for its programmatic API."

DEBS=()
for name in switchboard-ingest switchboard-bridge; do
  deb="$OUT/${name}_${VERSION}_all.deb"
  dpkg-deb --build --root-owner-group -Zxz "$OUT/$name" "$deb" >/dev/null
  DEBS+=("$deb")
  echo "package-node: built ${deb#"$ROOT"/} ($(du -k "$deb" | cut -f1) KiB)"
done
echo "package-node: built in $(($(date +%s) - start)) s"
[[ "${1:-}" == "--build" ]] && exit 0
bash scripts/check-node-packages.sh "${DEBS[@]}"
echo "package-node: built and checked in $(($(date +%s) - start)) s"
