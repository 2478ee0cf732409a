#!/usr/bin/env python3
"""The event storm: a whole field raising events at once, as after a feeder outage, against
`meterhub serve` (SQLite). Acceptance: 100,000 active reports in 10 s (10,000 terminals, 10
events each), none lost, all durable within 30 s.

The simulated field (`meterhub sim run`, scenario key "storm", docs/sim-scenario.md): every
terminal logs in, then raises EVENTS events within WINDOW seconds starting AFTER seconds after
the field came up and reports them (Q/GDW 1376.1 AFN0E F1 with CON; DL/T 698.45
REPORT-Notification), up to 8 records a frame, the next report once the last is confirmed,
again after 30 s without a confirmation. The station confirms a report only once its records
are committed, so the time from the first report sent to the last confirmation received bounds
the time to the last one durable.

Baseline, in the same run and alternating with the subject: the same field against
bench_storm_bare, which confirms every report the moment it reads it with the station's own
confirmation bytes and stores nothing. Its figures are the field's and the loopback's own
cost; the ratio is the station's over the baseline's.

Measured per run: reports sent (first sendings) and resent, confirmed, event records
confirmed, the span (first report sent -> last confirmation), p50/p99 latency from a report's
first sending to its confirmation; for the station also the event rows stored (each exactly
once: rows == distinct keys == expected). Prints `name value unit ratio` lines (the station's
value, median over the rounds; the ratio station/baseline) and a verdict against the target
(every event stored exactly once and confirmed, the last durable within DURABLE s of the first
report).
Not run by CTest; each run takes AFTER + WINDOW + 30 s of both cores.

Usage: bench_storm.py METERHUB BENCH_STORM_BARE [--terminals N] [--dlt698 N] [--events K]
                      [--window S] [--after S] [--rounds R] [--procs P] [--durable S] [--keep]"""
import argparse, datetime, json, os, re, shutil, signal, sqlite3, statistics, subprocess, sys
import tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("meterhub")
ap.add_argument("bare")
ap.add_argument("--terminals", type=int, default=10000, help="Q/GDW 1376.1 concentrators")
ap.add_argument("--dlt698", type=int, default=500, help="DL/T 698.45 terminals besides")
ap.add_argument("--events", type=int, default=10)
ap.add_argument("--window", type=int, default=10)
ap.add_argument("--after", type=int, default=12)
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--procs", type=int, default=1, help="serve --procs")
ap.add_argument("--durable", type=int, default=30,
                help="target: every event durable within this many seconds of the first report")
ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
a = ap.parse_args()

d = tempfile.mkdtemp(prefix="mh_bench_storm_")
yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
pops = [{"kind": "concentrator", "protocol": "gdw1376", "count": a.terminals, "meters_each": 2,
         "region": "0171", "customers": {"residential": 100}}]
if a.dlt698:
    pops.append({"kind": "concentrator", "protocol": "dlt698", "count": a.dlt698, "meters_each": 2,
                 "region": "0172", "customers": {"residential": 100}})
scen = d + "/storm.json"
with open(scen, "w") as f:
    # Start yesterday: the meters' registers in the event records are sums from the start.
    json.dump({"name": "storm", "seed": 11, "start": yesterday, "heartbeat_s": 300,
               "report_resend_s": 30, "populations": pops,
               "storm": {"events": a.events, "after_s": a.after, "window_s": a.window}}, f)
terminals = a.terminals + a.dlt698
expected = terminals * a.events
subprocess.run([a.meterhub, "sim", "archive", scen, "--out", d + "/archive.csv"], check=True,
               capture_output=True)


def listen_port(errfile, proc):
    for _ in range(600):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(errfile).read())
        if m:
            return m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    sys.exit("master did not start: " + open(errfile).read()[-2000:])


def run(kind, k):
    """One storm against the bare confirmer or the station: the sim's figures and the store's."""
    run_dir = "%s/%s%d" % (d, kind, k)
    os.mkdir(run_dir)
    err = run_dir + "/master.err"
    db = run_dir + "/s.db"
    if kind == "bare":
        cmd = [a.bare, "127.0.0.1:0"]
    else:
        subprocess.run([a.meterhub, "archive", "import", d + "/archive.csv", "--db", db],
                       check=True, capture_output=True)
        cmd = [a.meterhub, "serve", "--db", db, "--listen", "127.0.0.1:0", "--no-schedule",
               "--login-timeout-ms", "20000"] + (["--procs", str(a.procs)] if a.procs > 1 else [])
    master = subprocess.Popen(cmd, stdout=open(run_dir + "/master.out", "w"),
                              stderr=open(err, "w"))
    try:
        port = listen_port(err, master)
        dur = a.after + a.window + 30
        out = subprocess.run([a.meterhub, "sim", "run", scen, "--master", "127.0.0.1:" + port,
                              "--quiet", "--duration", str(dur)], check=True, capture_output=True,
                             text=True).stdout
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=120)
    open(run_dir + "/sim.out", "w").write(out)
    m = re.search(r"reports sent (\d+) resent (\d+) confirmed (\d+) records (\d+) span_ms (\d+) "
                  r"p50_ms (\d+) p99_ms (\d+)", out)
    if not m:
        sys.exit("no report line from the simulator:\n" + out)
    r = dict(zip(["sent", "resent", "confirmed", "records", "span", "p50", "p99"],
                 map(int, m.groups())))
    r["events_confirmed"] = int(re.search(r"events confirmed (\d+)", out).group(1))
    r["logins"] = int(re.search(r"logins (\d+)", out).group(1))
    if kind == "station":
        c = sqlite3.connect(db)
        r["rows"], r["keys"] = c.execute(
            "SELECT count(*), count(DISTINCT printf('%d/%d/%d/%d/%d', terminal_id, code, start_s,"
            " seq, coalesce(meter_id, 0))) FROM events").fetchone()
        c.close()
    print("# %s %d: %s" % (kind, k, r), file=sys.stderr)
    return r


bare, station = [], []
for k in range(a.rounds):
    bare.append(run("bare", k))
    station.append(run("station", k))


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def line(name, key, unit):
    s, b = med(station, key), med(bare, key)
    print("%s %g %s %s" % (name, s, unit, "%.3f" % (s / b) if b else "-"))


print("storm_terminals %d terminals -" % terminals)
print("storm_events_expected %d events -" % expected)
line("storm_reports_sent", "sent", "reports")
line("storm_reports_resent", "resent", "reports")
line("storm_reports_confirmed", "confirmed", "reports")
line("storm_events_confirmed", "events_confirmed", "events")
print("storm_events_stored %d events -" % med(station, "keys"))
print("storm_events_twice %d events -" % (med(station, "rows") - med(station, "keys")))
line("storm_span_first_report_to_last_durable", "span", "ms")
line("storm_confirm_p50", "p50", "ms")
line("storm_confirm_p99", "p99", "ms")
ok = all(r["keys"] == expected and r["rows"] == r["keys"] and r["events_confirmed"] == expected
         and r["span"] <= a.durable * 1000 for r in station)
print("storm_target %s - -" % ("met" if ok else "MISSED"))
if a.keep:
    print("kept " + d, file=sys.stderr)
else:
    shutil.rmtree(d)
