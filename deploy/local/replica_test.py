#!/usr/bin/env python3
"""The replica kill test, run by deploy/local/replica-test.sh against a stack that deploy/local/start.sh started.

Through nginx: a survey, a bulk import of a zip of photos, single-photo uploads and a steady prediction loop; meanwhile
the replica holding the import job's lease is killed with SIGKILL and restarted. Then, through the API, in PostgreSQL
and in the shared data folder: every acknowledged observation present exactly once, the import complete with every
photo of the zip once, every photo file used by a row and every row's file present, the job taken over by another
replica, and the prediction and upload failures the clients saw (target 0: nginx retries them on a survivor).
Standard library only. Exits 1 on any violation.
"""
import argparse
import hashlib
import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
import zlib

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(msg):
    print(f"[{now():6.1f}s] {msg}", flush=True)


# ---------------------------------------------------------------- run state (state.env, pid files)

def read_state(run):
    state = {}
    out = subprocess.run(["bash", "-c", f'source "{run}/state.env" && env -0'], capture_output=True, check=True).stdout
    for item in out.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            state[k.decode()] = v.decode()
    return state


def replica_pids(run, replicas):
    pids = {}
    for n in range(1, replicas + 1):
        try:
            with open(f"{run}/replica-{n}.pid") as f:
                pids[n] = int(f.read().strip())
        except (OSError, ValueError):
            pass
    return pids


# ---------------------------------------------------------------- HTTP

