"""What the station API tests share: a `meterhub serve --api` on loopback
started over a store, and the ports it printed."""
import json, os, re, subprocess, time, urllib.error, urllib.request


def serve(mh, env, d, db, *extra):
    """Start the station on loopback ports; (process, its stderr file, fep port text, API port)."""
    err = open(os.path.join(d, "serve.err"), "w+")
    srv = subprocess.Popen([mh, "serve", "--db", db, "--listen", "127.0.0.1:0", "--no-schedule",
                            "--login-timeout-ms", "3000", "--api", "127.0.0.1:0", *extra],
                           env=env, stderr=err, stdout=subprocess.DEVNULL)
    for _ in range(100):
        log = open(err.name).read()
        m1 = re.search(r"listening on 127\.0\.0\.1:(\d+)", log)
        m2 = re.search(r"api on http://127\.0\.0\.1:(\d+)/api/v1", log)
        if m1 and m2:
            return srv, err, m1.group(1), int(m2.group(1))
        time.sleep(0.1)
    srv.kill()
    srv.wait()
    raise AssertionError(open(err.name).read())


def call(base, method, path, token=None, body=None, ctype="application/json", headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = ctype
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def run_cli(mh, env, *args):
    """meterhub ARGS, checked; its output captured as text."""
    return subprocess.run([mh, *args], env=env, check=True, capture_output=True, text=True)


def call_json(base, method, path, token=None, body=None, ctype="application/json"):
    """(status, the answer as JSON)."""
    st, text, _ = call(base, method, path, token, body, ctype)
    return st, json.loads(text)


def command_settled(base, tok, cid, secs=20):
    """The command once it is no longer sent (every target has a result)."""
    end = time.time() + secs
    while True:
        st, c = call_json(base, "GET", "/api/v1/commands/%d" % cid, tok)
        assert st == 200, (st, c)
        if c["state"] != "sent":
            return c
        assert time.time() < end, c
        time.sleep(0.1)


def read_checked(base, ops, view, mid, items, what):
    """POST /reads of meter mid's items (energy and voltage among them): 200, done, each item,
    values in the simulator's range, the energy stored. The job."""
    t_ask = time.monotonic()
    st, body, _ = call(base, "POST", "/api/v1/reads", ops, {"meter": mid, "items": items})
    took_ms = (time.monotonic() - t_ask) * 1000
    assert st == 200, (what, st, body)
    job = json.loads(body)
    assert job["status"] == "done" and job["meter"] == mid, job
    # the channel's and terminal's share: some, and within what the request took (each
    # exchange's share is rounded to whole ms, at least 1)
    assert 0 < job["device_ms"] <= took_ms + 2, (what, took_ms, job)
    got = {v["item"]: v for v in job["values"]}
    assert set(got) == set(items), (what, job)
    assert float(got["1.0.1.8.0"]["value"]) > 0 and got["1.0.1.8.0"]["unit"] == "kWh", job
    assert 150 < float(got["1.0.32.7.0"]["value"]) < 300, job
    t0 = int(time.time()) - 120
    st, body, _ = call(base, "GET", "/api/v1/meters/%d/readings?item=1.0.1.8.0&from=%d"
                       % (mid, t0), view)
    stored = [r["value"] for s in json.loads(body)["series"] for r in s["readings"]]
    assert got["1.0.1.8.0"]["value"] in stored, (what, stored, body)
    return job


def field_online(mh, env, scenario, port, base, tok, secs=30):
    """`meterhub sim run` against the station's fep port; (its process, the terminals) once all are online."""
    sim = subprocess.Popen([mh, "sim", "run", scenario, "--master", "127.0.0.1:" + port, "--quiet"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.time() + secs
    while True:
        st, body = call_json(base, "GET", "/api/v1/terminals", tok)
        if st == 200 and body["items"] and all(t["online"] for t in body["items"]):
            return sim, body["items"]
        if time.time() > end:
            sim.terminate()
            sim.wait()
            raise AssertionError(body)
        time.sleep(0.2)


def terminals_online(base, tok, n, secs=30):
    """The terminals once all n are online."""
    end = time.time() + secs
    while True:
        st, body = call_json(base, "GET", "/api/v1/terminals", tok)
        terms = body["items"]
        if len(terms) == n and all(t["online"] for t in terms):
            return terms
        assert time.time() < end, terms
        time.sleep(0.2)


def prepay_done(base, tok, meter, secs, errfile):
    """The meter's account's latest command once one ends DONE (a settlement while its terminal
    still logs in finds it offline, unconfirmed; the next settlement issues it again)."""
    end = time.time() + secs
    while True:
        st, acct = call_json(base, "GET", "/api/v1/prepay/%d" % meter, tok)
        if acct["command"] is not None:
            c = command_settled(base, tok, acct["command"])
            if c["targets"][0]["result"] == "done":
                return c
        assert time.time() < end, (acct, open(errfile).read()[-3000:])
        time.sleep(0.2)


def iso(t):
    """Unix time t as the API's UTC time."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def wait_plan(base, tok, pid, ok, what, secs=40):
    """The plan once ok(plan) holds."""
    end = time.time() + secs
    while True:
        st, p = call_json(base, "GET", "/api/v1/plans/%d" % pid, tok)
        assert st == 200, (st, p)
        if ok(p):
            return p
        assert time.time() < end, (what, p)
        time.sleep(0.2)
