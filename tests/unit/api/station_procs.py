#!/usr/bin/env python3
"""On-demand reads across front-end processes, end to end over real sockets:
`meterhub serve --procs 2 --api` (worker 0 alone serves the API) with
`meterhub sim run` as the field. Every terminal's meter is read through the
API, whichever worker holds the terminal: each read answers 200 with values
read from the field right then (the energy register within the simulator's
range, the voltage near nominal) and stored by the worker that read it;
worker 0 forwarded some reads and worker 1 ran them (the mesh's counters).
With worker 1 stopped (SIGSTOP, so it cannot restart) a read of its
terminal answers 503 within a bounded wait, never hangs.
Usage: station_procs.py METERHUB_BINARY SCENARIO"""
import json, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_lib

mh, scenario = sys.argv[1], sys.argv[2]
env = dict(os.environ, MH_LOG="info")
call = station_lib.call


def run(*args):
    return subprocess.run([mh, *args], env=env, check=True, capture_output=True, text=True)


def terminals(base, tok):
    st, body, _ = call(base, "GET", "/api/v1/terminals", tok)
    assert st == 200, (st, body)
    return json.loads(body)["items"]


with tempfile.TemporaryDirectory() as d:
    db = os.path.join(d, "s.db")
    run("sim", "archive", scenario, "--out", os.path.join(d, "a.csv"))
    run("archive", "import", os.path.join(d, "a.csv"), "--db", db)
    ops = run("api", "token", "add", "ops", "--role", "operator", "--db", db).stdout.strip()
    view = run("api", "token", "add", "view", "--role", "viewer", "--db", db).stdout.strip()

    srv, err, port, api = station_lib.serve(mh, env, d, db, "--timeout-ms", "2000", "--procs", "2")
    sim = None
    try:
        base = "http://127.0.0.1:%d" % api
        sim = subprocess.Popen([mh, "sim", "run", scenario, "--master", "127.0.0.1:" + port,
                                "--quiet"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        end = time.time() + 30
        while not all(t["online"] for t in terminals(base, view)):
            assert time.time() < end, terminals(base, view)
            time.sleep(0.2)

        st, body, _ = call(base, "GET", "/api/v1/meters?limit=1000", view)
        meters = json.loads(body)["items"]
        items = ["1.0.1.8.0", "1.0.32.7.0"]
        done = 0
        for t in terminals(base, view):
            mid = [m for m in meters if m["terminal"] == t["id"]][0]["id"]
            station_lib.read_checked(base, ops, view, mid, items, t)
            done += 1
        print("on-demand reads through worker 0: %d terminals, all done" % done)

        # Worker 1 stopped: a read of one of its terminals answers 503 after a bounded wait.
        log = open(err.name).read()
        w1 = int(re.search(r"worker 1 started \(pid (\d+)\)", log).group(1))
        os.kill(w1, signal.SIGSTOP)
        try:
            answered = None
            for t in terminals(base, view):
                mid = [m for m in meters if m["terminal"] == t["id"]][0]["id"]
                t0 = time.time()
                st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                                   {"meter": mid, "items": items, "timeout_ms": 20000})
                if st == 503:
                    answered = time.time() - t0
                    assert "did not take the read" in body, body
                    break
                assert st == 200, (st, body)
            assert answered is not None and answered < 10, answered
            print("read of a stopped worker's terminal: 503 after %.1f s" % answered)
        finally:
            os.kill(w1, signal.SIGCONT)
    finally:
        if sim:
            sim.terminate()
            sim.wait()
        srv.send_signal(signal.SIGTERM)
        rc = srv.wait(timeout=120)
    log = open(err.name).read()
    assert rc == 0, log[-3000:]
    counts = re.findall(r"mesh: (\d+) reads and \d+ requests forwarded \((\d+) answered, (\d+) expired, "
                        r"\d+ lost with a restarted worker\); (\d+) reads and \d+ requests run for others", log)
    assert len(counts) == 2, log[-3000:]
    sent = sum(int(c[0]) for c in counts)
    served = sum(int(c[3]) for c in counts)
    assert sent >= 2 and served >= 1 and sum(int(c[2]) for c in counts) >= 1, counts
    print("station procs: ok (forwarded %d, run by the owner %d)" % (sent, served))
