//! Where each person goes. People fall into six kinds (category times high
//! risk or not); a maximum flow from kinds to destinations, through the
//! destinations' remaining capacity and the rules on who each may hold,
//! gives how many of each kind each destination takes. People are then
//! given destinations in long runs, so that a vehicle (which goes to one
//! destination) rarely has to leave seats empty at a change of destination.

use crate::model::{Destination, Model};
use rollcall_core::person::Category;

/// The six kinds of people destinations tell apart.
pub const KINDS: usize = 6;

/// The kind of a person: category and high risk.
pub fn kind(category: Category, high_risk: bool) -> usize {
    let c = match category {
        Category::AdultMale => 0,
        Category::AdultFemale => 1,
        Category::Juvenile => 2,
    };
    c * 2 + usize::from(high_risk)
}

/// The category and high-risk flag of a kind.
pub fn kind_parts(k: usize) -> (Category, bool) {
    let c = match k / 2 {
        0 => Category::AdultMale,
        1 => Category::AdultFemale,
        _ => Category::Juvenile,
    };
    (c, k % 2 == 1)
}

/// How many of each kind each destination takes: `quota[kind][destination]`,
/// as a maximum flow. Kinds that cannot all be placed are short; the caller
/// reports them.
pub fn quotas(count: &[u64; KINDS], destinations: &[Destination]) -> Vec<Vec<u64>> {
    // Nodes: source, kinds, destinations, sink.
    let nd = destinations.len();
    let n = 2 + KINDS + nd;
    let (src, sink) = (0, n - 1);
    let mut cap = vec![vec![0u64; n]; n];
    for k in 0..KINDS {
        cap[src][1 + k] = count[k];
        let (c, h) = kind_parts(k);
        for (d, dest) in destinations.iter().enumerate() {
            if dest.accepts(c, h) {
                cap[1 + k][1 + KINDS + d] = u64::MAX;
            }
        }
    }
    for (d, dest) in destinations.iter().enumerate() {
        cap[1 + KINDS + d][sink] = dest.capacity;
    }
    let original = cap.clone();
    // Edmonds-Karp: the graph has at most a few dozen nodes.
    loop {
        let mut prev = vec![usize::MAX; n];
        prev[src] = src;
        let mut queue = std::collections::VecDeque::from([src]);
        while let Some(u) = queue.pop_front() {
            for v in 0..n {
                if prev[v] == usize::MAX && cap[u][v] > 0 {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[sink] == usize::MAX {
            break;
        }
        let mut push = u64::MAX;
        let mut v = sink;
        while v != src {
            push = push.min(cap[prev[v]][v]);
            v = prev[v];
        }
        let mut v = sink;
        while v != src {
            let u = prev[v];
            cap[u][v] -= push;
            cap[v][u] = cap[v][u].saturating_add(push);
            v = u;
        }
    }
    (0..KINDS)
        .map(|k| {
            (0..nd)
                .map(|d| {
                    let (u, v) = (1 + k, 1 + KINDS + d);
                    original[u][v].saturating_sub(cap[u][v]).min(count[k])
                })
                .collect()
        })
        .collect()
}

/// People of each kind.
pub fn counts(model: &Model) -> [u64; KINDS] {
    let mut count = [0u64; KINDS];
    for p in &model.people {
        count[kind(p.category, p.high_risk)] += 1;
    }
    count
}

/// A destination for every person who can be placed, in runs: origin by
/// origin, each kind takes its destinations one after another.
pub fn assign(model: &Model, quota: &[Vec<u64>]) -> Vec<Option<u32>> {
    let mut left: Vec<Vec<u64>> = quota.to_vec();
    let mut cursor = [0usize; KINDS];
    let mut order: Vec<u32> = (0..model.people.len() as u32).collect();
    order.sort_by_key(|&i| model.people[i as usize].origin);
    let mut out = vec![None; model.people.len()];
    for i in order {
        let p = &model.people[i as usize];
        let k = kind(p.category, p.high_risk);
        while cursor[k] < left[k].len() && left[k][cursor[k]] == 0 {
            cursor[k] += 1;
        }
        if let Some(l) = left[k].get_mut(cursor[k]) {
            *l -= 1;
            out[i as usize] = Some(cursor[k] as u32);
        }
    }
    out
}

/// Whether everyone of `count` (by kind) fits the destinations' `room`.
fn fits(count: &[u64; KINDS], room: &[Destination]) -> bool {
    let placed: u64 = quotas(count, room).iter().flatten().sum();
    placed == count.iter().sum::<u64>()
}

/// A destination for every person, each origin's people in as few
/// destinations as possible, or `None` if some cannot be placed. Origins go
/// largest first; each of its segregation classes takes the destination
/// with the most room for it, as many of each kind as can go there with
/// everyone not yet placed still fitting the rest (a flow check), then the
/// next destination. A vehicle or flight (one destination) then finds all
/// of an origin's people, high-risk and others, in one place.
pub fn assign_by_origin(model: &Model) -> Option<Vec<Option<u32>>> {
    let no = model.origins();
    let mut room: Vec<Destination> = model.destinations.clone();
    let mut count = counts(model);
    // People by origin and kind, in instance order.
    let mut rows: Vec<[Vec<u32>; KINDS]> = vec![Default::default(); no];
    for (i, p) in model.people.iter().enumerate() {
        rows[p.origin as usize][kind(p.category, p.high_risk)].push(i as u32);
    }
    let mut origins: Vec<usize> = (0..no).collect();
    origins.sort_by_key(|&o| std::cmp::Reverse(rows[o].iter().map(Vec::len).sum::<usize>()));
    let mut out = vec![None; model.people.len()];
    for o in origins {
        // Kinds by segregation class (adult men; adult women and
        // juveniles), high-risk kinds first so they share a destination.
        for class in [&[1usize, 0][..], &[3, 5, 2, 4][..]] {
            let mut rest: Vec<&[u32]> = class.iter().map(|&k| &rows[o][k][..]).collect();
            let mut tried = vec![false; room.len()];
            let mut progress = false;
            while rest.iter().any(|r| !r.is_empty()) {
                let fit = |d: usize| -> u64 {
                    class
                        .iter()
                        .zip(&rest)
                        .filter(|(k, r)| {
                            let (c, h) = kind_parts(**k);
                            !r.is_empty() && room[d].accepts(c, h)
                        })
                        .map(|(_, r)| r.len() as u64)
                        .sum::<u64>()
                        .min(room[d].capacity)
                };
                let Some(d) = (0..room.len())
                    .filter(|&d| !tried[d] && fit(d) > 0)
                    .max_by_key(|&d| (fit(d), room[d].capacity, std::cmp::Reverse(d)))
                else {
                    // Every destination tried: again while that placed someone.
                    if std::mem::take(&mut progress) {
                        tried.fill(false);
                        continue;
                    }
                    return None;
                };
                tried[d] = true;
                for (j, &k) in class.iter().enumerate() {
                    let (c, h) = kind_parts(k);
                    if rest[j].is_empty() || !room[d].accepts(c, h) {
                        continue;
                    }
                    // The most of this kind that can go to d, the rest still fitting.
                    let most = (rest[j].len() as u64).min(room[d].capacity);
                    let ok = |x: u64| {
                        let mut c2 = count;
                        c2[k] -= x;
                        let mut r2 = room.clone();
                        r2[d].capacity -= x;
                        fits(&c2, &r2)
                    };
                    let (mut lo, mut hi) = (0u64, most);
                    while lo < hi {
                        let mid = lo + (hi - lo).div_ceil(2);
                        if ok(mid) {
                            lo = mid;
                        } else {
                            hi = mid - 1;
                        }
                    }
                    for &i in &rest[j][..lo as usize] {
                        out[i as usize] = Some(d as u32);
                    }
                    count[k] -= lo;
                    room[d].capacity -= lo;
                    progress |= lo > 0;
                    rest[j] = &rest[j][lo as usize..];
                }
            }
        }
    }
    Some(out)
}
