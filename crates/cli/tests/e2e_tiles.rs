//! End-to-end tests of the Merkle tree kept as C2SP hash tiles, through the
//! `rollcall` binary: `tiles export` writes a static directory that an
//! independent reader (`tlog_tiles`, a port of Go's `sumdb/tlog`, and
//! `signed_note`) authenticates against the checkpoint and proves records
//! with; a changed tile is named by `verify` and refused by the commands
//! that read it; a store without tiles (as written before they were kept)
//! is told to `rebuild`, which writes them.
//!
//! Every test works in its own temporary directory, so they run in parallel.

use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

// ---------------------------------------------------------------- helpers --

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected exit 0: {self:?}");
        self
    }
}

fn run(data: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .env_remove("ROLLCALL_DATA")
        .env_remove("ROLLCALL_USER")
        .stdin(Stdio::null())
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run rollcall");
    Out {
        code: o.status.code().expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

struct Demo {
    tmp: TempDir,
    data: PathBuf,
}

/// A small demo ledger: a couple of thousand events, so two tile levels.
fn demo() -> Demo {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    run(&data, &["demo", "--seed", "1", "--scale", "0.05"]).ok();
    Demo { tmp, data }
}

fn verify_json(data: &Path) -> (i32, Value) {
    let o = run(data, &["verify", "--json"]);
    assert!(o.code == 0 || o.code == 2, "verify errored: {o:?}");
    (
        o.code,
        serde_json::from_str(&o.stdout).expect("verify --json"),
    )
}

/// The store opened as an attacker with file access would, its triggers
/// dropped; `restore` puts them back exactly as they were.
struct Attacker {
    conn: Connection,
    triggers: Vec<String>,
}

impl Attacker {
    fn new(data: &Path) -> Self {
        let conn = Connection::open(data.join("rollcall.db")).expect("open db");
        let triggers: Vec<(String, String)> = conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            triggers.iter().any(|(n, _)| n == "tiles_only_grow"),
            "{triggers:?}"
        );
        for (name, _) in &triggers {
            conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))
                .unwrap();
        }
        Attacker {
            conn,
            triggers: triggers.into_iter().map(|(_, sql)| sql).collect(),
        }
    }

    fn restore(self) {
        for sql in &self.triggers {
            self.conn.execute_batch(sql).unwrap();
        }
    }
}

/// Reads an exported directory as a tlog client fetches it: `tlog_tiles`
/// names tiles `tile/8/L/N`, C2SP `tile/L/N` (the height is fixed at 8).
struct DirTiles<'a>(&'a Path);

impl DirTiles<'_> {
    fn file(&self, t: &tlog_tiles::Tile) -> PathBuf {
        self.0.join(t.path().replacen("tile/8/", "tile/", 1))
    }
}

