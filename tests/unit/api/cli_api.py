#!/usr/bin/env python3
"""meterhub api end to end: a simulated city's archive imported, tokens
created with `meterhub api token add` (printed once), the server started
with `meterhub api` on a free port over HTTP and then HTTPS (a self-signed
certificate made with openssl), requests answered, stopped by SIGTERM.
Usage: cli_api.py METERHUB_BINARY SCENARIO
MH_TEST_API_DB, when set, is the store's URI (an empty database of another
backend, see cli_api_pg.sh) instead of an SQLite file in a temporary
directory."""
import json, os, re, signal, ssl, subprocess, sys, tempfile, urllib.error, urllib.request

mh, scenario = sys.argv[1], sys.argv[2]
env = dict(os.environ, MH_LOG="warn")


def run(*args):
    return subprocess.run([mh, *args], env=env, check=True, capture_output=True, text=True)


def serve(db, *extra):
    p = subprocess.Popen([mh, "api", "--db", db, "--listen", "127.0.0.1:0", *extra], env=env,
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"(https?)://127\.0\.0\.1:(\d+)/api/v1", line)
    assert m, "no serving line: %r" % line
    return p, "%s://127.0.0.1:%s/api/v1" % (m.group(1), m.group(2))


def get(url, token, ctx=None):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def stop(p):
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0, "meterhub api did not stop cleanly"


with tempfile.TemporaryDirectory() as d:
    db = os.environ.get("MH_TEST_API_DB") or os.path.join(d, "s.db")
    backend = "postgres" if "://" in db else "sqlite"
    run("sim", "archive", scenario, "--out", os.path.join(d, "a.csv"))
    run("archive", "import", os.path.join(d, "a.csv"), "--db", db)
    tok = run("api", "token", "add", "web", "--role", "viewer", "--db", db).stdout.strip()
    assert re.fullmatch(r"mh_[0-9a-f]{64}", tok), tok
    dup = subprocess.run([mh, "api", "token", "add", "web", "--role", "viewer", "--db", db],
                         env=env, capture_output=True, text=True)
    assert dup.returncode != 0 and "exists" in dup.stderr, dup.stderr
    bad = subprocess.run([mh, "api", "token", "add", "x", "--role", "root", "--db", db],
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 2, bad.returncode

    p, base = serve(db)
    try:
        st, body = get(base + "/meters?limit=3", tok)
        assert st == 200 and len(json.loads(body)["items"]) == 3, (st, body)
        st, body = get(base + "/meters", "mh_" + "0" * 64)
        assert st == 401 and json.loads(body)["error"] == "unauthorized", (st, body)
        # A revoked token is refused at once; the list shows it, never a secret.
        tmp = run("api", "token", "add", "tmp", "--role", "operator", "--db", db).stdout.strip()
        assert get(base + "/health", tmp)[0] == 200
        run("api", "token", "revoke", "tmp", "--db", db)
        assert get(base + "/health", tmp)[0] == 401
        listing = run("api", "token", "list", "--db", db).stdout
        assert re.search(r"^tmp +operator .* revoked$", listing, re.M), listing
        assert re.search(r"^web +viewer ", listing, re.M) and "mh_" not in listing, listing
    finally:
        stop(p)

    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], check=True,
                   capture_output=True)
    p, base = serve(db, "--cert", cert, "--key", key)
    try:
        assert base.startswith("https://"), base
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        st, body = get(base + "/health", tok, ctx)
        assert st == 200 and json.loads(body)["backend"] == backend, (st, body)
    finally:
        stop(p)
print("cli_api: ok")
