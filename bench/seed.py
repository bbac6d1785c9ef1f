#!/usr/bin/env python3
"""Seeds an ESI server for the node-list benchmark through its HTTP API (stdlib only).

Creates N projects, one user with role `owner` per project, M fake-hardware nodes spread over the
projects as owner (every LESSEE_EVERY-th node also gets a lessee from another project), then logs
every user in and writes one token per line to --tokens (the admin token to --admin-token).

Usage: seed.py --url http://127.0.0.1:PORT --admin-password PW --tokens FILE --admin-token FILE
               [--projects 50] [--nodes 1000] [--lessee-every 5] [--workers 16]
"""
import argparse
import concurrent.futures as cf
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None, expect=(200,)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("X-Auth-Token", token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for attempt in range(5):
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, headers, raw = r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                status, headers, raw = e.code, e.headers, e.read()
            except (urllib.error.URLError, ConnectionError) as e:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            if status in expect:
                return headers, (json.loads(raw) if raw else None)
            if status in (429, 503) and attempt < 4:
                time.sleep(0.5 * (attempt + 1))
                continue
            raise RuntimeError(f"{method} {path}: HTTP {status} (wanted {expect}): {raw[:500]!r}")
        raise RuntimeError(f"{method} {path}: gave up")

    def login(self, user, password, project_id=None, project_name=None):
        scope = {"id": project_id} if project_id else {"name": project_name, "domain": {"id": "default"}}
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {
                "user": {"name": user, "password": password, "domain": {"id": "default"}}}},
            "scope": {"project": scope}}}
        headers, _ = self.call("POST", "/identity/v3/auth/tokens", body=body, expect=(201,))
        return headers["X-Subject-Token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--admin-token", required=True)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--lessee-every", type=int, default=5)
    ap.add_argument("--workers", type=int, default=16)
    a = ap.parse_args()
    api = Api(a.url.rstrip("/"))
    t0 = time.monotonic()

    admin = api.login("admin", a.admin_password, project_name="admin")

    def run(fn, items):
        with cf.ThreadPoolExecutor(a.workers) as pool:
            return list(pool.map(fn, items))

    def mk_project(i):
        _, doc = api.call("POST", "/identity/v3/projects", admin,
                          {"project": {"name": f"bench-p{i:03d}", "description": "node-list benchmark"}},
                          expect=(201,))
        return doc["project"]["id"]

    projects = run(mk_project, range(a.projects))
    print(f"seed: {len(projects)} projects ({time.monotonic() - t0:.1f}s)", flush=True)

    def mk_user(i):
        name, pid = f"bench-u{i:03d}", projects[i]
        _, doc = api.call("POST", "/identity/v3/users", admin,
                          {"user": {"name": name, "password": "pw-" + name, "default_project_id": pid}},
                          expect=(201,))
        uid = doc["user"]["id"]
        api.call("PUT", f"/identity/v3/projects/{pid}/users/{uid}/roles/owner", admin, expect=(204,))
        return name

    users = run(mk_user, range(a.projects))
    print(f"seed: {len(users)} users with role owner ({time.monotonic() - t0:.1f}s)", flush=True)

    def mk_node(i):
        p = i % a.projects
        body = {"name": f"bench-n{i:04d}", "driver": "fake-hardware", "resource_class": "bench",
                "owner": projects[p], "properties": {"cpus": 16, "memory_mb": 65536, "local_gb": 480}}
        if a.lessee_every > 0 and i % a.lessee_every == 0 and a.projects > 1:
            # another project: offset 1..projects-1 from the owner, varied across nodes
            body["lessee"] = projects[(p + 1 + (i // a.projects) % (a.projects - 1)) % a.projects]
        api.call("POST", "/baremetal/v1/nodes", admin, body, expect=(201,))
        return 1 if "lessee" in body else 0

    leased = sum(run(mk_node, range(a.nodes)))
    print(f"seed: {a.nodes} nodes ({leased} with a lessee) ({time.monotonic() - t0:.1f}s)", flush=True)

    tokens = run(lambda i: api.login(users[i], "pw-" + users[i], project_id=projects[i]), range(a.projects))
    print(f"seed: {len(tokens)} user tokens ({time.monotonic() - t0:.1f}s)", flush=True)

    # Sanity: every token lists nodes with 200; admin sees everything, a user only owned/leased ones.
    _, doc = api.call("GET", f"/baremetal/v1/nodes?limit={a.nodes + 1}", admin)
    if len(doc["nodes"]) != a.nodes:
        raise RuntimeError(f"admin sees {len(doc['nodes'])} nodes, expected {a.nodes}")
    seen = []
    for t in tokens:
        _, doc = api.call("GET", f"/baremetal/v1/nodes?limit={a.nodes + 1}", t)
        seen.append(len(doc["nodes"]))
    print(f"seed: check ok: admin sees {a.nodes} nodes, a project user sees {min(seen)}..{max(seen)}", flush=True)

    with open(a.tokens, "w") as f:
        f.write("\n".join(tokens) + "\n")
    with open(a.admin_token, "w") as f:
        f.write(admin + "\n")
    print(f"seed: done in {time.monotonic() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    # Ctrl-C / TERM: stop at once (worker threads would otherwise finish the whole queue first).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(130))
    try:
        main()
    except Exception as e:  # noqa: BLE001 - one clear line for the shell script
        print(f"seed: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
