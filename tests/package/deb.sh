#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# The Debian packages, end to end: dpkg-buildpackage -us -uc -b in a
# temporary copy of the tree (no tests inside: nocheck), lintian clean at
# warning level, every package installed with dpkg into a throwaway root,
# then from the installed paths: each binary's --help and --version, an rng
# round trip (vhd-perf from the build tree as the frontend), and the
# packaged systemd units started by a private systemd (tests/dist/systemd.sh).
# Usage: deb.sh SRC VHD_PERF
set -u
src=$1 perf=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/vhd-deb.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
t0=$(date +%s)
step() { echo "deb: $* ($(( $(date +%s) - t0 )) s)"; }

for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null || { echo "FAIL: $t missing (scripts/deps.sh installs it)"; exit 1; }
done

# The tree as git sees it (tracked and new files, not ignored: no build
# directories), or everything but build*/ outside git.
mkdir "$tmp/vhost-device"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"; done) |
		tar -C "$src" --null -T - -cf - | tar -C "$tmp/vhost-device" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$tmp/vhost-device" -xf -
fi
[ -f "$tmp/vhost-device/debian/control" ] || { echo "FAIL: no debian/ in the copy"; exit 1; }

# Build: no test suites, no debug symbol packages, two jobs at most.
if ! (cd "$tmp/vhost-device" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
	nice -n 19 dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1); then
	tail -n 40 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
step "built: $(cd "$tmp" && echo *.deb)"

# One package per app (the template excepted) and the common one.
want=$(sed -n 's/^Package: //p' "$tmp/vhost-device/debian/control" | sort)
apps=$(sed -n "s/^apps = \[\(.*\)\]/\1/p" "$src/app/meson.build" | tr -d "' " | tr , '\n' |
	grep -vx template | sed 's/^/vhost-device-/')
[ "$(printf '%s\n' vhost-device-common $apps | sort)" = "$want" ] ||
	fail "debian/control's packages ($want) are not vhost-device-common plus one per app ($apps)"
for p in $want; do
	ls "$tmp/$p"_*.deb >/dev/null 2>&1 || fail "no $p package built"
done

if ! lintian --fail-on warning,error "$tmp"/vhost-device_*.changes >"$tmp/lintian" 2>&1; then
	fail "lintian: $(grep -v 'root privileges' "$tmp/lintian")"
fi
step "lintian: $(grep -c '^[EWIP]:' "$tmp/lintian") tags"

# Install into a throwaway root. Dependencies are the machine's: each must be
# installed here (checked), dpkg is told not to look for them in the root.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
for deb in "$tmp"/*.deb; do
	dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/([^)]*)//g; s/:any//; s/ //g' |
		while read -r alt; do
			[ -n "$alt" ] || continue
			case $alt in vhost-device-*) continue ;; esac
			ok=0
			for a in ${alt//|/ }; do
				dpkg-query -W -f='${Status}' "$a" 2>/dev/null | grep -q "ok installed" &&
					ok=1
			done
			[ "$ok" = 1 ] || echo "FAIL: ${deb##*/} depends on $alt, not installed here" >&2
		done
done 2>"$tmp/deps"
[ ! -s "$tmp/deps" ] || fail "$(cat "$tmp/deps")"
if ! dpkg --root="$root" --force-not-root --force-depends --log=/dev/null \
	-i "$tmp"/*.deb >"$tmp/dpkg.log" 2>&1; then
	cat "$tmp/dpkg.log"
	fail "dpkg -i into $root"
fi
dpkg --root="$root" -l 'vhost-device-*' 2>/dev/null | grep -c '^ii' >"$tmp/n"
[ "$(cat "$tmp/n")" -eq "$(echo "$want" | wc -l)" ] ||
	fail "$(cat "$tmp/n") packages installed, $(echo "$want" | wc -l) built"
step "installed into $root"

# Each installed binary: --help and --version.
for p in $apps; do
	b=$root/usr/bin/$p
	"$b" --help >"$tmp/help" 2>&1 && grep -q "^Usage: $b " "$tmp/help" || fail "$p --help"
	"$b" --version | head -n 1 | grep -q "^$p " || fail "$p --version"
	[ -f "$root/usr/share/man/man1/$p.1.gz" ] || fail "$p: no manual page"
	[ -f "$root/lib/systemd/system/$p@.service" ] || fail "$p: no unit"
done
for f in README.md docs/libvirt.md docs/writing-a-device.md; do
	[ -f "$root/usr/share/doc/vhost-device/$f" ] || fail "no $f in vhost-device-common"
done

# An rng round trip from the installed binary.
sock=$tmp/rng.sock
"$root/usr/bin/vhost-device-rng" --no-huge -m 64 --no-pci --no-shconf -l 0 \
	--file-prefix "vhd-deb-$$" -- -s "$sock" --mode interrupt >"$tmp/rng.log" 2>&1 &
pid=$!
if "$perf" -d rng -s "${sock}0" --connect-ms 15000 -n 200 -w 10 -S notify -b 64 --no-floor \
	--quiet; then
	step "rng round trip through $root/usr/bin/vhost-device-rng"
else
	fail "rng round trip through the installed vhost-device-rng: $(cat "$tmp/rng.log")"
fi
kill -TERM "$pid"
wait "$pid" || fail "installed vhost-device-rng exited $? on SIGTERM"
pid=

# The packaged units, for real.
"$here/../dist/systemd.sh" "$root" /usr/bin /lib/systemd/system "$perf"
case $? in
0) step "packaged units started by a private systemd" ;;
77) step "packaged units: no private systemd here (dist-install verifies them)" ;;
*) fail "packaged systemd units" ;;
esac

[ "$failed" -eq 0 ] && echo "deb: $(echo "$want" | wc -w) packages built, lintian clean," \
	"installed and run ($(( $(date +%s) - t0 )) s)"
exit "$failed"
