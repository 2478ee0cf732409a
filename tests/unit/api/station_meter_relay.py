#!/usr/bin/env python3
"""A meter's own relay through the station's API, end to end over real sockets:
`meterhub serve --api --confirm-over 1` on loopback with `meterhub sim run`
as the field (a Q/GDW 1376.1 concentrator and its residential DL/T 645
meters). meter_trip by the meter's address ends DONE, confirmed by the
meter's status word 3 read through AFN10 F1; the station's own read of the
meter's active power then gives 0, while a neighbour's does not; meter_close
by the meter's id restores it. A customer on the protect list is refused
without anything sent; two meters are within --confirm-over 1 only for a
second operator; unknown meters are 404, terminal targets for a meter kind
400; `meterhub control show` names the meter.
Usage: station_meter_relay.py METERHUB_BINARY SCENARIO"""
import os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_lib

mh, scenario = sys.argv[1], sys.argv[2]
env = dict(os.environ, MH_LOG="info")
call = station_lib.call_json
settle = station_lib.command_settled


def power(base, ops, mid):
    st, job = call(base, "POST", "/api/v1/reads", ops, {"meter": mid, "items": ["1.0.1.7.0"]})
    assert st == 200 and job["status"] == "done", (st, job)
    return float(job["values"][0]["value"])


with tempfile.TemporaryDirectory() as d:
    db = os.path.join(d, "s.db")
    station_lib.run_cli(mh, env, "sim", "archive", scenario, "--out", os.path.join(d, "a.csv"))
    station_lib.run_cli(mh, env, "archive", "import", os.path.join(d, "a.csv"), "--db", db)
    tok = {}
    for name, role in (("ops", "operator"), ("ops2", "operator"), ("view", "viewer"),
                       ("root", "administrator")):
        tok[name] = station_lib.run_cli(mh, env, "api", "token", "add", name, "--role", role,
                                        "--db", db).stdout.strip()
    ops, ops2, view, root = tok["ops"], tok["ops2"], tok["view"], tok["root"]
    for bad in ("03:000000", "02:00000", "02:000000:1234567", "02:00000a"):
        r = subprocess.run([mh, "serve", "--db", db, "--meter-auth", bad], env=env,
                           capture_output=True, text=True)
        assert r.returncode == 2 and "--meter-auth" in r.stderr, (bad, r.returncode, r.stderr)
    # the simulated meters take level 02, password 000000, any operator code
    srv, err, port, api = station_lib.serve(mh, env, d, db, "--timeout-ms", "3000",
                                            "--confirm-over", "1", "--meter-auth", "02:000000:00001234")
    sim = None
    try:
        base = "http://127.0.0.1:%d" % api
        sim, terms = station_lib.field_online(mh, env, scenario, port, base, view)
        conc = terms[0]
        st, body = call(base, "GET", "/api/v1/meters?terminal=%d" % conc["id"], view)
        homes = [m for m in body["items"] if m.get("customer") and not m.get("area_meter")]
        assert len(homes) >= 3, body
        # the two with the most load now, so that the cut is seen
        loads = sorted(((power(base, ops, m["id"]), m) for m in homes), key=lambda x: -x[0])
        (p0, a), (p1, b) = loads[0], loads[1]
        assert p0 > 0 and p1 > 0, loads

        # Trip by address: the meter's relay opens, verified by its status word.
        addr = "%012d" % int(a["address"])
        st, c = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [{"meter_address": addr}],
                      "params": {"valid_min": 10}, "reason": "arrears, notice 2026-31"})
        assert st == 202 and c["kind"] == "meter_trip", (st, c)
        assert c["params"]["meters"] == [a["id"]] and c["params"]["valid_min"] == 10, c
        c = settle(base, view, c["id"])
        tg = c["targets"][0]
        assert c["state"] == "finished" and tg["result"] == "done", c
        assert tg["terminal"] == conc["id"] and tg["pn"] == a["pn"], c
        assert tg["meter"] == a["id"] and tg["meter_address"] == addr, c
        assert "read-back" in tg["detail"], c
        assert power(base, ops, a["id"]) == 0, "tripped meter still draws"
        assert power(base, ops, b["id"]) > 0, "the neighbour was cut too"
        out = station_lib.run_cli(mh, env, "control", "show", str(c["id"]), "--db", db).stdout
        assert "meter_trip" in out and ("address " + addr) in out, out

        # Close by id: the load comes back.
        st, c = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_close", "targets": [{"meter": a["id"]}], "reason": "paid"})
        assert st == 202, (st, c)
        c = settle(base, view, c["id"])
        assert c["targets"][0]["result"] == "done", c
        assert power(base, ops, a["id"]) > 0, "closed meter draws nothing"

        # The customer on the protect list: refused, nothing sent.
        st, e = call(base, "POST", "/api/v1/protect", root,
                     {"kind": "customer", "ref": b["customer"], "reason": "home dialysis"})
        assert st in (200, 201), (st, e)
        st, c = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [b["id"]], "reason": "arrears"})
        assert st == 202 and c["state"] == "refused", (st, c)
        assert "home dialysis" in c["targets"][0]["detail"], c
        assert power(base, ops, b["id"]) > 0
        st, e = call(base, "DELETE", "/api/v1/protect?kind=customer&ref=" + b["customer"], root)
        assert st == 200, (st, e)

        # Two meters are two users: over --confirm-over 1, a second operator confirms.
        st, c = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_protect_on", "targets": [{"meter": a["id"]}, {"meter": b["id"]}],
                      "reason": "storm: keep supply"})
        assert st == 202 and c["state"] == "pending", (st, c)
        st, c = call(base, "POST", "/api/v1/commands/%d/confirm" % c["id"], ops2)
        assert st == 200, (st, c)
        c = settle(base, view, c["id"])
        assert [t["result"] for t in c["targets"]] == ["done", "done"], c
        st, c = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [{"meter": a["id"]}], "reason": "arrears"})
        c = settle(base, view, c["id"])
        assert c["targets"][0]["result"] == "refused" and "keep-power" in c["targets"][0]["detail"], c

        # Bad targets.
        st, e = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [{"meter": 99999}], "reason": "x"})
        assert st == 404, (st, e)
        st, e = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [{"meter_address": "999999999999"}], "reason": "x"})
        assert st == 404, (st, e)
        st, e = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_trip", "targets": [{"terminal": conc["id"], "pn": 1}], "reason": "x"})
        assert st == 400, (st, e)
        st, e = call(base, "POST", "/api/v1/commands", ops,
                     {"kind": "meter_close", "targets": [a["id"]], "params": {"valid_min": 61},
                      "reason": "x"})
        assert st == 400, (st, e)
        print("station_meter_relay: ok")
    finally:
        if sim:
            sim.terminate()
            sim.wait()
        srv.terminate()
        srv.wait()
