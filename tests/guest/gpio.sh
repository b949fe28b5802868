#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Guest test for vhost-device-gpio with a simulated 8-line chip: the guest's
# gpiod 1.6.3 tools see the right chip, line count and names, read levels the
# host drives through the control socket, drive outputs the host reads back,
# and get edge events when the host toggles an input (gpio-guest.sh is the
# guest side). Run with the default (interrupt) and poll modes. The backend's
# telemetry must account for the requests, and it must exit 0 on SIGTERM.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/lib.sh"

guest_modes gpio gpio_after :
finish gpio
