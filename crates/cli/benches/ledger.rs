//! Ledger benchmark: durable appends/s at scale 10, verify events/s, and the
//! demo's wall time at scale 1, all on data from the reference operation
//! generator. Run with `cargo bench -p rollcall-cli --bench ledger`
//! (optionally `-- --scale 10 --demo-scale 1`). Not run in CI.
//!
//! The baseline ("peer") is the bare SQLite store appending the very same
//! encoded events in the same commit sizes with no checks, no hashing and no
//! signing: the ratio shows what Rollcall's guarantees cost on top of durable
//! storage.

use rollcall_core::State;
use rollcall_core::event::{Actor, Event};
use rollcall_core::{NodeId, UserId};
use rollcall_node::Node;
use rollcall_store::{Commit, Store, StoredEvent};
use rollcall_store_sqlite::SqliteStore;
use std::time::Instant;

fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Durable appends on PostgreSQL at `url`: the reference operation recorded
/// through the node (every commit of ≤ `group` events durable, with its
/// signed head), then the bare PostgreSQL store appending the same encoded
/// events in the same commit sizes (one batched `unnest` INSERT per
/// commit, no checks, hashing, signing or read model): the peer.
fn postgres(url: &str, scale: f64, group: usize) {
    let pid = std::process::id();
    let full = format!("bench_rollcall_{pid}");
    let bare = format!("bench_bare_{pid}");
    let drop_schemas = || {
        if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {full} CASCADE; DROP SCHEMA IF EXISTS {bare} CASCADE;"
            ));
        }
    };
    let key_dir = tempfile::tempdir().expect("tempdir");
    let key = key_dir.path().join("bench.key");
    let location = rollcall_node::Location::parse(&format!("{url}?schema={full}")).expect("url");
    let node =
        Node::init_at(&location, rollcall_sim::NODE, Some(&key)).expect("init on PostgreSQL");
    let (events, secs, commits) = record_into(node, scale, group);

    let raw = encoded_events(scale);
    let mut store = rollcall_store_postgres::PgStore::connect(url, &bare).expect("bare store");
    let start = Instant::now();
    for chunk in raw.chunks(group) {
        store
            .append(&Commit {
                events: chunk,
                ..Commit::default()
            })
            .expect("append");
    }
    let raw_secs = start.elapsed().as_secs_f64();
    drop(store);
    drop_schemas();
    let rate = events as f64 / secs;
    let raw_rate = raw.len() as f64 / raw_secs;
    println!(
        "\n5. durable appends on PostgreSQL at scale {scale} (commits of ≤ {group}; {commits} commits, each with its signed head)"
    );
    println!(
        "   {events} events: rollcall {rate:.0} ev/s ({secs:.1} s), bare PostgreSQL store {raw_rate:.0} ev/s ({raw_secs:.1} s), ratio {:.2}",
        rate / raw_rate
    );
    println!(
        "   target 30,000 durable appends/s on PostgreSQL: {:.2}x of target",
        rate / 30_000.0
    );
}

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Records the whole reference operation through the node, committing every
/// `group` events; returns (events, seconds, commits).
fn record(dir: &std::path::Path, scale: f64, group: usize) -> (u64, f64, u64) {
    let node = Node::init(dir, rollcall_sim::NODE).expect("init");
    record_into(node, scale, group)
}

/// [`record`] into `node`, wherever its store is.
fn record_into(mut node: Node, scale: f64, group: usize) -> (u64, f64, u64) {
    let op = rollcall_sim::generate(&rollcall_sim::Config { seed: 1, scale });
    let start = Instant::now();
    let mut commits = 0;
    for step in &op.steps {
        node.stage_step(&step.user, step.at, &step.action)
            .expect("stage");
        if node.staged() >= group {
            node.commit().expect("commit");
            commits += 1;
        }
    }
    node.commit().expect("commit");
    commits += 1;
    (node.size(), start.elapsed().as_secs_f64(), commits)
}

