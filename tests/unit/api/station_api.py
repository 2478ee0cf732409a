#!/usr/bin/env python3
"""The API inside the master station, end to end over real sockets:
`meterhub serve --api` on loopback with `meterhub sim run` as the field (a
1376.1 concentrator and special-transformer terminal, a 698.45 transformer
monitor, a DTU in front of a DL/T 645 meter). On-demand reads of every
protocol answer 200 with the simulator's values and store them; a read
that cannot finish within its timeout answers 202 and its job completes;
bad requests answer 4xx JSON; a viewer may not read; reads are audited;
CORS preflights name only the allowed origin; the event stream carries the
reads' results, the events the terminals report once stored, and the
terminals going offline when the field stops, and
refuses clients beyond its limit; the station stops cleanly with streams
open. Prints the on-demand read latency through the API (p50, p99).
Usage: station_api.py METERHUB_BINARY SCENARIO [READS]"""
import json, os, re, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_lib

mh, scenario = sys.argv[1], sys.argv[2]
n_reads = int(sys.argv[3]) if len(sys.argv) > 3 else 50
env = dict(os.environ, MH_LOG="info")
ORIGIN = "http://dashboard.example"


def run(*args):
    return subprocess.run([mh, *args], env=env, check=True, capture_output=True, text=True)


call = station_lib.call


