# _revinclude of a heavy patient's 1,000 Observations against one server on the given database: one client,
# back-to-back calls for `duration` s after a warm-up, each on a random one of the 100 heavy patients of the `dataset`
# database (seed patient 01a24ea3-597a-7e7f-ac88-71678ea2db22 and its copies; another seed has other ids). Prints the
# probe's size and entries, the latency percentiles, the server's CPU per call and the load average. A stop-gap for
# `issue7 --only 4` when the dataset did not pass its check (bench/README.md, 2026-12-07 04:30).
# Usage: python3 bench/revinclude-ab.py SERVER.dll /abs/path/fhir.db LABEL WARMUP_S DURATION_S
import hashlib, json, os, random, re, signal, socket, subprocess, sys, tempfile, time, urllib.request
out = tempfile.gettempdir()  # server log and probe body go here
dll, db, label, warm, dur = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
base_id = "01a24ea3-597a-7e7f-ac88-71678ea2db22"
ids = [base_id] + [f"{base_id}-c{i:03d}" for i in range(1, 100)]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
env = dict(os.environ, ASPNETCORE_ENVIRONMENT="Production", DOTNET_gcServer="1")
log = open(os.path.join(out, f"revinclude-server-{label}-{port}.log"), "w")
p = subprocess.Popen(["dotnet", dll, "--urls", f"http://127.0.0.1:{port}", f"--ConnectionStrings:Fhir=Data Source={db}",
                      "--Auth:Mode=Disabled", "--Logging:LogLevel:Default=Warning"], cwd=os.path.dirname(dll), env=env, stdout=log, stderr=log)
base = f"http://127.0.0.1:{port}/fhir/"
t0 = time.time()
try:
    while True:
        try:
            urllib.request.urlopen(base + "metadata", timeout=5).read(); break
        except Exception:
            if time.time() - t0 > 600 or p.poll() is not None: raise SystemExit("server did not start")
            time.sleep(0.5)
    ready = time.time() - t0
    def get(pid):
        return urllib.request.urlopen(base + f"Patient?_id={pid}&_revinclude=Observation:subject", timeout=60).read()
    body = get(ids[0])
    doc = json.loads(body)
    if "entry" not in doc: print(body[:800]); raise SystemExit(1)
    canon = re.sub(rb'"meta":\{"lastUpdated":"[^"]*"\}', b'"meta":{}', body, count=1)
    print(f"{label}: ready {ready:.1f}s; probe {len(doc['entry'])} entries, {len(body):,} bytes, sha256 (meta.lastUpdated blanked) {hashlib.sha256(canon).hexdigest()[:16]}")
    open(os.path.join(out, f"revinclude-probe-{label}.json"), "wb").write(body)
    print(f"{label}: uptime {open('/proc/loadavg').read().strip()}")
    rng = random.Random(7)
    end = time.time() + warm
    while time.time() < end: get(rng.choice(ids))
    tick = os.sysconf('SC_CLK_TCK')
    def cpu(): f = open(f'/proc/{p.pid}/stat').read().rsplit(')', 1)[1].split(); return (int(f[11]) + int(f[12])) * 1000 / tick
    load0 = os.getloadavg()[0]; cpu0 = cpu()
    lat = []; end = time.time() + dur
    while time.time() < end:
        a = time.perf_counter(); get(rng.choice(ids)); lat.append((time.perf_counter() - a) * 1000)
    load1 = os.getloadavg()[0]; cpu1 = cpu()
    lat.sort(); q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    print(f"{label}: calls {len(lat)}, p50 {q(.5):.1f} ms, p95 {q(.95):.1f} ms, p99 {q(.99):.1f} ms, max {lat[-1]:.1f} ms, mean {sum(lat)/len(lat):.1f} ms, server CPU {(cpu1-cpu0)/len(lat):.1f} ms/call ({(cpu1-cpu0)/dur/10:.0f} % of one core), load avg {load0:.1f} -> {load1:.1f}")
finally:
    p.send_signal(signal.SIGTERM)
    try: p.wait(30)
    except subprocess.TimeoutExpired: p.kill(); p.wait()
