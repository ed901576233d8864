#!/usr/bin/env python3
"""Per-command latency and peak memory of `rollcall` on SQLite stores of the
reference operation at several scales, side by side in one run.

    cargo build --release -p rollcall-cli
    python3 bench/latency.py --bin new=target/release/rollcall [--bin old=PATH] \
        [--scales 1 10 50] [--runs 5] [--work /tmp/rollcall-latency] \
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

With `--postgres URL` the stores are PostgreSQL ledgers instead, one schema
per binary and scale (`lat_NAME_sSCALE`, kept for a later run, like the
directories), each with its node key in the work directory.

For each binary and scale it records the demo (`rollcall demo --scale S`,
wall time and peak memory from `/usr/bin/time -v`), then times each command
with `hyperfine` (mean of --runs runs after one warm-up) and measures its
peak memory with `/usr/bin/time -v` (one run). It prints one Markdown table:
each command's mean, its ratio to the same binary's scale-1 mean, and its
peak memory. A command a binary does not have (an older build) shows "—".

The handover moves one held person between two Iraqi prisons; the
un-timed `--prepare` step moves them back, so every timed run does the same
work. `person show` and `people` append their access records, as in real
use, and so does `screen` (its candidates and the check). Needs `hyperfine` and GNU time (`apt install hyperfine time`).
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

FROM, TO = "IQ-NSR", "IQ-BGD"
# A name search: a common given name (its consonants also those of Hassan)
# and a common family name, in Latin letters against records in Arabic.
NAME = "Husein al-Juburi"


def peak_and_wall(cmd):
    """Runs `cmd` under /usr/bin/time -v: (exit code, wall s, peak MB)."""
    p = subprocess.run(
        ["/usr/bin/time", "-v"] + cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr)
    secs = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            secs = secs * 60 + float(part)
    return p.returncode, secs, (int(peak.group(1)) / 1024 if peak else float("nan"))


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def hyperfine(cmd, prepare, runs):
    """Mean seconds of `cmd` (a shell string), or None if it fails."""
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        args = ["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs),
                "--export-json", f.name]
        if prepare:
            args += ["--prepare", prepare]
        args.append(cmd)
        p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        return json.load(open(f.name))["results"][0]["mean"]


def commands(bin_, data, person, seq, key=None):
    r = f"{shlex.quote(bin_)} --data {shlex.quote(data)}"
    if key:
        r += f" --node-key {shlex.quote(key)}"
    back = f"{r} handover --person {person} --from {TO} --to {FROM} --reason bench >/dev/null 2>&1 || true"
    return [
        ("head", f"{r} head", None),
        ("status --json", f"{r} status --json", None),
        (f"person show", f"{r} person show {person}", None),
        ("people --at F --limit 50 --json", f"{r} people --at {FROM} --limit 50 --json", None),
        ("people --name N --limit 50 --json",
         f"{r} people --name {shlex.quote(NAME)} --limit 50 --json", None),
        ("people --name N --at F --limit 50 --json",
         f"{r} people --name {shlex.quote(NAME)} --at {FROM} --limit 50 --json", None),
        ("screen --name N --post P --json",
         f"{r} screen --name {shlex.quote(NAME)} --post SY-RABIA --json", None),
        ("handover", f"{r} handover --person {person} --from {FROM} --to {TO} --reason bench", back),
        ("prove inclusion", f"{r} prove inclusion {seq}", None),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", required=True, help="NAME=PATH")
    ap.add_argument("--scales", nargs="+", default=["1", "10", "50"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/rollcall-latency")
    ap.add_argument("--postgres", help="a PostgreSQL database URL: its schemas hold the stores")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    bins = [b.split("=", 1) for b in a.bin]
    rows = []  # (command, name, scale, mean, peak)
    demos = []
    for name, path in bins:
        path = os.path.abspath(path)
        for scale in a.scales:
            key = None
            if a.postgres:
                schema = "lat_" + re.sub(r"[^a-z0-9_]", "_", f"{name}_s{scale}".lower())
                data = f"{a.postgres}?schema={schema}"
                key = os.path.join(a.work, f"{schema}.key")
                made = os.path.exists(key)
            else:
                data = os.path.join(a.work, f"{name}-s{scale}")
                made = os.path.exists(data)
            k = ["--node-key", key] if key else []
            if not made:
                code, wall, peak = peak_and_wall([path, "--data", data] + k + ["demo", "--scale", scale])
                if code != 0:
                    sys.exit(f"{name}: demo --scale {scale} failed")
                demos.append((name, scale, wall, peak))
            people = run_json([path, "--data", data] + k + ["people", "--at", FROM, "--limit", "200", "--json"]) \
                or run_json([path, "--data", data] + k + ["people", "--at", FROM, "--json"])
            # Someone held at FROM whom TO may take and no movement holds:
            # the first whose handover there (and back) is accepted.
            person = None
            for p in people:
                if p["status"] != "held":
                    continue
                there = [path, "--data", data] + k + ["handover", "--person", p["id"],
                         "--from", FROM, "--to", TO, "--reason", "bench"]
                if subprocess.run(there, capture_output=True).returncode == 0:
                    back = [path, "--data", data] + k + ["handover", "--person", p["id"],
                            "--from", TO, "--to", FROM, "--reason", "bench"]
                    subprocess.run(back, capture_output=True, check=True)
                    person = p["id"]
                    break
            if person is None:
                sys.exit(f"{name} scale {scale}: nobody at {FROM} can be handed to {TO}")
            head = subprocess.run([path, "--data", data] + k + ["head"], capture_output=True, text=True).stdout
            size = int(head.split("\n")[1])
            for label, cmd, prepare in commands(path, data, person, size // 2, key):
                mean = hyperfine(cmd, prepare, a.runs)
                peak = float("nan")
                if mean is not None:
                    if prepare:
                        subprocess.run(prepare, shell=True)
                    _, _, peak = peak_and_wall(shlex.split(cmd))
                rows.append((label, name, scale, mean, peak))
                print(f"{name} scale {scale} {label}: {mean}", file=sys.stderr)
    print("| command | binary | scale | mean ms | × its scale 1 | peak MB |")
    print("|---|---|---|---|---|---|")
    base = {(c, n): m for c, n, s, m, _ in rows if s == a.scales[0] and m}
    for c, n, s, m, p in rows:
        if m is None:
            print(f"| {c} | {n} | {s} | — | — | — |")
            continue
        ratio = m / base[(c, n)] if (c, n) in base else float("nan")
        print(f"| {c} | {n} | {s} | {m * 1000:.1f} | {ratio:.2f} | {p:.0f} |")
    if demos:
        print()
        print("| demo | binary | scale | wall s | peak MB |")
        print("|---|---|---|---|---|")
        for n, s, w, p in demos:
            print(f"| demo --scale {s} | {n} | {s} | {w:.1f} | {p:.0f} |")


if __name__ == "__main__":
    main()
