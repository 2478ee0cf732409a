#!/usr/bin/env python3
"""Commands across front-end processes, end to end over real sockets:
`meterhub serve --procs 2 --api` (worker 0 alone serves the API and runs the
command engine) with `meterhub sim run` as the field
(station_procs_control.json: a DL/T 698.45 and a Q/GDW 1376.1
special-transformer terminal held by worker 1, a 1376.1 one by worker 0).
- Trips and closes of worker 1's terminals through worker 0's API end DONE
  with the device's state read back, as those of worker 0's own terminal do;
  the 698.45 user's load, read on demand, falls to zero after the trip and
  comes back after the close (a 1376.1 terminal reports a large user's
  power as "no data", beyond A.9); each command is audited once (one
  "submitted" and one "finished" row, one API row), by the one engine.
- A trip to worker 1's 1376.1 terminal while it stops answering and then
  drops its connection ends UNCONFIRMED ("offline"), never done.
- A trip in flight when worker 1 is killed (SIGKILL) ends UNCONFIRMED within
  a few seconds (the restarted worker's hello), not at the forwarding's limit.
- A plan by the clock whose user is on worker 1's 698.45 terminal is
  measured, commanded (float-down, DONE by read-back) and released at its
  window's end (DONE) by worker 0's runner.
- Prepayment: an account in arrears on that terminal is tripped by worker
  0's settlement after a round (DONE, by "prepay") and closed by a top-up.
Usage: station_procs_control.py METERHUB_BINARY SCENARIO"""
import datetime, json, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_lib

mh, scenario = sys.argv[1], sys.argv[2]
env = dict(os.environ, MH_LOG="info")
call = station_lib.call_json
settle = station_lib.command_settled
M64 = (1 << 64) - 1


def run(*args):
    return station_lib.run_cli(mh, env, *args)


def owner(terminal_id, n):
    """collect_owner (src/collect/collector.c): splitmix64's finaliser of the archive id, mod n."""
    z = (terminal_id + 0x9e3779b97f4a7c15) & M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return (z ^ (z >> 31)) % n


online = station_lib.terminals_online


def power_w(base, ops, meter):
    """A 698.45 meter's active power total (2004) read now through the API (forwarded to its
    worker), in W."""
    st, text, _ = station_lib.call(base, "POST", "/api/v1/reads", ops, {"meter": meter, "items": ["1.0.1.7.0"]})
    assert st == 200, (st, text)
    job = json.loads(text)
    assert job["status"] == "done" and len(job["values"]) == 1, job
    return float(job["values"][0]["value"]) * 1000


def power_until(base, ops, meter, ok, what, secs=75):
    """Read until ok(W): the terminal answers current data from its own reading of the meter,
    so a trip may show only at its next reading."""
    end = time.time() + secs
    while True:
        w = power_w(base, ops, meter)
        if ok(w):
            return w
        assert time.time() < end, (what, w)
        time.sleep(0.5)


def command(base, ops, kind, terminal, reason):
    st, c = call(base, "POST", "/api/v1/commands", ops,
                 {"kind": kind, "targets": [{"terminal": terminal, "pn": 1}], "reason": reason})
    assert st == 202 and c["state"] in ("sent", "finished"), (st, c)
    return c


