#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Query a DPDK application's telemetry socket (v2 protocol: SOCK_SEQPACKET,
# the server greets with a JSON object holding max_output_len, then answers
# one JSON reply per command). Used by the guest tests and demo.sh to read
# the backends' /vhost_device/... counters.
"""usage: telemetry.py (--prefix FILE_PREFIX | --socket PATH) [--field NAME] COMMAND...
       telemetry.py (--prefix FILE_PREFIX | --socket PATH) --dump

Prints each reply as one JSON line, or with --field only that top-level
field of the command's reply (e.g. requests of /vhost_device/stats,0).
--dump prints, for every device of /vhost_device/list, its info, stats and
queues replies (what a stalled guest is diagnosed from).
Exit status 1 if the socket is missing
or a reply is not JSON."""
import glob
import json
import os
import socket
import sys


def find_socket(prefix):
    # The runtime dir is /var/run/dpdk/<prefix> for root, else under
    # $XDG_RUNTIME_DIR or /tmp; look in each.
    bases = ["/var/run/dpdk", "/run/dpdk"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        bases.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk"))
    bases.append("/tmp/dpdk")
    for b in bases:
        found = sorted(glob.glob(os.path.join(b, prefix, "dpdk_telemetry.v*")))
        if found:
            return found[-1]
    return None


def main(argv):
    path = None
    prefix = None
    cmds = []
    field = None
    dump = False
    it = iter(argv)
    for a in it:
        if a == "--socket":
            path = next(it, None)
        elif a == "--field":
            field = next(it, None)
        elif a == "--prefix":
            prefix = next(it, None)
        elif a == "--dump":
            cmds.append("/vhost_device/list")
            dump = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            cmds.append(a)
    if path is None and prefix:
        path = find_socket(prefix)
    if not path or not cmds:
        print("telemetry.py: error: no telemetry socket found%s" %
              (" for prefix " + prefix if prefix else "") if cmds else
              "telemetry.py: error: no command given", file=sys.stderr)
        return 1
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(path)
        hello = json.loads(s.recv(4096).decode())
        maxlen = int(hello.get("max_output_len", 16384))
        if dump:
            s.send(b"/vhost_device/list")
            ids = json.loads(s.recv(maxlen).decode()).get("/vhost_device/list") or {}
            cmds = ["/vhost_device/%s,%s" % (what, i) for i in sorted(ids, key=int)
                    for what in ("info", "stats", "queues")]
        for c in cmds:
            s.send(c.encode())
            reply = s.recv(maxlen).decode()
            data = json.loads(reply)
            if field is None:
                print(json.dumps(data, sort_keys=True))
                continue
            # The reply is {"<command>": <value>}; the command key drops
            # the parameters.
            value = data.get(c.split(",")[0])
            if not isinstance(value, dict) or field not in value:
                print("telemetry.py: error: no field %s in reply to %s: %s" %
                      (field, c, reply), file=sys.stderr)
                return 1
            print(value[field])
    except (OSError, ValueError) as e:
        print("telemetry.py: error: %s: %s" % (path, e), file=sys.stderr)
        return 1
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
