#!/usr/bin/env python3
"""The transfer-planning problem of `rollcall plan`, modelled for Google OR-Tools
CP-SAT (pip install ortools), as the benchmark's reference solver.

    python3 bench/plan_cpsat.py --input INSTANCE.json --horizon DAYS --time-limit 60 [--workers 2]

Prints one JSON line: status, days, the proven lower bound on days, high-risk
people by land, vehicles, and the wall time (model building and solving).

The model is exact for the instance format in README ("Transfer planner"):
- every day offers each origin's vehicles (convoys x vehicles per convoy) and
  `flights_per_day` flights; a used vehicle or flight goes to one destination
  and carries one segregation class (adult men, or women and juveniles); a
  flight also picks one origin;
- people without separation groups are counted by kind (origin, category,
  high risk, medical): integer variables per vehicle, kind and destination;
- people in separation groups are booleans per person and vehicle, with at
  most one member of a group per vehicle;
- high-risk kinds only in armoured vehicles or flights, and only to maximum
  security; medical kinds only on medic movements (at most
  `medic_movements_per_day` a day); categories only where accepted; seats,
  destination capacity and the border limit per day;
- objective, lexicographic by weights: days, then high-risk people by land,
  then vehicles used.
Identical vehicles of one origin and day are used in order (symmetry breaking).
"""

import argparse
import json
import sys
import time

from ortools.sat.python import cp_model


def category(p):
    if p["juvenile"]:
        return "J"
    return "F" if p["sex"] == "F" else "M"


