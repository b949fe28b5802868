# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
# shellcheck shell=dash
#
# Guest side of all.sh: the rng, gpio and i2c guest scripts one after the
# other in one guest that has all three devices. Exit status: how many of
# them failed.
failed=0
for t in rng gpio i2c; do
	echo "----- $t"
	if ! /bin/dash "/vhd-test/$t-guest.sh"; then
		echo "----- $t FAILED"
		failed=$((failed + 1))
	fi
done
exit "$failed"
