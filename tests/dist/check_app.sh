#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# One app's printing options and the files the build made from its help
# table: --version, the manual page against --help (the same options, every
# section, no groff warning) and the bash completion.
# Usage: check_app.sh DEV EXE MANPAGE COMPLETION PROJECT_VERSION
set -u
dev=$1 exe=$2 man=$3 comp=$4 version=$5
name=vhost-device-$dev
tmp=$(mktemp -d /tmp/vhd-check-app.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $name: $*" >&2; failed=1; }

# --version: ours, then DPDK's; printed before EAL starts, so even an EAL
# option EAL would refuse does not stop it.
"$exe" --version >"$tmp/v" 2>&1 || fail "--version exited $?"
head -n 1 "$tmp/v" | grep -Eq "^$name $version( \(git [0-9a-zA-Z._+-]+\))?\$" ||
	fail "--version line 1: $(head -n 1 "$tmp/v")"
sed -n 2p "$tmp/v" | grep -Eq '^DPDK [0-9]+\.[0-9]+\.[0-9]+.* \(built with [0-9.]+\)$' ||
	fail "--version line 2: $(sed -n 2p "$tmp/v")"
[ "$(wc -l <"$tmp/v")" -eq 2 ] || fail "--version: $(wc -l <"$tmp/v") lines"
"$exe" --no-such-eal-option -- --version >"$tmp/v2" 2>&1 || fail "-- --version exited $?"
cmp -s "$tmp/v" "$tmp/v2" || fail "--version after EAL options differs"
# A value that looks like --version is a value, not the option.
"$exe" --socket-path --version --no-such-option >"$tmp/v3" 2>&1 &&
	fail "--socket-path --version --no-such-option exited 0"
grep -q "^error: unknown option --no-such-option" "$tmp/v3" ||
	fail "value --version: $(cat "$tmp/v3")"

# --help's options (long names, as listed at the start of a line) and the
# manual page's (.TP entries of OPTIONS and COMMON OPTIONS) are the same.
"$exe" --help >"$tmp/help" 2>&1 || fail "--help exited $?"
grep -Eo '^  (-[a-zA-Z0-9], |    )--[a-z0-9-]+' "$tmp/help" | sed 's/.*--//' | sort >"$tmp/h.opts"
awk '/^\.SH /{sec=$0} /^\.TP/{getline; if (sec ~ /^\.SH (COMMON )?OPTIONS/) print}' "$man" |
	grep -Eo '^(\\fB\\-[a-zA-Z0-9]\\fR, )?\\fB\\-\\-([a-z0-9-]|\\-)+' |
	sed 's/.*\\fB\\-\\-//; s/\\-/-/g' | sort >"$tmp/m.opts"
[ -s "$tmp/h.opts" ] || fail "no options in --help"
diff "$tmp/h.opts" "$tmp/m.opts" >"$tmp/d" || fail "--help and $name.1 list different options:
$(cat "$tmp/d")"
for o in help version socket-path; do
	[ "$dev" = vsock ] && [ "$o" = socket-path ] && o=socket
	grep -qx -- "$o" "$tmp/h.opts" || fail "--help lacks --$o"
done
for sec in NAME SYNOPSIS DESCRIPTION 'EAL OPTIONS' OPTIONS 'COMMON OPTIONS' EXAMPLES \
	'EXIT STATUS' TELEMETRY FILES 'SEE ALSO'; do
	grep -qx "\.SH $sec" "$man" || fail "$name.1 has no $sec section"
done
# NAME is one line, "NAME \- summary" (whatis, apropos).
[ "$(sed -n '/^\.SH NAME$/{n;n;p;q}' "$man")" = ".SH SYNOPSIS" ] &&
	sed -n '/^\.SH NAME$/{n;p;q}' "$man" | grep -q "^$name \\\\- [^ ]" ||
	fail "$name.1: NAME is not one 'name \\- summary' line"
grep -q '^qemu\\-system\\-x86_64 ' "$man" || fail "$name.1: no QEMU command line"
grep -q 'memory\\-backend\\-memfd,.*share=on' "$man" || fail "$name.1: no shared memfd memory"
grep -q '/vhost_device/stats' "$man" || fail "$name.1: no telemetry commands"
# The man page is what --print-man prints now.
"$exe" --print-man | grep -v '^\.TH ' >"$tmp/man.now"
grep -v '^\.TH ' "$man" | cmp -s - "$tmp/man.now" || fail "$name.1 is not --print-man's output"
# groff's own check, as lintian runs it.
LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man" \
	>/dev/null 2>"$tmp/groff" || fail "man -l $name.1 failed"
[ ! -s "$tmp/groff" ] || fail "groff warnings in $name.1: $(cat "$tmp/groff")"

# Completion: valid bash; completes a long option, --mode's values and, after
# a PATH option, file names.
bash -n "$comp" || fail "completion script: syntax"
complete_words() { # words..., completes the last one
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		f=$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\) .*/\1/"); $f;
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
complete_words "$name" -- --hel | grep -qx -- --help || fail "completion of --hel"
complete_words "$name" -- --mode "" | sort | tr '\n' ' ' | grep -qx 'hybrid interrupt poll ' ||
	fail "completion of --mode values"
complete_words "$name" --fil | grep -qx -- --file-prefix || fail "completion of EAL --fil"
if grep -q -- '--socket-path PATH' "$tmp/help"; then
	mkdir "$tmp/dir" && : >"$tmp/dir/vm1.sock"
	complete_words "$name" -- --socket-path "$tmp/dir/vm" | grep -qx "$tmp/dir/vm1.sock" ||
		fail "completion of a file after --socket-path"
fi

[ "$failed" -eq 0 ] && echo "$name: --version, --help, $name.1, completion agree"
exit "$failed"
