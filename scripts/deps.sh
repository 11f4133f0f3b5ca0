#!/usr/bin/env bash
# Install every Debian package the suite needs; idempotent and quiet when
# nothing is missing. Usage: scripts/deps.sh [PACKAGE...] (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' scripts/deps.txt)
fi

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${#missing[@]} Debian package(s): ${missing[*]}"
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the lists when they are missing or a package is unknown to them.
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/lrbench-deps.log 2>&1; then
	echo "deps: apt-get update"
	$sudo apt-get update -q >>/tmp/lrbench-deps.log 2>&1
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/lrbench-deps.log 2>&1 || {
		tail -20 /tmp/lrbench-deps.log >&2
		echo "deps: apt-get install failed (log: /tmp/lrbench-deps.log)" >&2
		exit 1
	}
fi
echo "deps: done"
