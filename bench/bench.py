#!/usr/bin/python3
"""Run mfad's benchmark suite and print a table (docs/benchmarks.md explains each row).

bench/run builds the programs and calls this script. Every comparison runs its two sides
alternately (A B A B ...) in one run, because the machine is shared, and reports the median
over the rounds with the minimum and maximum as the spread. Every server is started here on a
free port of 127.0.0.1 with its own data folder, and stopped before the script ends.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
ALIAS = "bench"
OWNER_PASSWORD = "bench owner password 1"
USER_PASSWORD = "bench password 1"   # what bench_prep gives every benchN user
ROUND_SPACING = 90                     # seconds of server clock between TOTP rounds: 3 steps
START_TIMEOUT = 20                     # seconds to wait for /healthz
REQUEST_TIMEOUT = 60                   # seconds of one HTTP request


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def spread(values):
    """Return median, minimum and maximum of a list of numbers."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "rounds": len(values)}


def totp(seed, at):
    """Return the 6-digit SHA-1 TOTP code of seed (bytes) at Unix time at (RFC 6238)."""
    mac = hmac.new(seed, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def request(port, method, path, body=None, token=None):
    """Send one request on a new connection; return (status, parsed JSON or None)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(raw) if raw else None
    except ValueError:
        return resp.status, None


def api(port, action, body=None, token=None, expect=200):
    status, data = request(port, "POST", "/api/v1/" + action, body, token)
    if status != expect:
        raise RuntimeError("%s returned HTTP %d: %r" % (action, status, data))
    return data


class Mfad:
    """One mfad process on a free port, with a data folder made by mfactl init."""

    def __init__(self, build, folder, synchronous="full", extra=None):
        self.build = build
        self.folder = folder
        self.data = os.path.join(folder, "data")
        self.config = os.path.join(folder, "mfad.ini")
        self.log_path = os.path.join(folder, "mfad.log")
        self.proc = None
        self.port = None
        settings = {"storage": {"synchronous": synchronous}}
        for section, values in (extra or {}).items():
            settings.setdefault(section, {}).update(values)
        with open(self.config, "w", encoding="utf-8") as f:
            for section, values in settings.items():
                f.write("[%s]\n" % section)
                for key, value in values.items():
                    f.write("%s = %s\n" % (key, value))

    def init(self):
        subprocess.run([os.path.join(self.build, "mfactl"), "--data-dir", self.data, "init",
                        "--alias", ALIAS, "--password-stdin"], input=OWNER_PASSWORD + "\n",
                       text=True, check=True, capture_output=True, timeout=120)

    def start(self):
        """Start mfad; return seconds from the exec to the first answered /healthz."""
        self.port = free_port()
        cmd = [os.path.join(self.build, "mfad"), "--listen", "%s:%d" % (HOST, self.port),
               "--data-dir", self.data, "-c", self.config, "--test-clock"]
        log_file = open(self.log_path, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file,
                                     stderr=log_file)
        log_file.close()
        deadline = t0 + START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mfad exited with status %d; see %s"
                                   % (self.proc.returncode, self.log_path))
            if healthz(self.port):
                return time.perf_counter() - t0
            time.sleep(0.0005)
        self.stop()
        raise RuntimeError("mfad did not respond to /healthz within %d s" % START_TIMEOUT)

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid, encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS for mfad")

    def set_clock(self, offset):
        api(self.port, "_test/SetClock", {"Offset": offset})

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def healthz(port):
    """Return whether GET /healthz answers 200, with a raw socket to keep the poll cheap."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


class Suite:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.bin = os.path.join(self.build, "bench")
        self.work = tempfile.mkdtemp(prefix="mfad-bench-", dir=args.workdir)
        self.results = {}
        self.servers = []
        self.notes = set()

    def cleanup(self):
        for s in self.servers:
            s.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def mfad(self, name, synchronous="full", extra=None):
        folder = os.path.join(self.work, name)
        os.makedirs(folder)
        m = Mfad(self.build, folder, synchronous, extra)
        self.servers.append(m)
        return m

    def record(self, key, side, samples, unit):
        self.results.setdefault(key, {})[side] = dict(spread(samples), unit=unit)

    # ---- library micro-benchmarks ----

    def micro(self):
        env = dict(os.environ, BENCH_ROUNDS=str(self.args.rounds * 2))
        for prog in ("bench_totp", "bench_webauthn"):
            log("running %s" % prog)
            out = subprocess.run([os.path.join(self.bin, prog)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                r = json.loads(line)
                self.results.setdefault(r["bench"], {})[r["side"]] = {
                    k: r[k] for k in ("median", "min", "max", "rounds", "unit")}

    def simplewebauthn(self):
        """libmfa and SimpleWebAuthn on the same ES256 assertion, batch after batch."""
        log("running SimpleWebAuthn against libmfa (ES256)")
        fixture = os.path.join(self.work, "es256-assertion.json")
        iters = 300
        c_side = subprocess.Popen([os.path.join(self.bin, "bench_webauthn"), "--serve", fixture],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        node = None
        try:
            if c_side.stdout.readline().strip() != "ready":
                raise RuntimeError("bench_webauthn --serve did not start")
            node = subprocess.Popen(["node", os.path.join(ROOT, "bench", "node", "swa.mjs"),
                                     fixture], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True, cwd=os.path.join(ROOT, "bench", "node"))
            if node.stdout.readline().strip() != "ready":
                raise RuntimeError("bench/node/swa.mjs did not start")
            lib, swa = [], []
            for _ in range(self.args.rounds * 2):
                for proc, samples in ((c_side, lib), (node, swa)):
                    proc.stdin.write("%d\n" % iters)
                    proc.stdin.flush()
                    samples.append(float(proc.stdout.readline()))
            self.record("webauthn_es256_swa", "libmfa", lib, "ns/op")
            self.record("webauthn_es256_swa", "simplewebauthn", swa, "ns/op")
        finally:
            for proc in (c_side, node):
                if proc is not None:
                    proc.stdin.close()
                    proc.wait(30)

    # ---- HTTP ----

    def wrk(self, port, mode, lines, conns, duration, timeout=10):
        cmd = ["wrk", "-t", "2", "-c", str(conns), "-d", "%ds" % duration, "--timeout",
               "%ds" % timeout, "-s", os.path.join(ROOT, "bench", "wrk_lines.lua"),
               "http://%s:%d/" % (HOST, port), "--", lines or "-", "2", mode]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        answered = r["requests"] - r["spare"]
        if r["errors"] or r["status_errors"] or r["spare"]:
            log("wrk %s: %d socket errors, %d non-2xx answers, %d requests past the prepared "
                "lines" % (mode, r["errors"], r["status_errors"], r["spare"]))
        r["rate"] = answered / (r["duration_us"] / 1e6)
        if r["spare"]:
            self.notes.add("%s: the prepared challenges ran out, so its rate is a lower bound; "
                           "raise the user count in bench.py" % mode)
        return r

    def prep_totp_users(self, server, users, rounds):
        """Write users with bound devices and per-round challenges; return the codes' base path."""
        base = os.path.join(server.folder, "codes")
        t0 = int(time.time())
        subprocess.run([os.path.join(self.bin, "bench_prep"), server.data, ALIAS, "0",
                        str(users), "--challenges", str(rounds), str(t0), str(ROUND_SPACING),
                        base], check=True)
        return base, t0

    def http_totp(self, synchronous):
        """LoginMFA with a TOTP code on mfad against the floor for that durability."""
        a = self.args
        key = "http_totp_" + synchronous
        users = a.totp_users_full if synchronous == "full" else a.totp_users_normal
        log("TOTP step, synchronous=%s: preparing %d users x %d rounds" % (synchronous, users,
                                                                              a.rounds))
        server = self.mfad(key, synchronous)
        server.init()
        base, t0 = self.prep_totp_users(server, users, a.rounds)
        server.start()
        floor_db = os.path.join(server.folder, "floor.db")
        mhd = None
        if synchronous == "normal":
            mhd_port = free_port()
            mhd = subprocess.Popen([os.path.join(self.bin, "bench_mhd"), str(mhd_port), "8"],
                                   stdout=subprocess.PIPE, text=True)
            mhd.stdout.readline()
        rates, p50, p99, floor, floor_p50, floor_p99 = [], [], [], [], [], []
        try:
            for r in range(a.rounds):
                # Round r's codes are for server time t0 + r * ROUND_SPACING: set it now.
                server.set_clock(t0 + r * ROUND_SPACING - int(time.time()))
                res = self.wrk(server.port, "totp", "%s.%d" % (base, r), a.conns, a.duration)
                rates.append(res["rate"])
                p50.append(res["p50_us"] / 1000)
                p99.append(res["p99_us"] / 1000)
                if mhd is None:
                    out = subprocess.run([os.path.join(self.bin, "bench_sqlite"), floor_db,
                                          "full", str(a.duration)], check=True,
                                         capture_output=True, text=True).stdout
                    f = json.loads(out)
                    floor.append(f["rate"])
                    floor_p50.append(f["p50_ms"])
                    floor_p99.append(f["p99_ms"])
                else:
                    f = self.wrk(mhd_port, "fixed", None, a.conns, a.duration)
                    floor.append(f["rate"])
                    floor_p50.append(f["p50_us"] / 1000)
                    floor_p99.append(f["p99_us"] / 1000)
        finally:
            if mhd is not None:
                mhd.terminate()
                mhd.wait(10)
            server.stop()
        other = "sqlite-commit" if mhd is None else "bare-mhd"
        self.record(key, "mfad", rates, "req/s")
        self.record(key, other, floor, "req/s")
        self.record(key + "_latency", "mfad_p50", p50, "ms")
        self.record(key + "_latency", "mfad_p99", p99, "ms")
        self.record(key + "_latency", other + "_p50", floor_p50, "ms")
        self.record(key + "_latency", other + "_p99", floor_p99, "ms")
        return server

    def http_password(self, server):
        """Login with a password on mfad against Argon2id hashing alone, same concurrency."""
        a = self.args
        log("password step: mfad against the Argon2id loop")
        lines = os.path.join(server.folder, "principals")
        with open(lines, "w", encoding="ascii") as f:
            for i in range(200):
                f.write("bench%d@%s\n" % (i, ALIAS))
        server.start()
        rates, hashes, p50 = [], [], []
        try:
            for _ in range(a.rounds):
                res = self.wrk(server.port, "login", lines, 4, a.duration, timeout=20)
                rates.append(res["rate"])
                p50.append(res["p50_us"] / 1000)
                out = subprocess.run([os.path.join(self.bin, "bench_pwhash"), "2",
                                      str(a.duration)], check=True, capture_output=True,
                                     text=True).stdout
                hashes.append(json.loads(out)["rate"])
        finally:
            server.stop()
        self.record("http_password", "mfad", rates, "req/s")
        self.record("http_password", "argon2id-loop", hashes, "hash/s")
        self.record("http_password_latency", "mfad_p50", p50, "ms")

    def startup(self):
        log("start-up time and idle memory")
        server = self.mfad("startup")
        server.init()
        times, rss = [], []
        for _ in range(self.args.rounds * 3):  # cheap: about 1.2 s per start
            times.append(server.start() * 1000)
            time.sleep(1)  # idle: the start-up work is over
            rss.append(server.rss_kib() / 1024)
            server.stop()
        self.record("startup", "mfad_first_answer", times, "ms")
        self.record("idle_rss", "mfad", rss, "MiB")

    # ---- scale ----

    def enrol_alice(self, server):
        """Enrol one real user through the API; return her base32 seed."""
        server.start()
        try:
            token = api(server.port, "Login", {"Principal": ALIAS,
                                                "Password": OWNER_PASSWORD})["SessionToken"]
            api(server.port, "CreateUser", {"UserName": "alice"}, token)
            api(server.port, "CreateLoginProfile", {"UserName": "alice",
                                                    "Password": USER_PASSWORD}, token)
            dev = api(server.port, "CreateVirtualMFADevice", {"UserName": "alice"},
                      token)["VirtualMFADevice"]
            seed = dev["Base32StringSeed"]
            raw = base64.b32decode(seed + "=" * (-len(seed) % 8))
            now = int(time.time())
            if now % 30 > 25:      # keep both codes inside one step pair
                time.sleep(31 - now % 30)
                now = int(time.time())
            api(server.port, "BindMFADevice", {
                "UserName": "alice", "SerialNumber": dev["SerialNumber"],
                "AuthenticationCode1": totp(raw, now - 30),
                "AuthenticationCode2": totp(raw, now)}, token)
            return raw
        finally:
            server.stop()

    def scale(self):
        a = self.args
        base = self.mfad("scale-base")
        base.init()
        log("scale: enrolling alice through the API")
        seed = self.enrol_alice(base)
        sides = []
        for name, count in (("scale-1k", 1000), ("scale-1m", a.scale_users)):
            s = self.mfad(name)
            shutil.rmtree(s.data, ignore_errors=True)
            shutil.copytree(base.data, s.data)
            log("scale: writing %d users into %s" % (count - 1, name))
            t = time.perf_counter()
            subprocess.run([os.path.join(self.bin, "bench_prep"), s.data, ALIAS, "0",
                            str(count - 1)], check=True)
            log("scale: %s written in %.0f s" % (name, time.perf_counter() - t))
            s.start()
            sides.append((name, s, []))
        try:
            offset = 0
            for _ in range(a.rounds * 2):
                offset += ROUND_SPACING  # a fresh time step for every logon
                for _, s, samples in sides:
                    s.set_clock(offset)
                    t = time.perf_counter()
                    body = api(s.port, "Login", {"Principal": "alice@" + ALIAS,
                                                 "Password": USER_PASSWORD})
                    code = totp(seed, int(time.time()) + offset)
                    body = api(s.port, "LoginMFA", {"Challenge": body["Challenge"],
                                                    "Method": "totp", "Code": code})
                    samples.append((time.perf_counter() - t) * 1000)
                    if body.get("Status") != "OK":
                        raise RuntimeError("LoginMFA: %r" % (body,))
        finally:
            for _, s, _ in sides:
                s.stop()
        for name, _, samples in sides:
            self.record("scale_logon", name, samples, "ms")


# Rows of the table: key, mfad side, other side, how the ratio is formed, target, test.
ROWS = [
    ("totp_nomatch", "libmfa", "liboath", "speedup", ">= 1.5x liboath", lambda x: x >= 1.5),
    ("totp_nomatch", "libmfa", "raw-hmac-x3", "cost", "<= 1.3x raw HMAC", lambda x: x <= 1.3),
    ("totp_match", "libmfa", "liboath", "speedup", ">= 1x liboath", lambda x: x >= 1.0),
    ("webauthn_es256", "libmfa", "raw-openssl", "cost", "<= 1.15x raw", lambda x: x <= 1.15),
    ("webauthn_es256_swa", "libmfa", "simplewebauthn", "speedup", ">= 4x SimpleWebAuthn",
     lambda x: x >= 4),
    ("webauthn_eddsa", "libmfa", "raw-openssl", "cost", "<= 1.15x raw", lambda x: x <= 1.15),
    ("webauthn_rs256", "libmfa", "raw-openssl", "cost", "<= 1.15x raw", lambda x: x <= 1.15),
    ("http_totp_full", "mfad", "sqlite-commit", "share", ">= 80% of commits/s",
     lambda x: x >= 0.8),
    ("http_totp_normal", "mfad", "bare-mhd", "share", ">= 40% of req/s", lambda x: x >= 0.4),
    ("http_password", "mfad", "argon2id-loop", "share", ">= 90% of hashes/s",
     lambda x: x >= 0.9),
    ("idle_rss", "mfad", None, "value", "<= 15 MiB", lambda x: x <= 15),
    ("startup", "mfad_first_answer", None, "value", "<= 50 ms", lambda x: x <= 50),
    ("scale_logon", "scale-1m", "scale-1k", "cost", "<= 1.2x", lambda x: x <= 1.2),
]


def fmt(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def side_text(s):
    return "%s %s (%s-%s)" % (fmt(s["median"]), s["unit"], fmt(s["min"]), fmt(s["max"]))


def table(results):
    """Return the Markdown table of results: medians, spread (min-max) and ratio."""
    out = ["| benchmark | mfad side: median (min-max) | compared with: median (min-max) "
           "| ratio | target | met |", "| --- | --- | --- | --- | --- | --- |"]
    for key, mine, other, kind, target, test in ROWS:
        r = results.get(key)
        if r is None or mine not in r or (other is not None and other not in r):
            continue
        a = r[mine]
        if kind == "value":
            ratio, ratio_text, b_text = a["median"], "-", "-"
        else:
            b = r[other]
            b_text = "%s: %s" % (other, side_text(b))
            if kind == "speedup":      # times per op: other / mine
                ratio = b["median"] / a["median"]
            elif kind == "cost":       # times per op: mine / other
                ratio = a["median"] / b["median"]
            else:                      # rates: mine / other
                ratio = a["median"] / b["median"]
            ratio_text = ("%.0f%%" % (ratio * 100)) if kind == "share" else "%.2fx" % ratio
        out.append("| %s | %s: %s | %s | %s | %s | %s |" % (
            key, mine, side_text(a), b_text, ratio_text, target, "yes" if test(ratio) else "no"))
    lat = [k for k in results if k.endswith("_latency")]
    if lat:
        out += ["", "| latency | side | median (min-max) over rounds |", "| --- | --- | --- |"]
        for k in lat:
            for side, s in results[k].items():
                out.append("| %s | %s | %s |" % (k[:-len("_latency")], side, side_text(s)))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", required=True, help="CMake build folder with -DMFA_BENCH=ON")
    p.add_argument("--long", action="store_true",
                   help="more and longer rounds, for steadier numbers (about 10 min)")
    p.add_argument("--only", default="", help="comma-separated parts: micro,swa,totp,password,"
                   "startup,scale (default: all)")
    p.add_argument("--workdir", default=None, help="folder for the data folders (default: "
                   "the build folder, so the databases sit on the build's disk)")
    p.add_argument("--keep", action="store_true", help="keep the data folders and logs")
    p.add_argument("--json", default=None, help="also write the results to this file")
    a = p.parse_args()
    a.rounds = 10 if a.long else 5          # alternating rounds of each HTTP comparison
    a.duration = 6 if a.long else 4         # seconds of one wrk or floor run
    a.conns = 8                             # wrk connections, as mfad's 8 worker threads
    # Users, so challenges per round: enough for 8,000 and 15,000 LoginMFA/s over a round.
    a.totp_users_full = 8000 * a.duration
    a.totp_users_normal = 15000 * a.duration
    a.scale_users = 1000000
    if a.workdir is None:
        a.workdir = a.build
    parts = set(a.only.split(",")) if a.only else {"micro", "swa", "totp", "password",
                                                  "startup", "scale"}
    suite = Suite(a)
    started = time.time()
    try:
        if "micro" in parts:
            suite.micro()
        if "swa" in parts:
            suite.simplewebauthn()
        if "totp" in parts or "password" in parts:
            full = suite.http_totp("full")
            if "password" in parts:
                suite.http_password(full)
            if "totp" in parts:
                suite.http_totp("normal")
        if "startup" in parts:
            suite.startup()
        if "scale" in parts:
            suite.scale()
    finally:
        suite.cleanup()
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("date: %s UTC" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"))
    print("cpu: %s, %d cores; suite took %.0f s" % (cpu, os.cpu_count(), time.time() - started))
    print(table(suite.results))
    for note in sorted(suite.notes):
        print("NOTE: " + note)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"cpu": cpu, "results": suite.results}, f, indent=1)


if __name__ == "__main__":
    main()