impl tlog_tiles::TileReader for DirTiles<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| std::fs::read(self.file(t)).map_err(|_| tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_str().unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn event_bytes(data: &Path, seq: u64) -> Vec<u8> {
    Connection::open(data.join("rollcall.db"))
        .unwrap()
        .query_row(
            "SELECT bytes FROM events WHERE seq = ?1",
            [seq as i64],
            |r| r.get(0),
        )
        .unwrap()
}

// ------------------------------------------------------------------ tests --

#[test]
fn exported_tiles_are_what_tlog_clients_read() {
    let d = demo();
    let out = d.tmp.path().join("export");
    let o = run(&d.data, &["tiles", "export", s(&out)]).ok();
    assert!(o.stdout.contains("no entry bundles"), "{o:?}");

    // The checkpoint is the signed head exactly as `head` prints it, and
    // verifies with `signed_note` under the node's public key.
    let checkpoint = std::fs::read_to_string(out.join("checkpoint")).unwrap();
    assert_eq!(checkpoint, run(&d.data, &["head"]).ok().stdout);
    let key = std::fs::read_to_string(d.data.join("node.pub")).unwrap();
    let verifier = signed_note::StandardVerifier::new(key.trim()).unwrap();
    let note = signed_note::Note::from_bytes(checkpoint.as_bytes()).unwrap();
    let (verified, _) = note
        .verify(&signed_note::VerifierList::new(vec![Box::new(verifier)]))
        .expect("the checkpoint verifies under node.pub");
    assert_eq!(verified.len(), 1);
    let cp = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    let size = cp.size();
    assert!(size > 256 * 4, "two tile levels at least: {size}");

    // The directory holds the checkpoint and exactly the tiles of that
    // tree, each where C2SP puts it and as wide as its name says; no entry
    // bundles.
    let all = files(&out);
    assert_eq!(all[0], "checkpoint");
    let level_0 = size / 256 + u64::from(!size.is_multiple_of(256));
    let level_1 = u64::from(size >= 256);
    assert_eq!(all.len() as u64, 1 + level_0 + level_1, "{all:?}");
    for f in &all[1..] {
        assert!(!f.contains("entries"), "{f}");
        let t = tlog_tiles::Tile::from_path(&f.replacen("tile/", "tile/8/", 1))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(
            std::fs::metadata(out.join(f)).unwrap().len(),
            u64::from(t.width()) * 32,
            "{f}"
        );
    }

    // tlog_tiles authenticates the tiles against the checkpoint's root and
    // proves records from them, each record being an event's bytes.
    let dir = DirTiles(&out);
    let reader = tlog_tiles::TileHashReader::new(size, *cp.hash(), &dir);
    assert_eq!(tlog_tiles::tree_hash(size, &reader).unwrap().0, cp.hash().0);
    for index in [0, 255, 256, size / 2, size - 1] {
        let proof = tlog_tiles::prove_record(size, index, &reader).unwrap();
        let record = tlog_tiles::record_hash(&event_bytes(&d.data, index));
        tlog_tiles::check_record(&proof, size, *cp.hash(), index, record)
            .unwrap_or_else(|e| panic!("record {index}: {e:?}"));
    }
    // A wrong root: the same reader refuses the tiles.
    let forged = tlog_tiles::TileHashReader::new(size, tlog_tiles::Hash([9; 32]), &dir);
    assert!(tlog_tiles::tree_hash(size, &forged).is_err());

    // Readable by the owner only, like every other output.
    #[cfg(unix)]
    {
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("tile/0")), 0o700);
        for f in &all {
            assert_eq!(mode(&out.join(f)), 0o600, "{f}");
        }
    }

    // Never into a non-empty directory: refused, and nothing in it changes.
    let again = run(&d.data, &["tiles", "export", s(&out)]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("not empty"), "{again:?}");
    assert_eq!(files(&out), all);
    // An empty directory is fine; so is a later, larger tree.
    run(&d.data, &["person", "show", "P-DEMO-000004"]).ok();
    let empty = d.tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    run(&d.data, &["tiles", "export", s(&empty)]).ok();
    let later = std::fs::read_to_string(empty.join("checkpoint")).unwrap();
    let later = signed_note::Note::from_bytes(later.as_bytes()).unwrap();
    let later = tlog_tiles::Checkpoint::from_bytes(later.text()).unwrap();
    assert!(later.size() > size);
    let dir = DirTiles(&empty);
    let reader = tlog_tiles::TileHashReader::new(later.size(), *later.hash(), &dir);
    assert_eq!(
        tlog_tiles::tree_hash(later.size(), &reader).unwrap().0,
        later.hash().0
    );
    // No staging directory is left beside the exports.
    let beside: Vec<_> = std::fs::read_dir(d.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".export-"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn a_changed_tile_is_named_by_verify_and_refused_by_its_readers() {
    let d = demo();
    let data = &d.data;
    let head_before = run(data, &["head"]).ok().stdout;
    let a = Attacker::new(data);
    // A full tile inside the tree: opening reads only the edge, so `head`
    // still works, but every proof through that tile is refused.
    a.conn
        .execute(
            "UPDATE tiles SET hashes = zeroblob(8192) WHERE level = 0 AND idx = 1",
            [],
        )
        .unwrap();
    a.restore();
    let (code, v) = verify_json(data);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["problems"][0]["kind"], "tile", "{v:#}");
    assert_eq!(v["problems"][0]["at"], "0/1", "{v:#}");
    let text = run(data, &["verify"]);
    assert!(text.stdout.contains("FAILED: tile 0/1:"), "{text:?}");
    assert_eq!(run(data, &["head"]).ok().stdout, head_before);
    // A proof through the changed tile is refused; one that only needs the
    // level-1 hash of that tile (leaf 5: its sibling is the whole tile) is
    // still a correct proof, checked against the signed head.
    let o = run(data, &["prove", "inclusion", "300"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("tree tiles"), "{o:?}");
    let proof = d.tmp.path().join("p5.json");
    run(data, &["prove", "inclusion", "5", "--out", s(&proof)]).ok();
    let key = data.join("node.pub");
    run(data, &["verify-proof", s(&proof), "--key", s(&key)]).ok();
    let o = run(data, &["tiles", "export", s(&d.tmp.path().join("x"))]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(!d.tmp.path().join("x").exists());
    // Tiles are never rewritten: rebuild refuses to paper over it.
    let o = run(data, &["rebuild"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("tile 0/1"), "{o:?}");

    // An edge tile changed: the tree no longer has the signed root, and the
    // node refuses to open (so it never signs on top of it).
    let a = Attacker::new(data);
    a.conn
        .execute(
            "UPDATE tiles SET hashes = zeroblob(length(hashes)) \
             WHERE level = 0 AND idx = (SELECT max(idx) FROM tiles WHERE level = 0)",
            [],
        )
        .unwrap();
    a.restore();
    let o = run(data, &["head"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("do not give the root signed"), "{o:?}");
}

#[test]
fn a_store_without_tiles_is_told_to_rebuild_which_writes_them() {
    let d = demo();
    let data = &d.data;
    let head_before = run(data, &["head"]).ok().stdout;
    let (_, before) = verify_json(data);
    // As a store written before tiles were kept: the table is empty.
    let a = Attacker::new(data);
    a.conn.execute("DELETE FROM tiles", []).unwrap();
    a.restore();
    let o = run(data, &["head"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("rollcall rebuild"), "{o:?}");
    let (code, v) = verify_json(data);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["problems"][0]["kind"], "tile", "{v:#}");

    run(data, &["rebuild"]).ok();
    let (code, v) = verify_json(data);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["tiles"], before["tiles"]);
    assert_eq!(v["root"], before["root"]);
    assert_eq!(run(data, &["head"]).ok().stdout, head_before);
    // And the node appends on top of them.
    run(data, &["person", "show", "P-DEMO-000004"]).ok();
    let (code, v) = verify_json(data);
    assert_eq!(code, 0, "{v:#}");
}
