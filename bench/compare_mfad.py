#!/usr/bin/python3
"""Compare the LoginMFA TOTP step of two mfad builds in alternating rounds.

Usage: compare_mfad.py BUILD_A BUILD_B [--synchronous full|normal] [--rounds N] [--duration S]

BUILD_A and BUILD_B are CMake build folders that hold an mfad binary. The users, devices and
challenges are written by bench_prep of build-bench/ (a build with -DMFA_BENCH=ON), so both
builds must use the same database schema. Each round runs wrk against A, then against B, and
prints the logon rate, the 99th percentile and mfad's CPU time (user and system, from
/proc/PID/stat) per completed logon. CPU time per logon changes less than the rate when other
processes load the machine. Both servers listen on free ports of 127.0.0.1 and are stopped at
the end.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def cpu_seconds(pid):
    """Return the user plus system CPU time of process pid, in seconds."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("build_a", help="build folder of mfad A")
    p.add_argument("build_b", help="build folder of mfad B")
    p.add_argument("--synchronous", default="full", choices=("full", "normal"))
    p.add_argument("--rounds", type=int, default=4, help="rounds per side (default 4)")
    p.add_argument("--duration", type=int, default=4, help="seconds of one wrk run (default 4)")
    p.add_argument("--prep-build", default=os.path.join(bench.ROOT, "build-bench"),
                   help="build folder with bench_prep and mfactl (default: build-bench)")
    a = p.parse_args()
    a.build = a.prep_build
    a.workdir = a.prep_build
    a.keep = False

    suite = bench.Suite(a)
    # Enough prepared challenges for 12,000 logons/s over a round.
    users = 12000 * a.duration
    sides = {}
    try:
        for name, build in (("A", a.build_a), ("B", a.build_b)):
            server = suite.mfad(name, a.synchronous)
            server.init()
            base, t0 = suite.prep_totp_users(server, users, a.rounds)
            server.build = os.path.abspath(build)
            server.start()
            sides[name] = {"server": server, "base": base, "t0": t0, "rate": [], "cpu": []}

        for r in range(a.rounds):
            for name, side in sides.items():
                server = side["server"]
                server.set_clock(side["t0"] + r * bench.ROUND_SPACING - int(time.time()))
                before = cpu_seconds(server.proc.pid)
                res = suite.wrk(server.port, "totp", "%s.%d" % (side["base"], r), 8, a.duration)
                used = cpu_seconds(server.proc.pid) - before
                answered = res["rate"] * res["duration_us"] / 1e6
                side["rate"].append(res["rate"])
                side["cpu"].append(used / answered * 1e6)
                print("round %d %s: %.0f logons/s, p99 %.1f ms, %.0f us CPU per logon"
                      % (r, name, res["rate"], res["p99_us"] / 1000, side["cpu"][-1]),
                      flush=True)
    finally:
        suite.cleanup()

    rate_a = statistics.median(sides["A"]["rate"])
    rate_b = statistics.median(sides["B"]["rate"])
    print("median logons/s: A %.0f, B %.0f, B/A %.2f" % (rate_a, rate_b, rate_b / rate_a))
    print("median CPU per logon: A %.0f us, B %.0f us" % (statistics.median(sides["A"]["cpu"]),
                                                         statistics.median(sides["B"]["cpu"])))


if __name__ == "__main__":
    main()