def took_ms(c):
    """From the command's creation to its end, by the engine's own clock (ms)."""
    def ms(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    return ms(c["finished"]) - ms(c["created"])


def start_sim(port):
    return subprocess.Popen([mh, "sim", "run", scenario, "--master", "127.0.0.1:" + port, "--quiet"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


with tempfile.TemporaryDirectory() as d:
    db = os.path.join(d, "s.db")
    run("sim", "archive", scenario, "--out", os.path.join(d, "a.csv"))
    run("archive", "import", os.path.join(d, "a.csv"), "--db", db)
    ops = run("api", "token", "add", "ops", "--role", "operator", "--db", db).stdout.strip()
    view = run("api", "token", "add", "view", "--role", "viewer", "--db", db).stdout.strip()
    root = run("api", "token", "add", "root", "--role", "administrator", "--db", db).stdout.strip()

    srv, err, port, api = station_lib.serve(mh, env, d, db, "--timeout-ms", "2000", "--procs", "2",
                                            "--plan-verify-s", "2")
    sim = None
    try:
        base = "http://127.0.0.1:%d" % api
        sim = start_sim(port)
        terms = online(base, view, 3)
        by = {(t["protocol"], owner(t["id"], 2)): t for t in terms}
        assert ("dlt698", 1) in by and ("gdw1376", 1) in by and ("gdw1376", 0) in by, terms
        t1, t698, near = by[("gdw1376", 1)], by[("dlt698", 1)], by[("gdw1376", 0)]

        def meter_of(t):
            st, ms = call(base, "GET", "/api/v1/meters?terminal=%d" % t["id"], view)
            return ms["items"][0]["id"]

        # Trip and close of each terminal through worker 0: DONE by read-back, whichever worker
        # holds it; the 698.45 user's load falls to nothing and comes back.
        m698 = meter_of(t698)
        before = power_w(base, ops, m698)
        assert before > 0, before
        ids = []
        for t in (near, t1, t698):
            for kind in ("trip", "close"):
                c = settle(base, view, command(base, ops, kind, t["id"], "drill across workers")["id"])
                tg = c["targets"][0]
                assert c["state"] == "finished" and tg["result"] == "done", c
                assert tg["terminal"] == t["id"] and "read-back" in tg["detail"], c
                ids.append((c["id"], kind))
                print("%s of %s terminal %d (worker %d): done in %.0f ms"
                      % (kind, t["protocol"], t["id"], owner(t["id"], 2), took_ms(c)))
                if t is t698 and kind == "trip":
                    w = power_until(base, ops, m698, lambda w: w == 0, "load after the trip")
                    print("  load %.0f W -> %.0f W" % (before, w))
                elif t is t698:
                    w = power_until(base, ops, m698, lambda w: w > 0, "load after the close")
                    print("  load back to %.0f W" % w)
        meter = meter_of(t1)

        # Audited once: one engine wrote each command's rows.
        st, au = call(base, "GET", "/api/v1/audit?limit=1000", root)
        whats = [a["what"] for a in au["items"]]
        for cid, kind in ids:
            sub = [w for w in whats if w.startswith("control %d %s submitted" % (cid, kind))]
            fin = [w for w in whats if w.startswith("control %d %s finished" % (cid, kind))]
            api_rows = [w for w in whats if "POST /api/v1/commands: 202" in w and "(command %d)" % cid in w]
            assert len(sub) == 1 and len(fin) == 1 and len(api_rows) == 1, (cid, whats)
            assert "1 of 1 targets done" in fin[0], fin

        # A plan by the clock on worker 1's 698.45 user: measured, commanded and released by the
        # runner in worker 0, each command DONE on the terminal worker 1 holds.
        now = time.time()
        plan = {"name": "peak across workers", "reason": "dispatch order 5", "target_kw": 2.5,
                "from": station_lib.iso(now + 2), "to": station_lib.iso(now + 12), "max_pct": 20,
                "users": [{"meter": m698, "priority": 1}]}
        st, p = call(base, "POST", "/api/v1/plans", ops, plan)
        assert st == 201 and p["state"] == "scheduled", (st, p)
        p = station_lib.wait_plan(base, view, p["id"], lambda p: p["state"] == "released", "plan released", 60)
        u = p["users"][0]
        assert u["state"] == "shed" and u["baseline_w"] and u["command"] and u["release"], p
        for key, kind in (("command", "down_on"), ("release", "down_off")):
            c = settle(base, view, u[key]["id"])
            assert c["kind"] == kind and c["targets"][0]["terminal"] == t698["id"], c
            assert c["targets"][0]["result"] == "done", c
        print("plan by the clock on worker 1's terminal: shed %d %%, released; both commands done" % u["pct"])

        # Prepayment: an account in arrears on the same terminal, settled after the next round.
        tariffs = ["1.0.1.8.%d" % k for k in range(1, 5)]
        st, text, _ = station_lib.call(base, "POST", "/api/v1/reads", ops, {"meter": meter, "items": tariffs})
        assert st == 200, (st, text)
        st, acct = call(base, "POST", "/api/v1/prepay/%d" % meter, root, {"balance_e4": -1, "warn_e4": 0})
        assert st == 200 and acct["command"] is None, (st, acct)

        # The terminal stops answering, then drops its connection, with a trip in flight.
        sim.send_signal(signal.SIGSTOP)
        c = command(base, ops, "trip", t1["id"], "offline mid-way")
        time.sleep(1)
        st, mid = call(base, "GET", "/api/v1/commands/%d" % c["id"], view)
        assert mid["state"] == "sent", mid
        sim.kill()
        sim.wait()
        c = settle(base, view, c["id"])
        tg = c["targets"][0]
        assert c["state"] == "finished" and tg["result"] == "unconfirmed", c
        assert "offline" in tg["detail"], c
        print("trip while the terminal went offline: %s (%s)" % (tg["result"], tg["detail"]))

        # Worker 1 killed with a trip in flight: UNCONFIRMED once its successor says hello.
        sim = start_sim(port)
        online(base, view, 3)
        log = open(err.name).read()
        w1 = int(re.search(r"worker 1 started \(pid (\d+)\)", log).group(1))
        sim.send_signal(signal.SIGSTOP)
        c = command(base, ops, "trip", t1["id"], "worker lost mid-way")
        time.sleep(0.5)
        t0 = time.time()
        os.kill(w1, signal.SIGKILL)
        c = settle(base, view, c["id"], 30)
        took = time.time() - t0
        sim.send_signal(signal.SIGCONT)
        tg = c["targets"][0]
        assert c["state"] == "finished" and tg["result"] == "unconfirmed", c
        assert took < 10, took
        log = open(err.name).read()
        assert re.search(r"forwarded request \d+: worker 1 restarted before answering it", log), log[-3000:]
        print("trip while worker 1 was killed: %s after %.1f s (%s)" % (tg["result"], took, tg["detail"]))

        # Restarted with a round: worker 0 settles the accounts and trips the one in arrears on
        # worker 1's terminal (a settlement while it still logs in is unconfirmed, then again).
        srv.send_signal(signal.SIGTERM)
        assert srv.wait(60) == 0, open(err.name).read()[-3000:]
        srv, err, port2, api = station_lib.serve(mh, env, d, db, "--timeout-ms", "2000", "--procs", "2",
                                                 "--listen", "127.0.0.1:" + port, "--round", "yesterday")
        base = "http://127.0.0.1:%d" % api
        c = station_lib.prepay_done(base, view, meter, 90, err.name)
        assert c["kind"] == "trip" and c["who"] == "prepay" and c["targets"][0]["terminal"] == t1["id"], c
        st, acct = call(base, "POST", "/api/v1/prepay/%d/topup" % meter, ops, {"amount_e4": 500000})
        assert st == 200 and acct["balance_e4"] > 0, (st, acct)
        c = settle(base, view, acct["command"])
        assert c["kind"] == "close" and c["who"] == "prepay" and c["targets"][0]["result"] == "done", c
        print("prepaid trip and close of worker 1's terminal by worker 0's settlement: done")
    finally:
        if sim:
            sim.send_signal(signal.SIGCONT)
            sim.terminate()
            sim.wait(10)
        srv.send_signal(signal.SIGTERM)
        rc = srv.wait(120)
        log = open(err.name).read()
    assert rc == 0, (rc, log[-3000:])
    print("station procs control: ok")