/// The reference operation's events, encoded, with no store involved.
fn encoded_events(scale: f64) -> Vec<StoredEvent> {
    let op = rollcall_sim::generate(&rollcall_sim::Config { seed: 1, scale });
    let mut state = State::new();
    let mut out = Vec::new();
    for step in &op.steps {
        let kinds = rollcall_sim::expand(&step.action, &state).expect("expand");
        let seq0 = state.next_seq();
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let actor = Actor {
                    user: UserId(step.user.clone()),
                    node: NodeId::new(rollcall_sim::NODE),
                };
                Event::new(seq0 + i as u64, step.at, step.at, actor, k)
            })
            .collect();
        state.apply_batch(&events).expect("apply");
        for (i, e) in events.into_iter().enumerate() {
            let bytes = e.encode().expect("encode");
            out.push(StoredEvent {
                seq: seq0 + i as u64,
                leaf_hash: rollcall_ledger::leaf_hash(&bytes),
                bytes,
            });
        }
    }
    out
}

fn main() {
    let scale = arg("--scale", 10.0);
    let demo_scale = arg("--demo-scale", 1.0);
    let tmp = tempfile::tempdir().expect("tempdir");
    println!("Rollcall ledger benchmark (reference operation, seed 1)");
    println!(
        "machine: {} logical cores; single-threaded work throughout",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // `--postgres URL --postgres-only`: section 5 alone.
    if std::env::args().any(|a| a == "--postgres-only") {
        let url = text_arg("--postgres").expect("--postgres-only needs --postgres URL");
        postgres(&url, scale, 5_000);
        return;
    }

    // 1. Durable appends, Rollcall's full path vs the bare store.
    let mut rows = Vec::new();
    for group in [1_000usize, 5_000, 20_000] {
        let dir = tmp.path().join(format!("rollcall-{group}"));
        let (events, secs, commits) = record(&dir, scale, group);
        let events_raw = encoded_events(scale);
        let mut store =
            SqliteStore::open(&tmp.path().join(format!("raw-{group}.db"))).expect("store");
        let start = Instant::now();
        for chunk in events_raw.chunks(group) {
            store
                .append(&Commit {
                    events: chunk,
                    projection: &[],
                    checkpoint: None,
                    ..Commit::default()
                })
                .expect("append");
        }
        let raw_secs = start.elapsed().as_secs_f64();
        rows.push((
            group,
            events,
            secs,
            commits,
            events_raw.len() as f64 / raw_secs,
        ));
    }
    println!(
        "\n1. durable appends at scale {scale} (every commit fsynced; checks, hashing, signing, projections included)"
    );
    println!(
        "   {:>10} {:>10} {:>8} {:>14} {:>16} {:>8}",
        "commit ≤", "events", "commits", "rollcall ev/s", "bare store ev/s", "ratio"
    );
    for (group, events, secs, commits, raw_rate) in &rows {
        let rate = *events as f64 / secs;
        println!(
            "   {:>10} {:>10} {:>8} {:>14.0} {:>16.0} {:>8.2}",
            group,
            events,
            commits,
            rate,
            raw_rate,
            rate / raw_rate
        );
    }
    let best = rows
        .iter()
        .map(|(_, e, s, _, _)| *e as f64 / s)
        .fold(0.0, f64::max);
    println!(
        "   target 100,000 durable appends/s: {:.2}x of target",
        best / 100_000.0
    );

    // 2. verify on the scale-N ledger (one core).
    let dir = tmp.path().join("rollcall-20000");
    let start = Instant::now();
    let report = rollcall_node::verify_dir(&dir, Default::default(), &mut |_| {}).expect("verify");
    let secs = start.elapsed().as_secs_f64();
    assert!(report.ok, "verify failed: {:?}", report.problems);
    let rate = report.events as f64 / secs;
    println!(
        "\n2. verify at scale {scale}: {} events, {} heads, {} projection rows in {:.2} s = {:.0} events/s ({:.2}x of the 500,000/s target)",
        report.events,
        report.heads,
        report.projection_rows,
        secs,
        rate,
        rate / 500_000.0
    );

    // 2b. Bulk registration (a roster import): the reference operation's
    // registrations alone, 1,000 per atomic batch, group-committed. Short,
    // so run three times; the median is reported.
    {
        let op = rollcall_sim::generate(&rollcall_sim::Config { seed: 1, scale });
        let first_plan = op
            .steps
            .iter()
            .position(|s| matches!(s.action, rollcall_sim::Action::Plan(_)))
            .unwrap_or(op.steps.len());
        let mut rates = Vec::new();
        let mut events = 0;
        for run in 0..3 {
            let dir = tmp.path().join(format!("registrations-{run}"));
            let mut node = Node::init(&dir, rollcall_sim::NODE).expect("init");
            // Registrations are recorded as the generator wrote them: their
            // events are built before the clock starts.
            let batches: Vec<_> = op.steps[..first_plan]
                .iter()
                .map(|s| match &s.action {
                    rollcall_sim::Action::Record(kinds) => (s.user.clone(), s.at, kinds.clone()),
                    other => panic!("a step before the first plan is not a record: {other:?}"),
                })
                .collect();
            let start = Instant::now();
            for (i, (user, at, kinds)) in batches.into_iter().enumerate() {
                node.stage(&user, at, kinds).expect("stage");
                if i % 5 == 4 {
                    node.commit().expect("commit");
                }
            }
            node.commit().expect("commit");
            rates.push(node.size() as f64 / start.elapsed().as_secs_f64());
            events = node.size();
        }
        rates.sort_by(f64::total_cmp);
        let rate = rates[1];
        println!(
            "\n2b. bulk registration at scale {scale}: {events} events (batches of 1,000, 5 per commit), 3 runs: {:.0} / {:.0} / {:.0} durable appends/s; median {:.2}x of the 100,000/s target",
            rates[0],
            rates[1],
            rates[2],
            rate / 100_000.0
        );
    }

    // 3. Movements: plan (seats, rules, escort records), confirm, depart,
    // count, report positions, arrive and reconcile every movement of the
    // reference operation, after an untimed registration phase.
    {
        let op = rollcall_sim::generate(&rollcall_sim::Config { seed: 1, scale });
        let dir = tmp.path().join("movements");
        let mut node = Node::init(&dir, rollcall_sim::NODE).expect("init");
        let first_plan = op
            .steps
            .iter()
            .position(|s| matches!(s.action, rollcall_sim::Action::Plan(_)))
            .unwrap_or(op.steps.len());
        for step in &op.steps[..first_plan] {
            node.stage_step(&step.user, step.at, &step.action)
                .expect("stage");
            if node.staged() >= 5_000 {
                node.commit().expect("commit");
            }
        }
        node.commit().expect("commit");
        let before = node.size();
        let start = Instant::now();
        let mut steps = 0u64;
        for step in &op.steps[first_plan..] {
            node.stage_step(&step.user, step.at, &step.action)
                .expect("stage");
            steps += 1;
            if node.staged() >= 5_000 {
                node.commit().expect("commit");
            }
        }
        node.commit().expect("commit");
        let secs = start.elapsed().as_secs_f64();
        let s = node.summary().expect("summary");
        let events = node.size() - before;
        println!(
            "\n3. movements at scale {scale}: {} movements ({} reconciled, {} under way), {steps} steps, {events} events in {:.2} s = {:.0} movements/s, {:.0} events/s",
            s.movements.values().sum::<u64>(),
            s.movements.get("reconciled").copied().unwrap_or(0),
            s.movements.get("departed").copied().unwrap_or(0),
            secs,
            s.movements.values().sum::<u64>() as f64 / secs,
            events as f64 / secs
        );
    }

    // 4. demo wall time at scale 1, the CLI's own path (group commit of 5,000).
    let dir = tmp.path().join("demo");
    let start = Instant::now();
    let (events, _, commits) = record(&dir, demo_scale, 5_000);
    println!(
        "\n4. demo at scale {demo_scale}: {events} events in {commits} commits, {:.2} s wall",
        start.elapsed().as_secs_f64()
    );

    // 5. The same durable appends on PostgreSQL, when a server is given.
    if let Some(url) = text_arg("--postgres") {
        postgres(&url, scale, 5_000);
    }
}
