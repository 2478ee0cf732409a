#!/usr/bin/env python3
"""The city's daily round against the simulator's floor, and on-demand reads during it.

meterhub serve --procs N (SQLite, --no-curves --no-realtime: the day's frozen registers, as
`sim floor --no-curves` counts them) with meterhub sim run --procs N as the field; the round of
yesterday starts with the station, before the field logs in. Meanwhile READERS threads post
on-demand reads (POST /api/v1/reads, one meter's +A register) through worker 0's API, one at a
time each; once the round is over the same reads run again on the idle station (baseline).
A read's station share is its latency minus device_ms (the channel's and terminal's share, as
the fep measured it from each request's first transmission to its reply).

Figures, from the store once the station has stopped:
  round: the time from the first login until 99.9 % of the live meters (those of terminals that
  logged in) have a register of the day (min received_ms of their readings), against the floor;
  collected share of the live meters; `check truth` mismatches.
--login-timeout-ms (30000): at city scale the simulator's loop is busy for seconds computing
the areas' supply meters (each sums its 100 users interval by interval since the origin), so
a shorter login timeout cuts terminals whose login was only late, not lost.
Prints `name value unit ratio` lines. Not run by CTest; takes minutes at city scale.
Usage: bench_city.py METERHUB SCENARIO [--procs N] [--readers N] [--login-timeout-ms MS]
                     [--dir DIR] [--max-s S]"""
import argparse, calendar, json, os, random, re, signal, sqlite3, subprocess, tempfile, threading, time
import urllib.error, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("meterhub")
ap.add_argument("scenario")
ap.add_argument("--procs", type=int, default=2)
ap.add_argument("--readers", type=int, default=8)
ap.add_argument("--login-timeout-ms", type=int, default=30000)
ap.add_argument("--dir")
ap.add_argument("--max-s", type=int, default=900)
a = ap.parse_args()
mh = a.meterhub
d = a.dir or tempfile.mkdtemp(prefix="mh_bench_city_")
os.makedirs(d, exist_ok=True)
db = os.path.join(d, "city.db")
for f in (db, db + "-wal", db + "-shm"):
    if os.path.exists(f):
        os.remove(f)


def run(*args):
    return subprocess.run([mh, *args], check=True, capture_output=True, text=True).stdout


floor = float(re.search(r"^floor: ([\d.]+) s", run("sim", "floor", a.scenario, "--no-curves"),
                        re.M).group(1))
run("sim", "archive", a.scenario, "--out", os.path.join(d, "archive.csv"))
run("archive", "import", os.path.join(d, "archive.csv"), "--db", db)
tok = run("api", "token", "add", "bench", "--role", "operator", "--db", db).strip()
log = open(os.path.join(d, "serve.log"), "w+")
srv = subprocess.Popen([mh, "serve", "--db", db, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0",
                        "--no-schedule", "--procs", str(a.procs), "--round", "yesterday",
                        "--no-curves", "--no-realtime", "--analyze-history", "0",
                        "--login-timeout-ms", str(a.login_timeout_ms)],
                       env=dict(os.environ, MH_LOG="info"), stdout=subprocess.DEVNULL, stderr=log)
