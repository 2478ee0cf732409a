#!/usr/bin/env python3
"""On-demand reads through the API of a running station (meterhub serve --api with
meterhub sim run as the field): the latency of POST /api/v1/reads for one meter's +A
register, one read at a time, first with the station idle (baseline), then while the
collection round of yesterday's daily freezes runs (subject) — on-demand requests go
ahead of the round's in each terminal's queue, so the two should match. The field's
simulated channel latency is part of every figure (the demo scenario: 200-1500 ms).
Prints `name value unit ratio` lines. Not run by CTest.
Usage: bench_api_reads.py METERHUB SCENARIO [READS]"""
import json, os, re, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.request

mh, scen = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100


def station(extra):
    """Latencies (ms) of n reads, and the round's log lines, for a station run with extra."""
    d = tempfile.mkdtemp(prefix="mh_bench_reads_")
    db = d + "/s.db"
    run = lambda *a: subprocess.run([mh, *a], check=True, capture_output=True, text=True)
    run("sim", "archive", scen, "--out", d + "/a.csv")
    run("archive", "import", d + "/a.csv", "--db", db)
    tok = run("api", "token", "add", "bench", "--role", "operator", "--db", db).stdout.strip()
    err = open(d + "/err", "w+")
    srv = subprocess.Popen([mh, "serve", "--db", db, "--listen", "127.0.0.1:0", "--no-schedule",
                            "--api", "127.0.0.1:0", "--login-timeout-ms", "3000", *extra],
                           env=dict(os.environ, MH_LOG="info"), stderr=err,
                           stdout=subprocess.DEVNULL)
    sim = None
    try:
        for _ in range(100):
            log = open(d + "/err").read()
            m1 = re.search(r"listening on 127\.0\.0\.1:(\d+)", log)
            m2 = re.search(r"api on http://127\.0\.0\.1:(\d+)", log)
            if m1 and m2:
                break
            time.sleep(0.1)
        base = "http://127.0.0.1:" + m2.group(1)
        sim = subprocess.Popen([mh, "sim", "run", scen, "--master", "127.0.0.1:" + m1.group(1),
                                "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def call(method, path, body=None):
            req = urllib.request.Request(
                base + path, data=json.dumps(body).encode() if body else None, method=method,
                headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())

        time.sleep(8)  # the field logs in
        on = {t["id"] for t in call("GET", "/api/v1/terminals?online=1&limit=1000")[1]["items"]}
        meters = call("GET", "/api/v1/meters?limit=1000")[1]["items"]
        ids = [m["id"] for m in meters if m["terminal"] in on]
        ids = ids[::max(1, len(ids) // 50)]
        lat = []
        for i in range(n):
            t0 = time.perf_counter()
            st, _ = call("POST", "/api/v1/reads", {"meter": ids[i % len(ids)], "items": ["1.0.1.8.0"]})
            if st == 200:
                lat.append((time.perf_counter() - t0) * 1000)
        rounds = [l for l in open(d + "/err").read().splitlines() if "round" in l]
        return sorted(lat), len(on), rounds
    finally:
        if sim:
            sim.kill()
            sim.wait()
        srv.terminate()
        srv.wait()
        shutil.rmtree(d, ignore_errors=True)


def pct(v, p):
    return v[min(len(v) - 1, len(v) * p // 100)]


idle, on_idle, _ = station([])
busy, on_busy, rounds = station(["--round", "yesterday", "--timeout-ms", "5000"])
print("# %d reads each; terminals online %d / %d; %s" % (n, on_idle, on_busy,
                                                       rounds[-1] if rounds else "no round line"))
for p in (50, 90, 99):
    print("api_read_p%d_idle %.1f ms -" % (p, pct(idle, p)))
    print("api_read_p%d_during_round %.1f ms %.3f" % (p, pct(busy, p), pct(busy, p) / pct(idle, p)))
print("api_read_ok_idle %d reads -" % len(idle))
print("api_read_ok_during_round %d reads -" % len(busy))
