#!/usr/bin/env python3
"""Seeds the identity and node part of the leasing benchmark through the HTTP API (stdlib only).

Creates OWNERS owner projects (`bench-o000`...), each with one user holding role `owner`, LESSEES lessee
projects (`bench-l000`...), each with one user holding role `lessee`, and NODES fake-hardware nodes
(`bench-n00000`...; node i is owned by owner project i mod OWNERS, no lessee). It logs every user in and
writes the tokens one per line to --owner-tokens / --lessee-tokens (admin token to --admin-token).
Offers, leases and bookings are then written by bench/leasing-seed.sql straight into PostgreSQL.

Reuses the HTTP client of bench/seed.py (the node-list benchmark's seeder).

Usage: leasing-seed.py --url URL --admin-password PW --owner-tokens F --lessee-tokens F --admin-token F
                       [--owners 25] [--lessees 25] [--nodes 10000] [--workers 16]
"""
import argparse
import concurrent.futures as cf
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import Api  # noqa: E402  (bench/seed.py)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--owner-tokens", required=True)
    ap.add_argument("--lessee-tokens", required=True)
    ap.add_argument("--admin-token", required=True)
    ap.add_argument("--owners", type=int, default=25)
    ap.add_argument("--lessees", type=int, default=25)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=16)
    a = ap.parse_args()
    api = Api(a.url.rstrip("/"))
    t0 = time.monotonic()
    admin = api.login("admin", a.admin_password, project_name="admin")

    def run(fn, items):
        with cf.ThreadPoolExecutor(a.workers) as pool:
            return list(pool.map(fn, items))

    def mk_project(name):
        _, doc = api.call("POST", "/identity/v3/projects", admin,
                          {"project": {"name": name, "description": "leasing benchmark"}}, expect=(201,))
        return doc["project"]["id"]

    def mk_user(args):
        name, pid, role = args
        _, doc = api.call("POST", "/identity/v3/users", admin,
                          {"user": {"name": name, "password": "pw-" + name, "default_project_id": pid}},
                          expect=(201,))
        api.call("PUT", f"/identity/v3/projects/{pid}/users/{doc['user']['id']}/roles/{role}", admin, expect=(204,))
        return name

    owners = run(mk_project, [f"bench-o{i:03d}" for i in range(a.owners)])
    lessees = run(mk_project, [f"bench-l{i:03d}" for i in range(a.lessees)])
    owner_users = run(mk_user, [(f"bench-uo{i:03d}", owners[i], "owner") for i in range(a.owners)])
    lessee_users = run(mk_user, [(f"bench-ul{i:03d}", lessees[i], "lessee") for i in range(a.lessees)])
    print(f"seed: {a.owners} owner + {a.lessees} lessee projects and users ({time.monotonic() - t0:.1f}s)", flush=True)

    done = [0]

    def mk_node(i):
        body = {"name": f"bench-n{i:05d}", "driver": "fake-hardware", "resource_class": "bench",
                "owner": owners[i % a.owners], "properties": {"cpus": 16, "memory_mb": 65536, "local_gb": 480}}
        api.call("POST", "/baremetal/v1/nodes", admin, body, expect=(201,))
        done[0] += 1
        if done[0] % 2000 == 0:
            print(f"seed: {done[0]} nodes ({time.monotonic() - t0:.1f}s)", flush=True)

    run(mk_node, range(a.nodes))
    print(f"seed: {a.nodes} nodes ({time.monotonic() - t0:.1f}s)", flush=True)

    otok = run(lambda i: api.login(owner_users[i], "pw-" + owner_users[i], project_id=owners[i]), range(a.owners))
    ltok = run(lambda i: api.login(lessee_users[i], "pw-" + lessee_users[i], project_id=lessees[i]), range(a.lessees))
    for path, toks in ((a.owner_tokens, otok), (a.lessee_tokens, ltok), (a.admin_token, [admin])):
        with open(path, "w") as f:
            f.write("\n".join(toks) + "\n")
    print(f"seed: tokens written; HTTP seeding done in {time.monotonic() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(130))
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"seed: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