sim = None
stop = threading.Event()
samples = []  # (phase, total_ms, device_ms, started_s): also written to reads.csv in the directory
lock = threading.Lock()
phase = ["round"]
try:
    port = api = None
    for _ in range(600):
        text = open(log.name).read()
        m1 = re.search(r"listening on 127\.0\.0\.1:(\d+), store", text)
        m2 = re.search(r"api on http://127\.0\.0\.1:(\d+)", text)
        if m1 and m2:
            port, api = m1.group(1), m2.group(1)
            break
        time.sleep(0.1)
    assert port and api, "serve did not start: see " + log.name
    base = "http://127.0.0.1:" + api
    sim = subprocess.Popen([mh, "sim", "run", a.scenario, "--master", "127.0.0.1:" + port,
                            "--procs", str(a.procs), "--quiet", "--duration", str(a.max_s)],
                           stdout=open(os.path.join(d, "sim.log"), "w"), stderr=subprocess.STDOUT)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    meters = [r[0] for r in con.execute("SELECT id FROM meters")]
    t_start = time.perf_counter()

    def call(meter):
        req = urllib.request.Request(
            base + "/api/v1/reads", method="POST",
            data=json.dumps({"meter": meter, "items": ["1.0.1.8.0"], "timeout_ms": 60000}).encode(),
            headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=90) as r:
                body = json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            return
        ms = (time.perf_counter() - t0) * 1000
        if body.get("status") == "done":
            with lock:
                samples.append((phase[0], ms, body["device_ms"], t0 - t_start))

    def reader(seed):
        rnd = random.Random(seed)
        while not stop.is_set():
            call(rnd.choice(meters))

    # The round: until the collected count stops growing for 20 s (or all the meters).
    started = time.time()
    threads = []
    last, still = -1, 0
    while time.time() - started < a.max_s:
        time.sleep(2)
        if not threads and con.execute("SELECT count(*) FROM terminal_link").fetchone()[0]:
            threads = [threading.Thread(target=reader, args=(i,), daemon=True)
                       for i in range(a.readers)]
            for t in threads:
                t.start()
        n = con.execute("SELECT count(*) FROM collection_status WHERE reason = 0").fetchone()[0]
        still = still + 2 if n == last and n > 0 else 0
        last = n
        if n >= len(meters) or still >= 20:
            break
    # The idle station: as many reads again.
    phase[0] = "idle"
    with lock:
        want = sum(1 for s in samples if s[0] == "round")
    while time.time() - started < a.max_s + 300:
        with lock:
            if sum(1 for s in samples if s[0] == "idle") >= max(want, 50):
                break
        time.sleep(1)
    stop.set()
    for t in threads:
        t.join(120)
finally:
    if sim:
        sim.send_signal(signal.SIGTERM)
        sim.wait()
    srv.send_signal(signal.SIGTERM)
    srv.wait()

con = sqlite3.connect(db)
day = re.search(r"round of daily frozen registers for (\d{4}-\d\d-\d\d)", open(log.name).read()).group(1)
t_first = con.execute("SELECT min(t_ms) FROM terminal_link WHERE online = 1").fetchone()[0]
live = con.execute("""SELECT count(*) FROM points p JOIN meters m ON m.id = p.meter_id
                      WHERE p.terminal_id IN (SELECT terminal_id FROM terminal_link WHERE online = 1)"""
                   ).fetchone()[0]
# the day's freeze: 24:00 local (UTC+8, serve's default) in UTC
freeze = calendar.timegm(time.strptime(day, "%Y-%m-%d")) + 86400 - 8 * 3600
first = sorted(r[0] for r in con.execute(
    "SELECT min(received_ms) FROM readings WHERE data_time = ? GROUP BY meter_id", (freeze,)))
need = -(-live * 999 // 1000)
t999 = (first[need - 1] - t_first) / 1000 if len(first) >= need else float("nan")
truth = subprocess.run([mh, "check", "truth", "--db", db, a.scenario, "--date", day],
                       capture_output=True, text=True)
mism = re.search(r"(\d+) mismatches", truth.stdout + truth.stderr)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, len(v) * p // 100)] if v else float("nan")


own = {ph: [t - dv for p, t, dv, _ in samples if p == ph] for ph in ("idle", "round")}
with open(os.path.join(d, "reads.csv"), "w") as f:
    f.write("phase,started_s,total_ms,device_ms,station_ms\n")
    for p, t, dv, at in sorted(samples, key=lambda x: x[3]):
        f.write("%s,%.3f,%.1f,%d,%.1f\n" % (p, at, t, dv, t - dv))
print("# %s: %d meters, %d live; day %s; %d reads during the round, %d idle; dir %s"
      % (os.path.basename(a.scenario), len(meters), live, day, len(own["round"]), len(own["idle"]), d))
print("city_floor_registers %.1f s -" % floor)
print("city_round_999_live %.1f s %.2f" % (t999, t999 / floor))
print("city_round_all %.1f s %.2f" % ((first[-1] - t_first) / 1000, (first[-1] - t_first) / 1000 / floor))
print("city_collected_live %.4f share -" % (len(first) / live))
print("city_truth_mismatches %s count -" % (mism.group(1) if mism else "?"))
for p in (50, 99):
    i, r = pct(own["idle"], p), pct(own["round"], p)
    print("ondemand_station_p%d_idle %.1f ms -" % (p, i))
    print("ondemand_station_p%d_round %.1f ms %.2f" % (p, r, r / i if i else float("nan")))
    print("ondemand_station_p%d_added %.1f ms -" % (p, r - i))
for p in (50, 99):
    tot = [t for ph, t, _, _ in samples if ph == "round"]
    print("ondemand_total_p%d_round %.1f ms -" % (p, pct(tot, p)))