def accepts(d, cat, high):
    if high and d["security"] != "maximum":
        return False
    if cat == "F":
        return d["accepts_women"]
    if cat == "J":
        return d["accepts_juveniles"]
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--horizon", type=int, required=True, help="days the model may use")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-variables", type=int, default=3_000_000,
                    help="refuse to build a larger model (reported as too_large)")
    a = ap.parse_args()
    t0 = time.monotonic()
    inst = json.load(open(a.input))
    H = a.horizon
    dests = inst["destinations"]
    K = range(len(dests))
    origins = inst["origins"]
    oidx = {o["id"]: i for i, o in enumerate(origins)}
    F, FS = inst["flights_per_day"], inst["flight_seats"]
    M = inst["medic_movements_per_day"]
    B = inst["border_limit_per_day"]

    # Kinds of people without groups; members individually.
    counts = {}
    members = []
    for p in inst["people"]:
        kind = (oidx[p["origin"]], category(p), p["risk"] == "high", p["medical"])
        if p["groups"]:
            members.append((kind, sorted(set(p["groups"]))))
        else:
            counts[kind] = counts.get(kind, 0) + 1
    kinds = sorted(counts)
    kinds_at = {o: [t for t in kinds if t[0] == o] for o in range(len(origins))}

    # Size check before building.
    fleet = [[v for _ in range(o["convoys_per_day"]) for v in o["vehicles_per_convoy"]] for o in origins]
    est = 0
    for o in range(len(origins)):
        est += H * len(fleet[o]) * (len(kinds_at[o]) * len(K) + 2 * len(K) + 3)
    est += H * F * (len(kinds) * len(K) + len(origins) + 2 * len(K) + 3)
    est += sum(H * (len(fleet[k[0]]) + F) for k, _ in members)
    if est > a.max_variables:
        print(json.dumps({"status": "too_large", "variables": est,
                          "wall_s": round(time.monotonic() - t0, 2)}))
        return

    m = cp_model.CpModel()
    w = [m.NewBoolVar(f"w{d}") for d in range(H)]
    for d in range(H - 1):
        m.Add(w[d] >= w[d + 1])
    demand = {t: [] for t in kinds}
    to_dest = {k: [] for k in K}
    hr_land = []
    used = []
    day_people = [[] for _ in range(H)]
    day_medic = [[] for _ in range(H)]
    member_opts = [[] for _ in members]

    def slot(d, seats, armoured, air, origin):
        """One vehicle or flight on day d; origin None for a flight."""
        use = m.NewBoolVar("")
        men = m.NewBoolVar("")
        medic = m.NewBoolVar("")
        y = [m.NewBoolVar("") for _ in K]
        m.Add(sum(y) == use)
        m.Add(use <= w[d])
        m.Add(medic <= use)
        used.append(use)
        day_medic[d].append(medic)
        if air:
            u = [m.NewBoolVar("") for _ in origins]
            m.Add(sum(u) == use)
        load = []
        for t in (kinds if air else kinds_at[origin]):
            o, cat, high, med = t
            if high and not (air or armoured):
                continue
            xs = []
            for k in K:
                if not accepts(dests[k], cat, high):
                    continue
                z = m.NewIntVar(0, min(seats, counts[t]), "")
                m.Add(z <= seats * y[k])
                if air:
                    m.Add(z <= seats * u[o])
                xs.append(z)
                to_dest[k].append(z)
            if not xs:
                continue
            s = sum(xs)
            demand[t].extend(xs)
            load.extend(xs)
            if med:
                m.Add(s <= seats * medic)
            if cat == "M":
                m.Add(s <= seats * men)
            else:
                m.Add(s <= seats * (1 - men))
            if high and not air:
                hr_land.extend(xs)
        mine = []
        for i, ((o, cat, high, med), groups) in enumerate(members):
            if (not air and o != origin) or (high and not (air or armoured)):
                continue
            if not any(accepts(dests[k], cat, high) for k in K):
                continue
            b = m.NewBoolVar("")
            m.Add(b <= sum(y[k] for k in K if accepts(dests[k], cat, high)))
            if air:
                m.Add(b <= u[o])
            if med:
                m.Add(b <= medic)
            m.Add(b <= (men if cat == "M" else 1 - men))
            member_opts[i].append(b)
            mine.append((i, b))
            if high and not air:
                hr_land.append(b)
        # Members by destination (exact capacity), one member per group.
        if mine:
            g = [m.NewIntVar(0, seats, "") for _ in K]
            for k in K:
                m.Add(g[k] <= seats * y[k])
                to_dest[k].append(g[k])
            m.Add(sum(g) == sum(b for _, b in mine))
            load.extend(g)
            by_group = {}
            for i, b in mine:
                for grp in members[i][1]:
                    by_group.setdefault(grp, []).append(b)
            for bs in by_group.values():
                if len(bs) > 1:
                    m.Add(sum(bs) <= 1)
        if load:
            m.Add(sum(load) <= seats * use)
            day_people[d].extend(load)
        return use

    for d in range(H):
        for o in range(len(origins)):
            prev = None
            for v in sorted(fleet[o], key=lambda v: (not v["armored"], -v["seats"])):
                use = slot(d, v["seats"], v["armored"], False, o)
                if prev is not None and prev[0] == (v["seats"], v["armored"]):
                    m.Add(prev[1] >= use)
                prev = ((v["seats"], v["armored"]), use)
        prev = None
        for _ in range(F):
            use = slot(d, FS, False, True, None)
            if prev is not None:
                m.Add(prev >= use)
            prev = use
        if M is not None:
            m.Add(sum(day_medic[d]) <= M)
        if B is not None and day_people[d]:
            m.Add(sum(day_people[d]) <= B)
    for t in kinds:
        m.Add(sum(demand[t]) == counts[t])
    for i, opts in enumerate(member_opts):
        m.Add(sum(opts) == 1)
    for k in K:
        if to_dest[k]:
            m.Add(sum(to_dest[k]) <= dests[k]["capacity"])
    n_hr = sum(1 for p in inst["people"] if p["risk"] == "high")
    V = len(used)
    c_days = (n_hr + 1) * (V + 1)
    m.Minimize(c_days * sum(w) + (V + 1) * sum(hr_land) + sum(used))
    build = time.monotonic() - t0

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = a.time_limit
    solver.parameters.num_workers = a.workers
    status = solver.Solve(m)
    wall = time.monotonic() - t0
    out = {"status": solver.StatusName(status), "build_s": round(build, 2), "wall_s": round(wall, 2)}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out["days"] = int(sum(solver.Value(x) for x in w))
        out["hr_by_land"] = int(sum(solver.Value(x) for x in hr_land))
        out["vehicles"] = int(sum(solver.Value(x) for x in used))
    out["bound_days"] = int(solver.BestObjectiveBound() // c_days)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
