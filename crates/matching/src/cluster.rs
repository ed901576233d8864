//! Clustering matched pairs into people, with a guard against chaining.
//!
//! Links are taken strongest first. Two groups are joined only if every
//! pair across them scores at least the `guard` weight: a strong link
//! between A and B and another between B and C does not put A and C
//! together when A and C themselves look like two different people. A link
//! refused by the guard is returned, so it can wait for a person to decide.
//! [`crate::dedupe`] sets the guard to the auto-link weight itself
//! (complete linkage): an automatic cluster holds no pair that would not be
//! linked automatically on its own.

/// A scored pair of record indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Match weight.
    pub weight: f64,
}

/// Clusters and the links the guard held back.
#[derive(Debug, Clone, PartialEq)]
pub struct Clusters {
    /// For every record, its cluster: the smallest record index in it.
    pub cluster: Vec<u32>,
    /// Links not applied because a pair across the two groups scored below
    /// the guard.
    pub held_back: Vec<Link>,
}

/// Largest group the guard checks in full; a join that would make a larger
/// group is held back.
pub const MAX_CLUSTER: usize = 64;

/// Groups `n` records by `links` (weights at or above the auto-link
/// threshold). `weight(a, b)` scores any pair, for the guard.
pub fn cluster(n: usize, links: &[Link], guard: f64, weight: impl Fn(u32, u32) -> f64) -> Clusters {
    let mut order: Vec<&Link> = links.iter().collect();
    order.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let mut held_back = Vec::new();
    for link in order {
        let (ra, rb) = (find(&mut parent, link.a), find(&mut parent, link.b));
        if ra == rb {
            continue;
        }
        let (sa, sb) = (members[ra as usize].len(), members[rb as usize].len());
        let joins = sa + sb <= MAX_CLUSTER
            && (sa + sb == 2
                || members[ra as usize].iter().all(|&x| {
                    members[rb as usize]
                        .iter()
                        .all(|&y| (x == link.a && y == link.b) || weight(x, y) >= guard)
                }));
        if !joins {
            held_back.push(*link);
            continue;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[gone as usize] = keep;
        let moved = std::mem::take(&mut members[gone as usize]);
        members[keep as usize].extend(moved);
    }
    let cluster = (0..n as u32).map(|i| find(&mut parent, i)).collect();
    Clusters { cluster, held_back }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_weak_link_does_not_chain_two_people() {
        // 0–1 is one person, 2–3 another; 1–2 is a strong-looking link but 0
        // and 3 clearly differ, so 1–2 must not join the two groups.
        let links = [
            Link {
                a: 0,
                b: 1,
                weight: 20.0,
            },
            Link {
                a: 2,
                b: 3,
                weight: 19.0,
            },
            Link {
                a: 1,
                b: 2,
                weight: 8.0,
            },
        ];
        let score = |a: u32, b: u32| match (a.min(b), a.max(b)) {
            (0, 1) => 20.0,
            (2, 3) => 19.0,
            (1, 2) => 8.0,
            (0, 2) | (1, 3) => 2.0,
            _ => -15.0,
        };
        let c = cluster(4, &links, 0.0, score);
        assert_eq!(c.cluster, [0, 0, 2, 2]);
        assert_eq!(c.held_back, [links[2]]);
    }

    #[test]
    fn consistent_links_join() {
        let links = [
            Link {
                a: 0,
                b: 1,
                weight: 10.0,
            },
            Link {
                a: 1,
                b: 2,
                weight: 9.0,
            },
        ];
        let c = cluster(4, &links, 0.0, |_, _| 5.0);
        assert_eq!(c.cluster, [0, 0, 0, 3]);
        assert!(c.held_back.is_empty());
    }

    proptest! {
        /// Whatever the links, every pair inside a cluster scores at least
        /// the guard or was itself a link, and no cluster exceeds the limit.
        #[test]
        fn every_cluster_passes_the_guard(
            n in 2usize..30,
            raw in prop::collection::vec((0u32..30, 0u32..30, -20.0f64..20.0), 0..80),
            scores in prop::collection::vec(-20.0f64..20.0, 900),
        ) {
            let score = |a: u32, b: u32| scores[(a.min(b) * 30 + a.max(b)) as usize];
            let links: Vec<Link> = raw
                .iter()
                .filter(|(a, b, _)| (*a as usize) < n && (*b as usize) < n && a != b)
                .map(|&(a, b, _)| Link { a, b, weight: score(a, b) })
                .filter(|l| l.weight >= 0.0)
                .collect();
            let c = cluster(n, &links, 0.0, score);
            for a in 0..n as u32 {
                for b in a + 1..n as u32 {
                    if c.cluster[a as usize] == c.cluster[b as usize] {
                        prop_assert!(score(a, b) >= 0.0, "{a} and {b} share a cluster");
                    }
                }
            }
        }
    }
}