class Stream:
    """A GET /api/v1/stream client on a raw socket, collecting events in a thread."""

    def __init__(self, port, token):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.s.sendall(("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                        "\r\n" % token).encode())
        self.text = ""
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.pump, daemon=True)
        self.t.start()

    def pump(self):
        while True:
            try:
                b = self.s.recv(65536)
            except OSError:
                return
            if not b:
                return
            with self.lock:
                self.text += b.decode(errors="replace")

    def events(self):
        with self.lock:
            t = self.text
        out = []
        for block in t.split("\n\n"):
            ev = re.search(r"^event: (\w+)$", block, re.M)
            data = re.search(r"^data: (.*)$", block, re.M)
            if ev and data:
                out.append((ev.group(1), json.loads(data.group(1))))
        return out

    def wait(self, pred, secs, what):
        end = time.time() + secs
        while time.time() < end:
            if any(pred(e, d) for e, d in self.events()):
                return
            time.sleep(0.05)
        raise AssertionError("no %s event in %d s; stream: %r" % (what, secs, self.text[-2000:]))


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
    root = run("api", "token", "add", "root", "--role", "administrator", "--db", db).stdout.strip()

    srv, err, port, api = station_lib.serve(mh, env, d, db, "--timeout-ms", "2000", "--cors", ORIGIN)
    sim = None
    try:
        base = "http://127.0.0.1:%d" % api

        stream = Stream(api, view)
        sim = subprocess.Popen([mh, "sim", "run", scenario, "--master", "127.0.0.1:" + port,
                                "--quiet"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        end = time.time() + 30
        while not all(t["online"] for t in terminals(base, view)):
            assert time.time() < end, terminals(base, view)
            time.sleep(0.2)
        stream.wait(lambda e, d: e == "terminal" and d["online"], 5, "terminal online")
        # The 1376.1 terminals report the opened covers: each event row, once stored, is streamed.
        stream.wait(lambda e, d: e == "event" and d["code"] == 37 and d["payload"]["erc"] == 37,
                    20, "stored event (ERC37)")
        st, body, _ = call(base, "GET", "/api/v1/events?code=37", view)
        assert st == 200 and json.loads(body)["items"], (st, body)

        # Every protocol: the meter's values, as items asked for, stored.
        st, body, _ = call(base, "GET", "/api/v1/meters?limit=1000", view)
        meters = json.loads(body)["items"]
        by_proto = {}
        for t in terminals(base, view):
            mine = [m for m in meters if m["terminal"] == t["id"]]
            by_proto.setdefault(t["protocol"], mine[0]["id"])
        assert set(by_proto) == {"gdw1376", "dlt698", "dlt645-2007"}, by_proto
        items = ["1.0.1.8.0", "1.0.32.7.0", "1.0.31.7.0"]
        for proto, mid in sorted(by_proto.items()):
            job = station_lib.read_checked(base, ops, view, mid, items, proto)
            stream.wait(lambda e, d, j=job["id"]: e == "read" and d["job"] == j, 5, "read")

        # Operations statistics from the station's loop: sessions, the port's frames, the round.
        st, body, _ = call(base, "GET", "/api/v1/stats", view)
        assert st == 200, (st, body)
        stats = json.loads(body)
        sta = stats["station"]
        assert sta is not None, stats
        n_terms = len(terminals(base, view))
        assert sta["fep_online"] == n_terms and sta["fep_sessions"] >= n_terms, stats
        assert len(sta["ports"]) == 1 and sta["ports"][0]["frames_in"] > 0, stats
        assert sta["ports"][0]["logins"] >= n_terms, stats
        assert sta["collect"] is not None and "jobs_done" in sta["collect"], stats
        assert stats["store_writer"]["stored"] > 0 and stats["uptime_s"] >= 0, stats

        # The collector's tasks on the loop: listed, two switched, a round run for a given day.
        st, body, _ = call(base, "GET", "/api/v1/tasks", view)
        assert st == 200, (st, body)
        plan = json.loads(body)
        assert plan["station"] is True and [t["name"] for t in plan["items"]] == [
            "daily", "monthly", "curves", "realtime", "clock", "patch"], plan
        assert all(isinstance(t["enabled"], bool) for t in plan["items"]), plan
        st, body, _ = call(base, "POST", "/api/v1/tasks/curves/disable", ops)
        assert st == 200, (st, body)
        assert [t["enabled"] for t in json.loads(body)["items"] if t["name"] == "curves"] == [False]
        st, body, _ = call(base, "GET", "/api/v1/tasks", view)
        assert [t["enabled"] for t in json.loads(body)["items"] if t["name"] == "curves"] == [False]
        st, body, _ = call(base, "POST", "/api/v1/tasks/curves/enable", ops)
        assert st == 200 and [t["enabled"] for t in json.loads(body)["items"]
                              if t["name"] == "curves"] == [True], (st, body)
        st, body, _ = call(base, "POST", "/api/v1/tasks/daily/disable", ops)
        assert st == 409 and "fixed" in body, (st, body)
        st, body, _ = call(base, "POST", "/api/v1/tasks/daily/run?day=2026-01-05", ops)
        assert st == 202 and json.loads(body) == {"task": "daily", "day": "2026-01-05"}, (st, body)
        st, body, _ = call(base, "POST", "/api/v1/tasks/monthly/run?day=2026-01-05", ops)
        assert st == 202 and json.loads(body) == {"task": "monthly", "month": "2026-01"}, (st, body)
        st, body, _ = call(base, "GET", "/api/v1/tasks/daily/run", ops)
        assert st == 405, (st, body)

        # A terminal's points at once (the concentrator: its first group of eight).
        conc = [t for t in terminals(base, view) if t["kind"] == "concentrator"][0]
        st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                           {"terminal": conc["id"], "items": ["AE_IMP"]})
        assert st == 200 and len(json.loads(body)["values"]) == conc["points"], body

        # A meter behind the concentrator through its transparent forward (AFN10 F1 carrying
        # DL/T 645 reads, one block each), asked for and chosen by itself for instantaneous values.
        cmid = [m for m in meters if m["terminal"] == conc["id"] and not m["area_meter"]][0]["id"]
        for via in ("proxy", None):
            req = {"meter": cmid, "items": ["1.0.32.7.0", "1.0.1.8.0"]}
            if via:
                req["via"] = via
            st, body, _ = call(base, "POST", "/api/v1/reads", ops, req)
            assert st == 200, (via, st, body)
            got = {v["item"]: v for v in json.loads(body)["values"]}
            assert set(got) == {"1.0.32.7.0", "1.0.1.8.0"}, (via, body)
            assert 150 < float(got["1.0.32.7.0"]["value"]) < 300, body
            assert float(got["1.0.1.8.0"]["value"]) > 0, body
        st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                           {"meter": cmid, "items": ["AE_IMP"], "via": "terminal"})
        assert st == 200 and json.loads(body)["values"], (st, body)
        # DL/T 698.45: PROXY-Request GetRequestList to the meter behind the terminal.
        st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                           {"meter": by_proto["dlt698"], "items": ["AE_IMP", "U_L1"], "via": "proxy"})
        assert st == 200, (st, body)
        got = {v["item"]: v for v in json.loads(body)["values"]}
        assert set(got) == {"1.0.1.8.0", "1.0.32.7.0"}, body
        assert 150 < float(got["1.0.32.7.0"]["value"]) < 300, body
        # A DTU is the meter's own channel: nothing to forward through.
        st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                           {"meter": by_proto["dlt645-2007"], "items": ["AE_IMP"], "via": "proxy"})
        assert st == 422 and "forward" in json.loads(body)["detail"], (st, body)
        st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                           {"meter": cmid, "items": ["AE_IMP"], "via": "carrier pigeon"})
        assert st == 400 and "'via'" in json.loads(body)["detail"], (st, body)

        # Not within the wait: 202, then the job completes. The field is stopped
        # meanwhile, so the read cannot be done before the answer (on a quiet
        # station a read of the simulator takes about a millisecond).
        mid = by_proto["gdw1376"]
        sim.send_signal(signal.SIGSTOP)
        try:
            st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                               {"meter": mid, "items": ["1.0.1.8.0"], "timeout_ms": 0})
        finally:
            sim.send_signal(signal.SIGCONT)
        assert st == 202, (st, body)
        job = json.loads(body)
        assert job["status"] == "running" and job["href"] == "/api/v1/jobs/%d" % job["id"], job
        end = time.time() + 10
        while True:
            st, body, _ = call(base, "GET", job["href"], ops)
            assert st == 200, (st, body)
            if json.loads(body)["status"] == "done":
                break
            assert time.time() < end, body
            time.sleep(0.05)
        assert json.loads(body)["values"][0]["item"] == "1.0.1.8.0", body
        st, body, _ = call(base, "GET", "/api/v1/jobs/999999", ops)
        assert st == 404 and json.loads(body)["error"] == "not found", (st, body)

        # Bad requests: 4xx with a JSON error.
        bad = [
            (b"{not json", "application/json", 400),
            (json.dumps({"meter": mid, "items": ["9.9.9.9.9"]}).encode(), "application/json", 400),
            (json.dumps({"items": ["1.0.1.8.0"]}).encode(), "application/json", 400),
            (json.dumps({"meter": mid, "items": []}).encode(), "application/json", 400),
            (json.dumps({"meter": mid, "items": ["1.0.1.8.0"], "timeout_ms": -1}).encode(),
             "application/json", 400),
            (json.dumps({"meter": 999999, "items": ["1.0.1.8.0"]}).encode(), "application/json",
             404),
            (json.dumps({"meter": mid, "items": ["1.0.1.8.0"]}).encode(), "text/csv", 415),
        ]
        for b, ct, want in bad:
            st, body, _ = call(base, "POST", "/api/v1/reads", ops, b, ctype=ct)
            j = json.loads(body)
            assert st == want and j["error"] and j["detail"], (b, st, body)
        st, body, _ = call(base, "POST", "/api/v1/reads", view, {"meter": mid, "items": ["AE_IMP"]})
        assert st == 403, (st, body)

        # Audited, allowed or refused.
        st, body, _ = call(base, "GET", "/api/v1/audit?limit=1000", root)
        what = [r["what"] for r in json.loads(body)["items"]]
        assert any("POST /api/v1/reads: 200" in w and "job" in w for w in what), what
        assert any("POST /api/v1/reads: 403" in w for w in what), what

        # CORS: the allowed origin only; preflights need no token.
        st, body, h = call(base, "OPTIONS", "/api/v1/reads", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        assert st == 204 and h.get("Access-Control-Allow-Origin") == ORIGIN, (st, h)
        assert "Authorization" in h.get("Access-Control-Allow-Headers", ""), h
        st, body, h = call(base, "OPTIONS", "/api/v1/reads", headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert st == 204 and "Access-Control-Allow-Origin" not in h, h
        st, body, h = call(base, "GET", "/api/v1/health", view, headers={"Origin": ORIGIN})
        assert st == 200 and h.get("Access-Control-Allow-Origin") == ORIGIN, h

        # Latency of on-demand reads through the API (one at a time, all protocols in turn).
        lat = []
        ids = sorted(by_proto.values())
        for i in range(n_reads):
            t0 = time.perf_counter()
            st, body, _ = call(base, "POST", "/api/v1/reads", ops,
                               {"meter": ids[i % len(ids)], "items": ["1.0.1.8.0", "1.0.32.7.0"]})
            lat.append((time.perf_counter() - t0) * 1000)
            assert st == 200, (st, body)
        lat.sort()
        print("on-demand read through the API: %d reads, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (len(lat), lat[len(lat) // 2], lat[min(len(lat) - 1, len(lat) * 99 // 100)],
                 lat[-1]))

        # The stream's limit (16 by default): the 17th is refused with 503.
        extra = [Stream(api, view) for _ in range(15)]
        time.sleep(0.3)
        st, body, _ = call(base, "GET", "/api/v1/stream", view)
        assert st == 503 and "limit" in json.loads(body)["detail"], (st, body)
        for s in extra:
            s.s.close()

        # The field stops: the stream says which terminals went offline.
        sim.send_signal(signal.SIGKILL)
        sim.wait(timeout=10)
        sim = None
        stream.wait(lambda e, d: e == "terminal" and not d["online"], 10, "terminal offline")
        offline = {d["terminal"] for e, d in stream.events() if e == "terminal" and not d["online"]}
        assert conc["address"] in offline or len(offline) >= 1, offline

        srv.send_signal(signal.SIGTERM)
        assert srv.wait(timeout=20) == 0, open(err.name).read()[-3000:]
    finally:
        if sim:
            sim.kill()
            sim.wait()
        if srv.poll() is None:
            srv.kill()
            srv.wait()
print("station api: ok")
