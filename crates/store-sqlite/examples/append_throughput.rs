//! Measures batched append throughput of [`SqliteStore`] (no assertions).
//!
//! ```text
//! cargo run --release -p rollcall-store-sqlite --example append_throughput -- [EVENTS] [BATCH] [BYTES]
//! ```
//! Defaults: 200000 events, 5000 per commit, 200 bytes each, one checkpoint per commit.

use std::time::Instant;

use rollcall_store::{
    Commit, ProjectionChange, ProjectionRow, Store, StoredCheckpoint, StoredEvent,
};
use rollcall_store_sqlite::SqliteStore;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let total = args.next().transpose()?.unwrap_or(200_000);
    let batch = args.next().transpose()?.unwrap_or(5_000).max(1);
    let bytes = args.next().transpose()?.unwrap_or(200) as usize;

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.sqlite");
    let mut store = SqliteStore::open(&path)?;

    let start = Instant::now();
    let mut seq = 0u64;
    while seq < total {
        let n = batch.min(total - seq);
        let events: Vec<StoredEvent> = (seq..seq + n)
            .map(|s| StoredEvent {
                seq: s,
                bytes: vec![(s % 251) as u8; bytes],
                leaf_hash: [(s % 256) as u8; 32],
            })
            .collect();
        seq += n;
        let projection = [ProjectionChange::Upsert(ProjectionRow {
            table: "progress".into(),
            key: "size".into(),
            value: seq.to_string(),
            bucket: 0,
        })];
        let checkpoint = StoredCheckpoint {
            size: seq,
            note: format!("bench\n{seq}\n"),
        };
        store.append(&Commit {
            events: &events,
            projection: &projection,
            checkpoint: Some(&checkpoint),
            ..Commit::default()
        })?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "append: {total} events of {bytes} B in commits of {batch}: {secs:.3} s, {:.0} events/s",
        total as f64 / secs
    );

    let start = Instant::now();
    let mut count = 0u64;
    store.for_each_event(&mut |_| {
        count += 1;
        Ok(())
    })?;
    println!(
        "for_each_event: {count} in {:.3} s",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let cp = store.backup_to(&dir.path().join("backup.sqlite"))?;
    println!(
        "backup_to: checkpoint size {:?} in {:.3} s",
        cp.map(|c| c.size),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