def request(method, url, body=None, headers=None, timeout=120):
    """Returns (status, parsed JSON or text); status 0 for a transport error (refused, reset, timeout)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except Exception as e:  # noqa: BLE001 - any transport failure counts as a failure
        return 0, repr(e)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def multipart(files, fields=None):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data, ctype in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f'Content-Type: {ctype}\r\n\r\n'.encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- photos

def png(width, height, seed):
    """A leaf-like green ellipse on white, different for every seed (stdlib only: the fallback without the dataset)."""
    rows = []
    cx, cy, rx, ry = width / 2, height / 2, width * 0.42, height * 0.3
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1:
                spot = ((x * 7 + y * 13 + seed * 31) % 97) < 3
                row += bytes((140, 90, 30)) if spot else bytes((40 + seed % 50, 120 + (x + seed) % 60, 40))
            else:
                row += b"\xff\xff\xff"
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 6)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def load_photos(folder, count):
    """(name, bytes, content type) of `count` photos with distinct contents: BRACOL JPEGs, else generated PNGs."""
    photos, seen = [], set()
    if folder and os.path.isdir(folder):
        paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.lower().endswith(".jpg"))
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen:
                continue
            seen.add(sha)
            photos.append((os.path.relpath(p, folder).replace(os.sep, "_"), data, "image/jpeg"))
            if len(photos) == count:
                return photos, "BRACOL JPEGs from " + folder
    log(f"only {len(photos)} photos in {folder!r}: generating PNGs (stdlib) for the rest")
    seed = 0
    while len(photos) < count:
        data = png(256, 128, seed)
        seed += 1
        sha = hashlib.sha256(data).hexdigest()
        if sha not in seen:
            seen.add(sha)
            photos.append((f"generated-{seed}.png", data, "image/png"))
    return photos, "generated PNGs" if not seen else "BRACOL JPEGs + generated PNGs"


# ---------------------------------------------------------------- PostgreSQL

class Db:
    def __init__(self, state):
        conn = dict(kv.split("=", 1) for kv in state["CONNECTION"].split(";") if "=" in kv)
        self.args = ["psql", "-h", conn.get("Host", "127.0.0.1"), "-p", conn.get("Port", "5432"),
                     "-U", conn.get("Username", "postgres"), "-d", conn.get("Database", "postgres"), "-qAtX", "-F", "\t"]
        self.env = dict(os.environ, PGPASSWORD=conn.get("Password", ""))

    def rows(self, sql):
        out = subprocess.run(self.args + ["-c", sql], capture_output=True, text=True, env=self.env)
        if out.returncode != 0:
            raise RuntimeError(f"psql: {out.stderr.strip()}")
        return [line.split("\t") for line in out.stdout.splitlines() if line]


# ---------------------------------------------------------------- load

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = {}
        self.latencies = []
        self.failures = []

    def add(self, status, seconds, detail=None):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(seconds)
            if status != 200 and status != 201:
                self.failures.append((round(now(), 1), status, str(detail)[:200]))

    def total(self):
        return sum(self.statuses.values())

    def summary(self):
        lat = sorted(self.latencies)
        if not lat:
            return "none"
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]  # noqa: E731
        return (f"{self.total()} requests, statuses {dict(sorted(self.statuses.items()))}, "
                f"latency p50 {pct(0.5) * 1000:.0f} ms, p95 {pct(0.95) * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")


def predict_loop(url, photos, stop, stats, pause):
    i = 0
    while not stop.is_set():
        name, data, ctype = photos[i % len(photos)]
        body, ct = multipart([("image", name, data, ctype)])
        start = time.monotonic()
        status, answer = request("POST", f"{url}/v1/predict?crop=coffee", body, {"Content-Type": ct}, timeout=60)
        stats.add(status, time.monotonic() - start, answer if status != 200 else None)
        i += 1
        stop.wait(pause)


def upload_loop(url, token, survey, photos, stats, acked, pause, stop):
    for name, data, ctype in photos:
        if stop.is_set():
            return
        body, ct = multipart([("image", name, data, ctype)], {"plot": "P-01"})
        start = time.monotonic()
        status, answer = request("POST", f"{url}/v1/surveys/{survey}/observations", body,
                                 {"Content-Type": ct, "Authorization": f"Bearer {token}"}, timeout=60)
        stats.add(status, time.monotonic() - start, answer if status not in (200, 201) else None)
        sha = hashlib.sha256(data).hexdigest()
        if status == 201:
            acked.append((answer["id"], sha, name, False))
        elif status == 200:  # the survey already had the photo: the answer names the existing observation
            acked.append((answer["items"][0]["observation"]["id"], sha, name, True))
        time.sleep(pause)


# ---------------------------------------------------------------- nginx log

LINE = re.compile(r"^(\S+) (\S+) (\S+) (\d+) rt=(\S+) upstream=\[(.*?)\] upstream_status=\[(.*?)\]")


def nginx_answers_by(path, since_iso):
    """How many requests each replica (address) answered since a time: the last address nginx tried."""
    counts = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m and m.group(1) >= since_iso and m.group(6):
                addr = m.group(6).replace(" : ", ", ").split(", ")[-1]
                counts[addr] = counts.get(addr, 0) + 1
    return counts


def nginx_retries(path, since_iso):
    """Per kind of request: requests, requests nginx retried, failed attempts on a replica, failures the client saw."""
    kinds = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m or m.group(1) < since_iso:
                continue
            method, uri, status, statuses = m.group(2), m.group(3), int(m.group(4)), m.group(7)
            if method != "POST":
                continue
            kind = ("predict" if uri.startswith("/v1/predict") else "upload" if uri.endswith("/observations")
                    else "import" if uri.endswith("/imports") else None)
            if kind is None:
                continue
            attempts = [s.strip() for s in re.split(r"[,:]", statuses) if s.strip()]
            k = kinds.setdefault(kind, {"requests": 0, "retried": 0, "failed_attempts": 0, "client_failures": 0})
            k["requests"] += 1
            k["retried"] += len(attempts) > 1
            k["failed_attempts"] += sum(1 for a in attempts if not a.isdigit() or int(a) >= 500)
            k["client_failures"] += status >= 500
    return kinds


# ---------------------------------------------------------------- the test

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="the run folder of deploy/local/start.sh")
    ap.add_argument("--photos", default=os.environ.get("CROPVISION_DATASETS", "") and os.path.join(os.environ["CROPVISION_DATASETS"], "bracol-leaf"))
    ap.add_argument("--zip-photos", type=int, default=80)
    ap.add_argument("--upload-photos", type=int, default=40)
    ap.add_argument("--predict-threads", type=int, default=2)
    ap.add_argument("--predict-pause", type=float, default=0.2, help="seconds between one thread's predictions")
    ap.add_argument("--upload-pause", type=float, default=0.3)
    ap.add_argument("--kill-at", type=float, default=0.25, help="kill once this share of the zip is imported")
    ap.add_argument("--restart-after", type=float, default=None,
                    help="seconds between the kill and the restart; default the lease + 2 s, so a survivor must take the job over")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()

    run = os.path.abspath(args.run)
    state = read_state(run)
    replicas, base_port = int(state["REPLICAS"]), int(state["BASE_PORT"])
    if args.restart_after is None:
        args.restart_after = float(state["LEASE_SECONDS"]) + 2
    url = f"http://127.0.0.1:{state['PROXY_PORT']}"
    local = os.path.dirname(os.path.abspath(__file__))
    data_folder = os.path.join(run, "data")
    db = Db(state)
    violations = []
    started_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())

    photos, source = load_photos(args.photos, args.zip_photos + args.upload_photos + 20)
    zip_photos, upload_photos = photos[:args.zip_photos], photos[args.zip_photos:args.zip_photos + args.upload_photos]
    predict_photos = photos[args.zip_photos + args.upload_photos:]
    log(f"photos: {source}; {len(zip_photos)} in the zip, {len(upload_photos)} uploaded one by one, "
        f"{len(predict_photos)} for predictions")

    # Sign in through nginx; the token must open every replica (one key ring in the shared data folder).
    status, answer = request("POST", f"{url}/v1/auth/token",
                             json.dumps({"userName": state["ADMIN_USER"], "password": state["ADMIN_PASSWORD"]}).encode(),
                             {"Content-Type": "application/json"})
    if status != 200:
        sys.exit(f"sign-in failed: {status} {answer}")
    token = answer["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    for n in range(1, replicas + 1):
        s, _ = request("GET", f"http://127.0.0.1:{base_port + n - 1}/v1/auth/me", headers=auth)
        if s != 200:
            violations.append(f"the token from nginx is refused by replica {n} ({s}): key ring not shared")

    status, survey = request("POST", f"{url}/v1/surveys", json.dumps({
        "name": f"replica test {started_iso}", "crop": "coffee", "district": "Đắk Hà", "commune": "Hà Mòn"}).encode(),
        dict(auth, **{"Content-Type": "application/json"}))
    if status != 201:
        sys.exit(f"survey not created: {status} {survey}")
    survey_id = survey["id"]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data, _ in zip_photos:
            z.writestr(f"field/{name}", data)
    zip_bytes = buf.getvalue()

    stop = threading.Event()
    predictions, uploads, acked = Stats(), Stats(), []
    threads = [threading.Thread(target=predict_loop, args=(url, predict_photos, stop, predictions, args.predict_pause), daemon=True)
               for _ in range(args.predict_threads)]
    for t in threads:
        t.start()
    time.sleep(1)

    status, job = request("POST", f"{url}/v1/surveys/{survey_id}/imports", zip_bytes,
                          dict(auth, **{"Content-Type": "application/zip"}))
    if status != 202:
        stop.set()
        sys.exit(f"import not accepted: {status} {job}")
    job_id, job_started = job["id"], now()
    log(f"survey {survey_id}; import job {job_id} accepted ({len(zip_bytes) / 1e6:.1f} MB zip, {len(zip_photos)} photos)")
    uploader = threading.Thread(target=upload_loop, args=(url, token, survey_id, upload_photos, uploads, acked, args.upload_pause, stop), daemon=True)
    uploader.start()

    # Watch the job's lease in PostgreSQL; kill the replica holding it once a quarter of the zip is in; restart it.
    pids = replica_pids(run, replicas)
    owners = []            # (time, owner, replica) each time the lease changes hands
    killed = None          # (time, replica, pid, owner, entries done)
    restarted = None       # (time ready, seconds to ready)
    restart_thread = None
    final = None
    deadline = time.monotonic() + args.timeout

    def replica_of(owner):
        if not owner:
            return None
        parts = owner.split(":")
        if len(parts) == 3 and parts[1].isdigit():
            for n, pid in replica_pids(run, replicas).items():
                if pid == int(parts[1]):
                    return n
            if killed and int(parts[1]) == killed[2]:
                return killed[1]
        return None

    def restart(n):
        nonlocal restarted
        time.sleep(args.restart_after)
        t = now()
        out = subprocess.run([os.path.join(local, "replica.sh"), str(n)], capture_output=True, text=True)
        restarted = (now(), now() - t, out.returncode, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
        log(f"replica {n} restarted: {out.stdout.strip() or out.stderr.strip()} ({now() - t:.1f} s to ready)")

    while time.monotonic() < deadline:
        row = db.rows(f"""SELECT "State", "NextEntry", "TotalEntries", COALESCE("LeaseOwner", ''), "Added", "Duplicates", "FailedEntries"
                          FROM "ImportJobs" WHERE "Id" = '{job_id}'""")
        if not row:
            violations.append("the import job's row disappeared")
            break
        job_state, done, total, owner = row[0][0], int(row[0][1]), int(row[0][2]), row[0][3]
        if owner and (not owners or owners[-1][1] != owner):
            owners.append((now(), owner, replica_of(owner)))
            log(f"job {job_state} {done}/{total}: lease held by {owner} (replica {owners[-1][2]})")
        if killed is None and owner and done >= args.kill_at * total:
            n = replica_of(owner)
            if n is None:
                violations.append(f"lease owner {owner} is no replica of this run")
                break
            pid = pids[n]
            os.kill(pid, signal.SIGKILL)
            killed = (now(), n, pid, owner, done)
            log(f"SIGKILL replica {n} (pid {pid}) holding the import at {done}/{total}")
            restart_thread = threading.Thread(target=restart, args=(n,), daemon=True)
            restart_thread.start()
        if job_state in ("Completed", "Failed"):
            final = row[0]
            log(f"job {job_state}: {done}/{total} entries")
            break
        time.sleep(0.25)
    job_seconds = now() - job_started
    if final is None:
        violations.append(f"the import job did not finish within {args.timeout:.0f} s")

    # Let the restarted replica take traffic for a few seconds before the loads stop.
    if restart_thread:
        restart_thread.join(timeout=200)
    uploader.join(timeout=max(1, deadline - time.monotonic()))
    time.sleep(5)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    load_seconds = now()

    # ------------------------------------------------------------ verification
    # The restarted replica answers the same token too.
    if killed:
        s, _ = request("GET", f"http://127.0.0.1:{base_port + killed[1] - 1}/v1/auth/me", headers=auth)
        if s != 200:
            violations.append(f"the restarted replica {killed[1]} refuses the token ({s})")

    s, job_view = request("GET", f"{url}/v1/jobs/{job_id}", headers=auth)
    if s != 200:
        violations.append(f"GET /v1/jobs/{job_id}: {s}")
        job_view = {}
    if job_view.get("state") != "completed":
        violations.append(f"job state {job_view.get('state')!r} (error {job_view.get('error')!r}), expected 'completed'")
    if job_view.get("added") != len(zip_photos) or job_view.get("duplicates") != 0 or job_view.get("failed") != 0:
        violations.append(f"job counts added {job_view.get('added')}, duplicates {job_view.get('duplicates')}, "
                          f"failed {job_view.get('failed')}; expected {len(zip_photos)}, 0, 0")

    finisher = []
    for n in range(1, replicas + 1):
        try:
            with open(f"{run}/replica-{n}.log", errors="replace") as f:
                if re.search(rf"Import {job_id} Completed", f.read()):
                    finisher.append(n)
        except OSError:
            pass

    rows = db.rows(f"""SELECT "Id", COALESCE("PhotoSha256", ''), COALESCE("OriginalName", '') FROM "Observations"
                       WHERE "SurveyId" = '{survey_id}'""")
    by_id = {}
    for oid, sha, name in rows:
        by_id[oid] = by_id.get(oid, 0) + 1
    sha_count = {}
    for _, sha, _ in rows:
        sha_count[sha] = sha_count.get(sha, 0) + 1
    doubled = {sha: c for sha, c in sha_count.items() if c > 1}
    if doubled:
        violations.append(f"{len(doubled)} photos stored more than once in the survey")

    # Every acknowledged upload: present once in PostgreSQL and readable through the API.
    acked_ids = {oid for oid, _, _, _ in acked}
    missing_acked = [oid for oid in acked_ids if by_id.get(oid, 0) != 1]
    for oid in sorted(acked_ids):
        s, _ = request("GET", f"{url}/v1/surveys/{survey_id}/observations/{oid}", headers=auth)
        if s != 200 and oid not in missing_acked:
            missing_acked.append(oid)
    if missing_acked:
        violations.append(f"{len(missing_acked)} acknowledged observations missing or doubled: {missing_acked[:5]}")
    upload_shas = {hashlib.sha256(d).hexdigest() for _, d, _ in upload_photos}
    stored_unacked = len([sha for sha in upload_shas if sha in sha_count and sha not in {a[1] for a in acked}])

    # Every photo of the zip exactly once.
    zip_shas = {hashlib.sha256(d).hexdigest() for _, d, _ in zip_photos}
    zip_missing = [sha for sha in zip_shas if sha_count.get(sha, 0) == 0]
    if zip_missing:
        violations.append(f"{len(zip_missing)} photos of the zip are not in the survey")
    expected_total = len(zip_shas) + len({a[1] for a in acked}) + stored_unacked
    s, page = request("GET", f"{url}/v1/surveys/{survey_id}/observations?pageSize=1", headers=auth)
    api_total = page.get("total") if s == 200 and isinstance(page, dict) else None
    if len(rows) != expected_total or api_total != len(rows):
        violations.append(f"survey holds {len(rows)} observations in PostgreSQL and {api_total} by the API; expected {expected_total}")

    # Files against rows: every file used, every row's file present (photos and thumbnails).
    photo_rows = {sha: ext for sha, ext in db.rows('SELECT "Sha256", "Extension" FROM "Photos"')}
    used = {sha for (sha,) in db.rows('SELECT DISTINCT "PhotoSha256" FROM "Observations" WHERE "PhotoSha256" IS NOT NULL')}
    files, thumbs = {}, set()
    for d, _, fs in os.walk(os.path.join(data_folder, "photos")):
        for f in fs:
            stem, _, ext = f.partition(".")
            files[os.path.basename(d) + stem] = ext
    for d, _, fs in os.walk(os.path.join(data_folder, "thumbs")):
        for f in fs:
            thumbs.add(os.path.basename(d) + f.partition(".")[0])
    orphan_files = sorted(set(files) - set(photo_rows))
    missing_files = sorted(sha for sha, ext in photo_rows.items() if files.get(sha) != ext)
    missing_thumbs = sorted(set(photo_rows) - thumbs)
    orphan_thumbs = sorted(thumbs - set(photo_rows))
    unused_rows = sorted(set(photo_rows) - used)
    rows_without_photo_row = sorted(used - set(photo_rows))
    bad_names = sorted(sha for sha, ext in files.items()
                       if hashlib.sha256(open(os.path.join(data_folder, "photos", sha[:2], f"{sha[2:]}.{ext}"), "rb").read()).hexdigest() != sha)
    for what, items in [("photo files no row references (orphans)", orphan_files), ("photo rows without their file", missing_files),
                        ("photo rows without a thumbnail", missing_thumbs), ("thumbnails without a photo row", orphan_thumbs),
                        ("photo rows no observation uses", unused_rows), ("observations whose photo has no row", rows_without_photo_row),
                        ("photo files not named by their SHA-256", bad_names)]:
        if items:
            violations.append(f"{len(items)} {what}: {items[:3]}")
    temp_parts = len([f for f in os.listdir(os.path.join(data_folder, "tmp")) if f.endswith(".part")])
    zips_left = len([f for f in os.listdir(os.path.join(data_folder, "imports")) if f.endswith(".zip")])
    if zips_left and final and final[0] == "Completed":
        violations.append(f"{zips_left} zips left in imports/ after the job completed")

    # Forwarded headers: nginx replaces a client's X-Forwarded-For, so sign-ins from one client under ever new claimed
    # addresses still share one per-address limit (Accounts:SignIn:AttemptsPerAddress, 30 a minute). The limit lives in
    # each process's memory, so through nginx's round robin it ends near 30 x replicas. Last: it spends the limit.
    spoofed = []
    for i in range(30 * replicas + 20):
        s, _ = request("POST", f"{url}/v1/auth/token", json.dumps({"userName": f"nobody-{i}", "password": "wrong-password"}).encode(),
                       {"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{i + 1}"})
        spoofed.append(s)
        if s == 429:
            break
    if 429 not in spoofed:
        violations.append(f"{len(spoofed)} sign-ins with spoofed X-Forwarded-For were never throttled: the header reached the service ({spoofed[-3:]})")

    retries = nginx_retries(os.path.join(run, "nginx-access.log"), started_iso)
    if predictions.failures:
        violations.append(f"{len(predictions.failures)} predictions failed as the client saw them: {predictions.failures[:3]}")
    if uploads.failures:
        violations.append(f"{len(uploads.failures)} uploads failed as the client saw them: {uploads.failures[:3]}")

    # ------------------------------------------------------------ summary
    takeover = next(((t, o, n) for t, o, n in owners if killed and t > killed[0] and o != killed[3]), None)
    if killed and takeover is None:
        violations.append("no replica took the job over after the kill")
    survivor_expected = killed and args.restart_after > float(state["LEASE_SECONDS"]) + float(state["POLL_SECONDS"])
    if takeover and survivor_expected and takeover[2] == killed[1]:
        violations.append("the job waited for its own replica's restart instead of being taken over by a survivor")
    if takeover is None:
        path = ""
    elif takeover[2] == killed[1]:
        path = ": the restarted replica itself, seeing its old claim's process dead (same host name)"
    elif state.get("SEPARATE_HOSTS") == "1":
        path = ": a survivor, once the lease lapsed"
    else:
        path = ": a survivor on the same host, seeing the claim's process dead (no wait for the lease)"
    print()
    print("=== replica kill test ===")
    print(f"replicas: {replicas} behind nginx {url}; lease {state['LEASE_SECONDS']} s, poll {state['POLL_SECONDS']} s, "
          f"separate host names: {state.get('SEPARATE_HOSTS') == '1'}")
    print(f"photos: {source}")
    if killed:
        print(f"killed: replica {killed[1]} (pid {killed[2]}) with SIGKILL at {killed[0]:.1f} s, holding the import at {killed[4]}/{len(zip_photos)}")
    if restarted:
        after = nginx_answers_by(os.path.join(run, "nginx-access.log"), restarted[3])
        port = base_port + killed[1] - 1
        print(f"restarted: ready {restarted[1]:.1f} s after its start ({args.restart_after:.0f} s after the kill); exit {restarted[2]}; "
              f"answered {after.get(f'127.0.0.1:{port}', 0)} of {sum(after.values())} requests through nginx since")
    if takeover:
        print(f"job taken over: by replica {takeover[2]} ({takeover[1]}) {takeover[0] - killed[0]:.1f} s after the kill{path}")
    print("lease holders: " + " -> ".join(f"replica {n} at {t:.1f}s" for t, _, n in owners))
    print(f"job: {job_view.get('state')}, added {job_view.get('added')}, duplicates {job_view.get('duplicates')}, failed {job_view.get('failed')}"
          f" of {len(zip_photos)}; finished by replica {', '.join(map(str, finisher)) or '?'}; {job_seconds:.1f} s from upload to end")
    print(f"uploads: {len(upload_photos)} sent, {len(acked)} acknowledged ({sum(1 for a in acked if a[3])} as duplicates of a first try), "
          f"{len(acked_ids) - len(missing_acked)} of {len(acked_ids)} acknowledged present exactly once; {stored_unacked} stored without an acknowledgement")
    print(f"survey: {len(rows)} observations in PostgreSQL, {api_total} by the API, expected {expected_total}; photos stored twice: {len(doubled)}")
    print(f"files: {len(files)} photos, {len(thumbs)} thumbnails, {len(photo_rows)} photo rows; orphan files {len(orphan_files)}, "
          f"rows without file {len(missing_files)}, missing thumbnails {len(missing_thumbs)}; temporary .part files {temp_parts}; zips left {zips_left}")
    print(f"predictions: {predictions.summary()}")
    print(f"uploads (HTTP): {uploads.summary()}")
    for kind, k in sorted(retries.items()):
        print(f"nginx {kind}: {k['requests']} requests, {k['failed_attempts']} failed attempts on a replica, "
              f"{k['retried']} retried on another, {k['client_failures']} failures the client saw")
    print(f"forwarded headers: sign-ins under {len(spoofed)} spoofed X-Forwarded-For addresses, throttled (429) at attempt "
          f"{spoofed.index(429) + 1 if 429 in spoofed else 'never'} (limit 30 a minute per address in each of {replicas} replicas): "
          f"the address nginx saw counted, not the header")
    print(f"load ran {load_seconds:.1f} s")
    if violations:
        print(f"\nFAILED: {len(violations)} violation(s)")
        for v in violations:
            print(f"  - {v}")
        return 1
    print("\nPASSED: every acknowledged observation present once, the zip imported once, files and rows agree, no client-visible failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
