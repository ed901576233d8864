//! End-to-end tests of the movement workflow through the real `rollcall`
//! binary: plan (manifest rules), escort records, depart, checkpoint counts,
//! position reports and the watch (silent, stopped, off route, escalation),
//! arrival and intake reconciliation (missing, extra, identity mismatch),
//! abort, and signed handovers and departures.
//!
//! Every test builds its scenario from scratch in its own temporary
//! directory, with fixed RFC 3339 times, so the tests are deterministic and
//! run in parallel. Helpers live in this file on purpose.

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

// ---------------------------------------------------------------- helpers --

/// What one run of the binary produced.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected exit 0: {self:?}");
        self
    }
    /// Exit 1 (refused, nothing written) with all of `needles` on stderr.
    #[track_caller]
    fn refused(self, needles: &[&str]) -> Self {
        assert_eq!(self.code, 1, "expected exit 1 (refused): {self:?}");
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should name {n:?}: {:?}",
                self.stderr
            );
        }
        self
    }
}

fn rollcall(data: &Path, user: Option<&str>, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    c.env_remove("ROLLCALL_DATA")
        .env_remove("ROLLCALL_USER")
        .stdin(Stdio::null())
        .arg("--data")
        .arg(data);
    if let Some(u) = user {
        c.args(["--user", u]);
    }
    let o = c.args(args).output().expect("run rollcall");
    Out {
        code: o.status.code().expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// When the test's people were registered and its movements planned: before
/// every `t(min)`, since nothing on a person or a movement may be dated
/// earlier than that.
const T_PLAN: &str = "2026-02-01T00:00:00Z";

/// `2026-02-01T06:00:00Z` plus `min` minutes (same day).
fn t(min: u32) -> String {
    let total = 6 * 60 + min;
    assert!(total < 24 * 60, "stay within the day");
    format!("2026-02-01T{:02}:{:02}:00Z", total / 60, total % 60)
}

const ORIGIN: &str = "SY-ORG";
const DEST: &str = "IQ-DST";
const O_LL: (f64, f64) = (36.5, 40.75);
const D_LL: (f64, f64) = (33.3, 44.25);

/// The point at fraction `f` of the straight line origin → destination.
fn on_line(f: f64) -> (f64, f64) {
    (
        O_LL.0 + f * (D_LL.0 - O_LL.0),
        O_LL.1 + f * (D_LL.1 - O_LL.1),
    )
}

/// A point `km` kilometres perpendicular to the straight line at fraction
/// `f` (checked against a brute-force haversine: 2 km → 2.00 km, 8 km →
/// 8.00 km from the line).
fn off_line(f: f64, km: f64) -> (f64, f64) {
    let p = on_line(f);
    let k = p.0.to_radians().cos();
    let deg_km = 111.195;
    let (n, e) = ((D_LL.0 - O_LL.0) * deg_km, (D_LL.1 - O_LL.1) * deg_km * k);
    let len = (n * n + e * e).sqrt();
    let (pn, pe) = (-e / len, n / len);
    (p.0 + km * pn / deg_km, p.1 + km * pe / (deg_km * k))
}

const ESCORT_FIELDS: &[&str] = &[
    "--violence",
    "no",
    "--escape",
    "no",
    "--self-harm",
    "no",
    "--health",
    "no",
    "--medication",
    "none",
    "--medical-needs",
    "none",
    "--property",
    "none",
    "--special-needs",
    "none",
];

fn strs(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// One ledger in its own temporary directory.
struct Field {
    tmp: TempDir,
    data: PathBuf,
}

impl Field {
    /// A new officer signing key in the test's directory: its file and its
    /// verifier key.
    fn officer_key(&self, name: &str) -> (String, String) {
        let path = self.tmp.path().join(format!("{name}.key"));
        let path = path.to_str().unwrap().to_string();
        let verifier = self.ok(&["keygen", "--name", name, "--out", &path]).stdout;
        (path, verifier.trim().to_string())
    }

    /// Registers the key in `key_file` for `custodian`.
    fn register_key(&self, custodian: &str, key_file: &str, officer: &str) {
        self.ok(&[
            "officer-key",
            "register",
            "--custodian",
            custodian,
            "--key-file",
            key_file,
            "--officer",
            officer,
        ]);
    }

    fn empty() -> Field {
        let tmp = TempDir::new().expect("tempdir");
        let data = tmp.path().join("data");
        Field { tmp, data }
    }

    /// `init`, an origin in Syria (all categories) and a destination in
    /// Iraq, and `n` adult men imported from a roster at the origin.
    /// Returns the field and the person ids.
    fn new(n: usize) -> (Field, Vec<String>) {
        let f = Field::empty();
        f.ok(&["init", "--name", "field-1"]);
        f.add_facility(ORIGIN, "SY", O_LL, "Asia/Damascus", 100);
        f.add_facility(DEST, "IQ", D_LL, "Asia/Baghdad", 100);
        let mut csv = String::from(
            "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source\n",
        );
        let given = [
            "Omar", "Ali", "Hassan", "Yusuf", "Khalid", "Ahmad", "Bilal", "Karim",
        ];
        for i in 0..n {
            let g = given[i % given.len()];
            csv.push_str(&format!(
                "R-{i:03},{g} Khalid al-Test{i},{g},Khalid,Yusuf,al-Test{i},Mariam,1988-03-14,Mosul,M,IRQ,id_card,IQ-{:06},e2e-roster\n",
                100000 + i
            ));
        }
        let roster = f.write("roster.csv", &csv);
        let r = f.json(&[
            "import",
            "roster",
            &roster,
            "--facility",
            ORIGIN,
            "--at",
            T_PLAN,
            "--json",
        ]);
        assert_eq!(r["registered"].as_u64(), Some(n as u64), "{r}");
        // The node mints ids with its code: the name in capitals.
        let ids: Vec<String> = (1..=n).map(|k| format!("P-FIELD-1-{k:06}")).collect();
        assert_eq!(r["first_person"].as_str(), ids.first().map(|s| s.as_str()));
        assert_eq!(r["last_person"].as_str(), ids.last().map(|s| s.as_str()));
        (f, ids)
    }

    fn add_facility(&self, id: &str, country: &str, ll: (f64, f64), tz: &str, capacity: u32) {
        self.ok(&[
            "facility",
            "add",
            "--id",
            id,
            "--name",
            &format!("Facility {id}"),
            "--authority",
            "e2e authority",
            "--country",
            country,
            "--lat",
            &ll.0.to_string(),
            "--lon",
            &ll.1.to_string(),
            "--time-zone",
            tz,
            "--capacity",
            &capacity.to_string(),
            "--categories",
            "adult_male,adult_female,juvenile",
        ]);
    }

    fn run(&self, args: &[&str]) -> Out {
        rollcall(&self.data, None, args)
    }
    #[track_caller]
    fn ok(&self, args: &[&str]) -> Out {
        self.run(args).ok()
    }
    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        self.ok(args).json()
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write file");
        p.to_str().expect("utf-8 path").to_string()
    }

    /// Size of the ledger (events), from the signed head.
    fn size(&self) -> u64 {
        self.json(&["head", "--json"])["size"]
            .as_u64()
            .expect("head size")
    }

    /// Plans a land movement `from` → `to` with `vehicles`; returns its id.
    fn plan_with(&self, from: &str, to: &str, mode: &str, vehicles: &str, ids: &[&str]) -> String {
        let v = self.json(&[
            "movement",
            "create",
            "--mode",
            mode,
            "--from",
            from,
            "--to",
            to,
            "--at",
            &t(0),
            "--planned-at",
            T_PLAN,
            "--vehicles",
            vehicles,
            "--people",
            &ids.join(","),
            "--json",
        ]);
        assert_eq!(v["status"], "planned", "{v}");
        let got: BTreeSet<String> = v["manifest"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["person"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, set(ids), "manifest holds exactly the people planned");
        v["id"].as_str().expect("movement id").to_string()
    }

    fn plan(&self, ids: &[&str]) -> String {
        self.plan_with(ORIGIN, DEST, "land", "armored:4,bus:10", ids)
    }

    fn confirm(&self, mv: &str, ids: &[&str]) {
        let people = ids.join(",");
        let mut args = vec![
            "escort-record",
            "confirm",
            "--movement",
            mv,
            "--people",
            &people,
            "--json",
        ];
        args.extend_from_slice(ESCORT_FIELDS);
        let v = self.json(&args);
        for r in v.as_array().unwrap() {
            assert_eq!(r["status"], "confirmed", "{r}");
        }
        assert_eq!(v.as_array().unwrap().len(), ids.len());
    }

    fn depart(&self, mv: &str, ids: &[&str], at: &str) {
        let v = self.json(&[
            "movement",
            "depart",
            mv,
            "--count",
            &ids.len().to_string(),
            "--boarded",
            &ids.join(","),
            "--at",
            at,
            "--json",
        ]);
        assert_eq!(v["status"], "departed", "{v}");
    }

    /// Plan, confirm every escort record and depart at 06:00 with everyone.
    fn launch(&self, ids: &[&str]) -> String {
        let mv = self.plan(ids);
        self.confirm(&mv, ids);
        self.depart(&mv, ids, &t(0));
        mv
    }

    fn show(&self, mv: &str) -> Value {
        self.json(&["movement", "show", mv, "--json"])
    }

    fn discrepancies(&self) -> Vec<Value> {
        self.json(&["discrepancies", "--json"])
            .as_array()
            .expect("array")
            .clone()
    }

    /// Discrepancies of one movement.
    fn discrepancies_of(&self, mv: &str) -> Vec<Value> {
        self.discrepancies()
            .into_iter()
            .filter(|d| d["movement"] == mv)
            .collect()
    }

    fn people_at(&self, custodian: &str) -> BTreeSet<String> {
        self.json(&["people", "--at", custodian, "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["custodian"], custodian, "{p}");
                p["id"].as_str().unwrap().to_string()
            })
            .collect()
    }

    fn person(&self, id: &str) -> Value {
        self.json(&["person", "show", id, "--json"])
    }

    fn position(&self, mv: &str, ll: (f64, f64), at: &str) -> Value {
        self.json(&[
            "movement",
            "position",
            mv,
            "--lat",
            &ll.0.to_string(),
            "--lon",
            &ll.1.to_string(),
            "--at",
            at,
            "--json",
        ])
    }

    /// `watch --at AT --json` plus extra flags; the list of what it did.
    fn watch(&self, at: &str, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["watch", "--at", at, "--json"];
        args.extend_from_slice(extra);
        self.json(&args).as_array().expect("array").clone()
    }

    #[track_caller]
    fn verify_ok(&self) {
        let o = self.run(&["verify"]);
        assert_eq!(o.code, 0, "verify passes: {o:?}");
    }
}

fn kinds(ds: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = ds
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

/// A demo ledger (`rollcall demo --scale S`) plus a facility `IQ-E2E` of
/// the test's own that holds every category.
fn demo_field(scale: &str) -> Field {
    let f = Field::empty();
    let o = f.run(&["demo", "--scale", scale]);
    assert_eq!(o.code, 0, "demo: {o:?}");
    f.add_facility("IQ-E2E", "IQ", (33.35, 44.4), "Asia/Baghdad", 1000);
    f
}

/// Every person of a ledger as `{record, custodian, status, movement}`: a
/// fast index to find candidates, built from the ledger's events (their
/// versioned JSON encoding: identity, and the open movement each person is
/// on) and `people --json` (custodian and status). Each candidate chosen is
/// then checked through `person show`.
fn person_rows(f: &Field) -> Vec<(String, Value)> {
    let c =
        Connection::open_with_flags(f.data.join("rollcall.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open db read-only");
    let mut st = c.prepare("SELECT bytes FROM events ORDER BY seq").unwrap();
    let events: Vec<Value> = st
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|b| serde_json::from_slice(&b.unwrap()).expect("event JSON"))
        .collect();
    let mut records: BTreeMap<String, Value> = BTreeMap::new();
    let mut manifests: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut open: BTreeMap<String, String> = BTreeMap::new();
    let id = |v: &Value| v.as_str().unwrap_or_default().to_string();
    for e in &events {
        let Some((kind, w)) = e["what"].as_object().and_then(|o| o.iter().next()) else {
            continue;
        };
        match kind.as_str() {
            "person_registered" | "person_record_corrected" => {
                records.insert(id(&w["person"]), w["record"].clone());
            }
            "movement_planned" => {
                let m = id(&w["movement"]);
                let people: Vec<String> = w["manifest"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| id(&s["person"]))
                    .collect();
                for p in &people {
                    open.insert(p.clone(), m.clone());
                }
                manifests.insert(m, people);
            }
            "movement_departed" | "movement_aborted" => {
                let m = id(&w["movement"]);
                let boarded: BTreeSet<String> = if kind == "movement_departed" {
                    strs(&w["boarded"])
                } else {
                    BTreeSet::new()
                };
                for p in manifests.get(&m).into_iter().flatten() {
                    if !boarded.contains(p) && open.get(p) == Some(&m) {
                        open.remove(p);
                    }
                }
            }
            "person_admitted" | "person_released" | "died_in_custody" => {
                open.remove(&id(&w["person"]));
            }
            "custody_handed_over" => {
                let (from, to) = (id(&w["from"]), id(&w["to"]));
                if manifests.contains_key(&from) && !manifests.contains_key(&to) {
                    open.remove(&id(&w["person"]));
                }
            }
            _ => {}
        }
    }
    f.json(&["people", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let pid = id(&p["id"]);
            let v = serde_json::json!({
                "record": records.get(&pid).cloned().unwrap_or(Value::Null),
                "custodian": p["custodian"],
                "status": p["status"],
                "movement": open.get(&pid),
            });
            (pid, v)
        })
        .collect()
}

/// Held at a facility, on no open movement.
fn free(p: &Value) -> bool {
    p["status"] == "held" && p["movement"].is_null()
}

fn risk(p: &Value) -> &str {
    p["record"]["risk"].as_str().unwrap_or("low")
}

fn juvenile(p: &Value) -> bool {
    p["record"]["flags"]["juvenile"] == true
}

fn adult_man(p: &Value) -> bool {
    !juvenile(p) && p["record"]["sex"] == "male"
}

/// Checks a candidate through the CLI: `person show --json` agrees that it
/// is held at `custodian` and on no open movement.
#[track_caller]
fn check_free(f: &Field, id: &str, custodian: &str) -> Value {
    let s = f.person(id);
    assert_eq!(s["now"]["custodian"], custodian, "{id}: {}", s["now"]);
    assert_eq!(s["now"]["status"], "held", "{id}");
    assert!(s["now"]["movement"].is_null(), "{id} on no open movement");
    s
}

// ------------------------------------------------------------------ tests --

/// 1. A convoy that arrives complete reconciles with zero discrepancies, and
///    every person stays accounted for by exactly one custodian.
#[test]
fn complete_convoy_reconciles_without_discrepancies() {
    let (f, ids) = Field::new(5);
    let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
    let (moving, staying) = (&ids[..4], ids[4]);
    let mv = f.plan(moving);
    let planned = f.show(&mv);
    assert_eq!(planned["origin"], ORIGIN);
    assert_eq!(planned["destination"], DEST);
    assert_eq!(planned["vehicles"].as_array().unwrap().len(), 2);
    f.confirm(&mv, moving);
    f.depart(&mv, moving, &t(0));
    assert_eq!(
        f.people_at(&mv),
        set(moving),
        "custody passed to the movement"
    );
    for p in f
        .json(&["people", "--at", &mv, "--json"])
        .as_array()
        .unwrap()
    {
        assert_eq!(p["status"], "in_transit");
    }
    f.json(&[
        "movement",
        "checkpoint",
        &mv,
        "--place",
        "KM-120",
        "--count",
        "4",
        "--at",
        &t(75),
        "--json",
    ]);

    // Positions along the straight line, one every 20 minutes.
    let mut track = String::from("lat,lon,time\n");
    for k in 1..=10u32 {
        let (la, lo) = on_line(f64::from(k) * 0.095);
        track.push_str(&format!("{la},{lo},{}\n", t(20 * k)));
    }
    let track = f.write("track.csv", &track);
    let v = f.json(&["movement", "position", &mv, "--track", &track, "--json"]);
    assert_eq!(v["track"].as_array().unwrap().len(), 10);
    assert!(v["eta"].is_string(), "an estimated arrival under way: {v}");
    assert_eq!(v["open_discrepancies"], serde_json::json!([]));
    assert!(
        f.watch(&t(205), &[]).is_empty(),
        "a normal convoy raises nothing"
    );

    let v = f.json(&[
        "movement",
        "arrive",
        &mv,
        "--admitted",
        &moving.join(","),
        "--at",
        &t(215),
        "--json",
    ]);
    assert_eq!(v["status"], "reconciled", "{v}");
    let m = f.show(&mv);
    assert_eq!(m["status"], "reconciled");
    assert_eq!(strs(&m["admitted"]), set(moving));
    assert_eq!(strs(&m["boarded"]), set(moving));
    assert_eq!(m["on_board"], 0);
    assert_eq!(m["open_discrepancies"], serde_json::json!([]));
    let counts: Vec<u64> = m["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![4, 4], "departure and checkpoint counts");
    assert!(f.discrepancies().is_empty(), "zero discrepancies");

    assert_eq!(f.people_at(DEST), set(moving));
    assert_eq!(f.people_at(ORIGIN), set(&[staying]));
    assert!(f.people_at(&mv).is_empty(), "the movement holds nobody");
    for p in moving {
        let s = f.person(p);
        assert_eq!(s["now"]["custodian"], DEST);
        assert_eq!(s["now"]["status"], "held");
        assert!(s["now"]["movement"].is_null());
    }
    // The escort records went with the people.
    let recs = f.json(&[
        "escort-record",
        "show",
        "--movement",
        &mv,
        "--people",
        &moving.join(","),
        "--json",
    ]);
    for r in recs.as_array().unwrap() {
        assert_eq!(r["status"], "handed_over", "{r}");
    }

    // Per-custodian counts sum to the registered total.
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for p in f.json(&["people", "--json"]).as_array().unwrap() {
        let c = p["custodian"].as_str().unwrap();
        assert!(!c.is_empty(), "everyone has a custodian: {p}");
        *by.entry(c.to_string()).or_default() += 1;
    }
    let registered = f.json(&["status", "--json"])["registered"]
        .as_u64()
        .unwrap();
    assert_eq!(registered, 5);
    assert_eq!(by.values().sum::<u64>(), registered, "{by:?}");
    assert_eq!(by.get(DEST), Some(&4));
    assert_eq!(by.get(ORIGIN), Some(&1));
    let fac = f.json(&["facilities", "--json"]);
    let occ = |id: &str| {
        fac.as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()["occupancy"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((occ(ORIGIN), occ(DEST)), (1, 4), "facility occupancy");
    f.verify_ok();
}

/// 2. No departure while an escort record is unconfirmed; a confirmation
///    without the required fields names them and changes nothing.
#[test]
fn departure_needs_every_escort_record_confirmed() {
    let (f, ids) = Field::new(2);
    let (a, b) = (ids[0].as_str(), ids[1].as_str());
    let mv = f.plan(&[a, b]);
    f.confirm(&mv, &[a]);
    let size = f.size();
    f.run(&[
        "movement",
        "depart",
        &mv,
        "--count",
        "2",
        "--boarded",
        &format!("{a},{b}"),
        "--at",
        &t(0),
    ])
    .refused(&["escort-record", b, "not confirmed"]);
    assert_eq!(f.size(), size, "a refused departure writes nothing");
    assert_eq!(f.show(&mv)["status"], "planned");
    assert_eq!(f.people_at(ORIGIN), set(&[a, b]), "nobody left the origin");

    // Listing people is a read: it commits its access record as one event.
    let size = f.size();
    // Confirming without the fields names exactly the missing ones.
    let o = f
        .run(&["escort-record", "confirm", "--movement", &mv, "--people", b])
        .refused(&[
            "escort-record",
            b,
            "risks.self_harm",
            "medication",
            "property",
            "special_needs",
        ]);
    for stated in [
        "risks.violence",
        "risks.escape",
        "risks.health",
        "medical_needs",
    ] {
        assert!(
            !o.stderr.contains(stated),
            "{stated} is stated by the file of a low-risk person; not missing: {}",
            o.stderr
        );
    }
    assert_eq!(f.size(), size, "a refused confirmation writes nothing");
    let r = f.json(&[
        "escort-record",
        "show",
        "--movement",
        &mv,
        "--people",
        b,
        "--json",
    ]);
    assert_eq!(r[0]["status"], "started");
    assert_eq!(
        strs(&r[0]["missing"]),
        set(&["risks.self_harm", "medication", "property", "special_needs"])
    );
    // Completed, it confirms and the movement departs.
    f.confirm(&mv, &[b]);
    f.depart(&mv, &[a, b], &t(0));
    assert_eq!(f.people_at(&mv), set(&[a, b]));
    f.verify_ok();
}

/// 3. One short at a checkpoint: one missing-person discrepancy with the
///    last good count; resolving it with a reason closes it, by that user.
#[test]
fn checkpoint_short_count_opens_missing_person_then_resolves() {
    let (f, ids) = Field::new(3);
    let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
    let mv = f.launch(&ids);
    f.ok(&[
        "movement",
        "checkpoint",
        &mv,
        "--place",
        "KM-40",
        "--count",
        "3",
        "--at",
        &t(40),
    ]);
    assert!(f.discrepancies().is_empty(), "a right count raises nothing");
    let v = f.json(&[
        "movement",
        "checkpoint",
        &mv,
        "--place",
        "KM-90",
        "--count",
        "2",
        "--at",
        &t(90),
        "--json",
    ]);
    let ds = f.discrepancies();
    assert_eq!(ds.len(), 1, "{ds:?}");
    let d = &ds[0];
    assert_eq!(d["kind"], "missing_person");
    assert_eq!(d["status"], "open");
    assert_eq!(d["severity"], "critical");
    assert_eq!(d["movement"], mv.as_str());
    let summary = d["summary"].as_str().unwrap();
    assert!(summary.contains(&mv), "{summary}");
    assert!(summary.contains("count 2 at KM-90"), "{summary}");
    assert!(summary.contains("last good count 3 at KM-40"), "{summary}");
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(v["open_discrepancies"], serde_json::json!([id]));

    let o = rollcall(
        &f.data,
        Some("officer.b"),
        &[
            "discrepancy",
            "resolve",
            &id,
            "--reason",
            "recounted at KM-95: all three aboard",
        ],
    )
    .ok();
    assert!(o.stdout.contains("officer.b"), "{o:?}");
    let ds = f.discrepancies();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["status"], "resolved");
    assert_eq!(ds[0]["resolved_by"], "officer.b");
    assert_eq!(ds[0]["resolution"], "recounted at KM-95: all three aboard");
    assert!(
        f.json(&["discrepancies", "--open", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(f.show(&mv)["open_discrepancies"], serde_json::json!([]));
    // Closed once: resolving again is refused.
    f.run(&["discrepancy", "resolve", &id, "--reason", "again"])
        .refused(&["already resolved"]);
    f.verify_ok();
}

/// 4. Extra people at intake (registered but not on board, and an unknown
///    id): one extra-person discrepancy each; the boarded are admitted.
#[test]
fn extra_people_at_intake() {
    let (f, ids) = Field::new(3);
    let (a, b, c) = (ids[0].as_str(), ids[1].as_str(), ids[2].as_str());
    let mv = f.launch(&[a, b]);
    let ghost = "P-9999999";
    f.ok(&[
        "movement",
        "arrive",
        &mv,
        "--admitted",
        &format!("{a},{b},{c},{ghost}"),
        "--at",
        &t(200),
    ]);
    let ds = f.discrepancies();
    assert_eq!(kinds(&ds), vec!["extra_person", "extra_person"], "{ds:?}");
    let registered = ds
        .iter()
        .find(|d| d["persons"] == serde_json::json!([c]))
        .expect("one names the registered person");
    assert!(
        registered["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("registered person {c}"))
    );
    let unknown = ds
        .iter()
        .find(|d| d["persons"].is_null())
        .expect("one names nobody registered");
    assert!(
        unknown["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("unregistered id {ghost}")),
        "{unknown}"
    );
    for d in &ds {
        assert_eq!(d["movement"], mv.as_str());
        assert_eq!(d["status"], "open");
    }
    let m = f.show(&mv);
    assert_eq!(m["status"], "reconciled");
    assert_eq!(strs(&m["admitted"]), set(&[a, b]));
    assert_eq!(f.people_at(DEST), set(&[a, b]));
    assert_eq!(
        f.people_at(ORIGIN),
        set(&[c]),
        "the extra person stays where they are held"
    );
    f.verify_ok();
}

/// 5. Two boarded people presented with each other's biometric references:
///    two identity mismatches, neither admitted, both still in the
///    movement's custody; the others are admitted.
#[test]
fn swapped_identities_are_not_admitted() {
    let f = demo_field("0.05");
    let rows = person_rows(&f);
    // Four people held together, free, with a biometric reference.
    let mut by_fac: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (id, p) in &rows {
        if let (true, Some(bio)) = (
            free(p) && adult_man(p),
            p["record"]["biometric_ref"].as_str(),
        ) {
            by_fac
                .entry(p["custodian"].as_str().unwrap().to_string())
                .or_default()
                .push((id.clone(), bio.to_string()));
        }
    }
    let (fac, people) = by_fac
        .into_iter()
        .find(|(_, v)| v.len() >= 4)
        .expect("four free people with biometric references at one facility");
    let four = &people[..4];
    for (id, bio) in four {
        let s = check_free(&f, id, &fac);
        assert_eq!(s["now"]["record"]["biometric_ref"], bio.as_str());
    }
    let ids: Vec<&str> = four.iter().map(|(i, _)| i.as_str()).collect();
    let mv = f.plan_with(&fac, "IQ-E2E", "land", "armored:4,bus:10", &ids);
    f.confirm(&mv, &ids);
    f.depart(&mv, &ids, &t(0));
    let (a, b, c, d) = (&four[0], &four[1], &four[2], &four[3]);
    let intake = f.write(
        "intake.csv",
        &format!(
            "id,biometric\n{},{}\n{},{}\n{},{}\n{}\n",
            a.0, b.1, b.0, a.1, c.0, c.1, d.0
        ),
    );
    f.ok(&[
        "movement",
        "arrive",
        &mv,
        "--admitted",
        &format!("@{intake}"),
        "--at",
        &t(240),
    ]);
    let ds = f.discrepancies_of(&mv);
    assert_eq!(
        kinds(&ds),
        vec!["identity_mismatch", "identity_mismatch"],
        "{ds:?}"
    );
    let named: BTreeSet<String> = ds.iter().flat_map(|d| strs(&d["persons"])).collect();
    assert_eq!(named, set(&[&a.0, &b.0]));
    let m = f.show(&mv);
    assert_eq!(m["status"], "reconciled");
    assert_eq!(strs(&m["admitted"]), set(&[&c.0, &d.0]));
    assert_eq!(m["on_board"], 2);
    assert_eq!(
        f.people_at(&mv),
        set(&[&a.0, &b.0]),
        "not admitted: still the movement's"
    );
    let held = f.people_at("IQ-E2E");
    assert_eq!(held, set(&[&c.0, &d.0]));
    let s = f.person(&a.0);
    assert_eq!(s["now"]["custodian"], mv.as_str());
    assert_eq!(s["now"]["status"], "in_transit");
    f.verify_ok();
}

/// 6. A boarded person not presented at intake: one missing-person
///    discrepancy, and the movement (never nobody) still holds them.
#[test]
fn person_not_presented_stays_with_the_movement() {
    let (f, ids) = Field::new(3);
    let (a, b, c) = (ids[0].as_str(), ids[1].as_str(), ids[2].as_str());
    let mv = f.launch(&[a, b, c]);
    f.ok(&[
        "movement",
        "arrive",
        &mv,
        "--admitted",
        &format!("{a},{b}"),
        "--at",
        &t(200),
    ]);
    let ds = f.discrepancies();
    assert_eq!(kinds(&ds), vec!["missing_person"], "{ds:?}");
    assert_eq!(ds[0]["persons"], serde_json::json!([c]));
    assert_eq!(ds[0]["movement"], mv.as_str());
    assert!(ds[0]["summary"].as_str().unwrap().contains(c));
    let m = f.show(&mv);
    assert_eq!(strs(&m["admitted"]), set(&[a, b]));
    assert_eq!(m["on_board"], 1);
    assert_eq!(m["open_discrepancies"].as_array().unwrap().len(), 1);
    assert_eq!(f.people_at(&mv), set(&[c]));
    let s = f.person(c);
    assert_eq!(s["now"]["custodian"], mv.as_str());
    assert_eq!(s["now"]["status"], "in_transit");
    assert_eq!(f.people_at(DEST), set(&[a, b]));
    for p in f.json(&["people", "--json"]).as_array().unwrap() {
        assert!(!p["custodian"].as_str().unwrap_or("").is_empty(), "{p}");
    }
    f.verify_ok();
}

/// 7. An aborted movement returns everyone on board to the named custodian;
///    no discrepancy; they can be planned again.
#[test]
fn abort_returns_everyone_and_they_can_be_planned_again() {
    let (f, ids) = Field::new(4);
    let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
    let on = &ids[..3];
    let mv = f.launch(on);
    f.position(&mv, on_line(0.05), &t(20));
    assert_eq!(f.people_at(ORIGIN), set(&[ids[3]]));
    let v = f.json(&[
        "movement",
        "abort",
        &mv,
        "--return-to",
        ORIGIN,
        "--reason",
        "border crossing closed",
        "--at",
        &t(45),
        "--json",
    ]);
    assert_eq!(v["status"], "aborted");
    assert_eq!(v["abort_reason"], "border crossing closed");
    assert_eq!(v["on_board"], 0);
    assert!(f.discrepancies().is_empty());
    assert_eq!(f.people_at(ORIGIN), set(&ids));
    assert!(f.people_at(&mv).is_empty());
    for p in on {
        check_free(&f, p, ORIGIN);
    }
    // A late watch does not report an aborted movement as silent.
    assert!(f.watch(&t(300), &[]).is_empty());
    // Aborting twice is refused; planning them again is accepted.
    f.run(&[
        "movement",
        "abort",
        &mv,
        "--return-to",
        ORIGIN,
        "--reason",
        "again",
    ])
    .refused(&["movement-lifecycle"]);
    let again = f.plan(on);
    assert_ne!(again, mv);
    f.confirm(&again, on);
    f.depart(&again, on, &t(120));
    assert_eq!(f.people_at(&again), set(on));
    f.verify_ok();
}

/// 7b. An abort into a facility without room for everyone is recorded all
///     the same — the people are back — and opens an over-capacity
///     discrepancy naming those beyond its capacity.
#[test]
fn abort_into_a_full_facility_is_recorded_and_opens_a_discrepancy() {
    let (f, ids) = Field::new(2);
    let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
    let mv = f.launch(&ids);
    f.add_facility("IQ-ONE", "IQ", D_LL, "Asia/Baghdad", 1);
    let o = f.ok(&[
        "movement",
        "abort",
        &mv,
        "--return-to",
        "IQ-ONE",
        "--reason",
        "bridge down",
        "--at",
        &t(45),
    ]);
    assert!(o.stdout.contains("aborted; 2 returned to IQ-ONE"), "{o:?}");
    assert!(o.stdout.contains("1 discrepancy(ies) opened"), "{o:?}");
    assert_eq!(f.people_at("IQ-ONE"), set(&ids));
    let ds = f.discrepancies();
    assert_eq!(kinds(&ds), ["over_capacity"], "{ds:?}");
    assert_eq!(strs(&ds[0]["persons"]), set(&ids[1..]), "{ds:?}");
    assert_eq!(ds[0]["custodian"], "IQ-ONE");
    f.verify_ok();
}

/// 8a. Silent: exactly one alert, no duplicate on the next watch; left open
///     beyond --escalate-after it is escalated once.
#[test]
fn watch_silent_alert_and_escalation() {
    let (f, ids) = Field::new(1);
    let mv = f.launch(&[ids[0].as_str()]);
    f.position(&mv, on_line(0.05), &t(10));
    assert!(
        f.watch(&t(35), &[]).is_empty(),
        "25 min without a report is fine"
    );
    let w = f.watch(&t(45), &[]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["kind"], "movement_silent");
    let ds = f.discrepancies_of(&mv);
    assert_eq!(kinds(&ds), vec!["movement_silent"]);
    assert_eq!(ds[0]["severity"], "high");
    assert!(f.watch(&t(50), &[]).is_empty(), "no duplicate");
    assert!(
        f.watch(&t(100), &["--silent-after", "10"]).is_empty(),
        "no duplicate"
    );
    assert_eq!(f.discrepancies().len(), 1);

    // Escalation: opened at 06:45, still open at 08:50 (125 min > 120).
    assert!(f.watch(&t(160), &[]).is_empty(), "not yet old enough");
    let w = f.watch(&t(170), &["--escalate-after", "120"]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["escalated"], ds[0]["id"]);
    let d = &f.discrepancies()[0];
    assert_eq!(d["escalations"], 1);
    assert_eq!(d["severity"], "critical", "severity raised one step");
    assert_eq!(d["owner"], "duty officer");
    assert!(
        f.watch(&t(175), &[]).is_empty(),
        "escalated once per period"
    );
    assert_eq!(f.discrepancies()[0]["escalations"], 1);
    f.verify_ok();
}

/// 8b. Stopped 25 minutes in one place away from the route's stop places:
///     exactly one alert, raised by the position report itself.
#[test]
fn watch_stopped_alert() {
    let (f, ids) = Field::new(1);
    let mv = f.launch(&[ids[0].as_str()]);
    f.position(&mv, on_line(0.1), &t(10));
    f.position(&mv, on_line(0.3), &t(30));
    let v = f.position(&mv, on_line(0.3), &t(45));
    assert_eq!(
        v["open_discrepancies"],
        serde_json::json!([]),
        "15 min is fine"
    );
    let v = f.position(&mv, on_line(0.3), &t(55));
    assert_eq!(v["open_discrepancies"].as_array().unwrap().len(), 1, "{v}");
    let ds = f.discrepancies_of(&mv);
    assert_eq!(kinds(&ds), vec!["movement_stopped"], "{ds:?}");
    assert!(f.watch(&t(60), &[]).is_empty(), "no duplicate");
    f.position(&mv, on_line(0.3), &t(70));
    assert_eq!(f.discrepancies().len(), 1, "no duplicate from a report");
    f.verify_ok();
}

/// 8c. A position 8 km off the straight line raises exactly one off-route
///     alert (2 km off raises none); a normal track with a wait at the
///     destination gate raises nothing at all.
#[test]
fn watch_off_route_alert_and_normal_track() {
    let (f, ids) = Field::new(2);
    let mv = f.launch(&[ids[0].as_str()]);
    f.position(&mv, on_line(0.1), &t(20));
    let v = f.position(&mv, off_line(0.15, 2.0), &t(30));
    assert_eq!(
        v["open_discrepancies"],
        serde_json::json!([]),
        "2 km off is on route"
    );
    let v = f.position(&mv, off_line(0.2, 8.0), &t(40));
    assert_eq!(v["open_discrepancies"].as_array().unwrap().len(), 1, "{v}");
    f.position(&mv, off_line(0.22, 8.0), &t(50));
    let ds = f.discrepancies_of(&mv);
    assert_eq!(kinds(&ds), vec!["movement_off_route"], "{ds:?}");
    assert!(
        ds[0]["summary"]
            .as_str()
            .unwrap()
            .contains("km off the planned route")
    );
    assert!(f.watch(&t(55), &[]).is_empty(), "no duplicate");

    // Normal track: a fresh ledger, moving along the line, then 25 min at
    // the destination gate (an allowed stop place).
    let (g, ids) = Field::new(1);
    let mv = g.launch(&[ids[0].as_str()]);
    let mut track = String::new();
    for k in 1..=9u32 {
        let (la, lo) = on_line(f64::from(k) * 0.11);
        track.push_str(&format!("{la},{lo},{}\n", t(25 * k)));
    }
    let gate = (D_LL.0 + 0.005, D_LL.1);
    track.push_str(&format!(
        "{},{},{}\n{},{},{}\n",
        gate.0,
        gate.1,
        t(240),
        gate.0,
        gate.1,
        t(265)
    ));
    let track = g.write("track.csv", &track);
    let v = g.json(&["movement", "position", &mv, "--track", &track, "--json"]);
    assert_eq!(v["track"].as_array().unwrap().len(), 11);
    assert!(g.watch(&t(270), &[]).is_empty());
    assert!(g.discrepancies().is_empty(), "{:?}", g.discrepancies());
    f.verify_ok();
    g.verify_ok();
}

/// 9. Manifest rules at `movement create`, on demo people (risk, juveniles,
///    separation groups).
#[test]
fn manifest_rules_at_planning() {
    let f = demo_field("0.3");
    f.add_facility("IQ-TINY", "IQ", (33.2, 44.3), "Asia/Baghdad", 1);
    let rows = person_rows(&f);
    let free_at = |pred: &dyn Fn(&Value) -> bool| -> Vec<(String, String)> {
        rows.iter()
            .filter(|(_, p)| free(p) && pred(p))
            .map(|(id, p)| (id.clone(), p["custodian"].as_str().unwrap().to_string()))
            .collect()
    };
    let size0 = f.size();
    // `movement create --to IQ-E2E --at 06:00 [--mode land] ARGS`, refused
    // with every needle on stderr, and nothing written.
    let refused = |args: &[&str], needles: &[&str]| -> Out {
        let before = f.size();
        let at = t(0);
        let mut a = vec!["movement", "create", "--to", "IQ-E2E", "--at", at.as_str()];
        if !args.contains(&"--mode") {
            a.extend_from_slice(&["--mode", "land"]);
        }
        a.extend_from_slice(args);
        let o = f.run(&a).refused(needles);
        assert_eq!(f.size(), before, "a refused plan writes nothing");
        o
    };

    // High risk: by land only in an armoured vehicle, or by air.
    let high = free_at(&|p| adult_man(p) && risk(p) == "high");
    assert!(high.len() >= 3, "high-risk people at scale 0.3");
    let (h1, h1f) = &high[0];
    let (h2, h2f) = &high[1];
    check_free(&f, h1, h1f);
    assert_eq!(f.person(h1)["now"]["record"]["risk"], "high");
    refused(
        &["--from", h1f, "--vehicles", "bus:10", "--people", h1],
        &["high-risk-by-air-or-armoured", h1],
    );
    let mv_armoured = f.plan_with(h1f, "IQ-E2E", "land", "armored:4,bus:10", &[h1]);
    let m = f.show(&mv_armoured);
    assert_eq!(
        m["manifest"][0]["vehicle"], "V1",
        "seated in the armoured vehicle"
    );
    assert_eq!(m["vehicles"][0]["armored"], true);
    f.plan_with(h2f, "IQ-E2E", "air", "aircraft:10", &[h2]);
    refused(
        &[
            "--mode",
            "air",
            "--from",
            h2f,
            "--vehicles",
            "bus:10",
            "--people",
            h2,
        ],
        &["manifest", "not an aircraft"],
    );

    // Already on another open movement (one of ours, and one of the demo's).
    refused(
        &["--from", h1f, "--vehicles", "armored:4", "--people", h1],
        &[
            "manifest",
            h1,
            &format!("already on open movement {mv_armoured}"),
        ],
    );
    let (busy, busy_row) = rows
        .iter()
        .find(|(_, p)| {
            p["status"] == "held" && !p["movement"].is_null() && risk(p) != "high" && adult_man(p)
        })
        .expect("a demo person planned on a demo movement");
    let busy_at = busy_row["custodian"].as_str().unwrap();
    assert_eq!(f.person(busy)["now"]["movement"], busy_row["movement"]);
    refused(
        &["--from", busy_at, "--vehicles", "bus:10", "--people", busy],
        &["manifest", busy, "already on open movement"],
    );

    // Seats, origin, capacity: two low-risk men held together.
    // (Not in a separation group: those are kept for the last rule.)
    let low = free_at(&|p| {
        adult_man(p) && risk(p) != "high" && p["record"]["separation_groups"].is_null()
    });
    let (l1, fac) = low[0].clone();
    let l2 = low
        .iter()
        .find(|(id, c)| *c == fac && *id != l1)
        .map(|(id, _)| id.clone())
        .expect("two free low-risk men at one facility");
    check_free(&f, &l1, &fac);
    check_free(&f, &l2, &fac);
    let pair = format!("{l1},{l2}");
    let o = refused(
        &["--from", &fac, "--vehicles", "bus:1", "--people", &pair],
        &["vehicle-seats"],
    );
    assert!(
        o.stderr.contains(&l1) || o.stderr.contains(&l2),
        "names a person: {}",
        o.stderr
    );
    let elsewhere = if fac == "IQ-NSR" { "IQ-MSL" } else { "IQ-NSR" };
    refused(
        &["--from", elsewhere, "--vehicles", "bus:10", "--people", &l1],
        &[
            "manifest",
            &l1,
            &format!("not held at the origin {elsewhere}"),
        ],
    );
    let o = f
        .run(&[
            "movement",
            "create",
            "--mode",
            "land",
            "--from",
            &fac,
            "--to",
            "IQ-TINY",
            "--at",
            &t(0),
            "--vehicles",
            "bus:10",
            "--people",
            &pair,
        ])
        .refused(&["facility-capacity", "IQ-TINY"]);
    assert!(o.stderr.contains("room for 1 more"), "{}", o.stderr);
    // Exactly room for one: accepted.
    f.plan_with(&fac, "IQ-TINY", "land", "bus:10", &[&l1]);

    // Women and juveniles apart from adult men.
    let juveniles = free_at(&|p| juvenile(p) && risk(p) != "high");
    let mut seg = None;
    for (j, jf) in &juveniles {
        if let Some((m, _)) = low.iter().find(|(id, c)| c == jf && *id != l1 && *id != l2) {
            seg = Some((j.clone(), m.clone(), jf.clone()));
            break;
        }
    }
    match seg {
        Some((j, m, jf)) => {
            assert_eq!(f.person(&j)["now"]["record"]["flags"]["juvenile"], true);
            check_free(&f, &j, &jf);
            check_free(&f, &m, &jf);
            let both = format!("{j},{m}");
            refused(
                &["--from", &jf, "--vehicles", "bus:10", "--people", &both],
                &["women-and-juveniles-apart-from-men", &m],
            );
            let mv = f.plan_with(&jf, "IQ-E2E", "land", "bus:5,bus:5", &[&j, &m]);
            let man = f.show(&mv)["manifest"].clone();
            assert_ne!(
                man[0]["vehicle"], man[1]["vehicle"],
                "in separate vehicles: {man}"
            );
        }
        None => panic!("no free non-high-risk juvenile held with a free man at scale 0.3"),
    }

    // Separation groups.
    let mut groups: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for (id, p) in &rows {
        for g in p["record"]["separation_groups"]
            .as_array()
            .into_iter()
            .flatten()
        {
            groups
                .entry(g.as_str().unwrap().to_string())
                .or_default()
                .push((id.clone(), p.clone()));
        }
    }
    let pair = groups.values().find(|v| {
        v.len() >= 2 && free(&v[0].1) && free(&v[1].1) && adult_man(&v[0].1) && adult_man(&v[1].1)
    });
    match pair {
        Some(v) => {
            let (s1, s2) = (v[0].0.clone(), v[1].0.clone());
            let f1 = v[0].1["custodian"].as_str().unwrap().to_string();
            let f2 = v[1].1["custodian"].as_str().unwrap().to_string();
            if f1 != f2 {
                // Bring them together first (a plain handover between facilities).
                f.ok(&[
                    "handover",
                    "--person",
                    &s2,
                    "--from",
                    &f2,
                    "--to",
                    &f1,
                    "--reason",
                    "consolidation",
                    "--at",
                    &t(0),
                ]);
            }
            check_free(&f, &s1, &f1);
            check_free(&f, &s2, &f1);
            let both = format!("{s1},{s2}");
            let o = refused(
                &["--from", &f1, "--vehicles", "armored:10", "--people", &both],
                &["separation-group"],
            );
            assert!(
                o.stderr.contains(&s1) || o.stderr.contains(&s2),
                "{}",
                o.stderr
            );
            let mv = f.plan_with(&f1, "IQ-E2E", "land", "armored:5,armored:5", &[&s1, &s2]);
            let man = f.show(&mv)["manifest"].clone();
            assert_ne!(
                man[0]["vehicle"], man[1]["vehicle"],
                "in separate vehicles: {man}"
            );
        }
        None => panic!("no free pair sharing a separation group at scale 0.3"),
    }
    assert!(f.size() > size0);
    f.verify_ok();
}

/// 10. A handover signed by both sides' officer keys is accepted, verifies,
///     and carries both signatures in the person's history.
#[test]
fn signed_handover() {
    let (f, ids) = Field::new(2);
    let keys = f.tmp.path();
    let (k1, k2) = (keys.join("officer-a.key"), keys.join("officer-b.key"));
    let v1 = f
        .ok(&[
            "keygen",
            "--name",
            "officer.a",
            "--out",
            k1.to_str().unwrap(),
        ])
        .stdout
        .trim()
        .to_string();
    let v2 = f
        .ok(&[
            "keygen",
            "--name",
            "officer.b",
            "--out",
            k2.to_str().unwrap(),
        ])
        .stdout
        .trim()
        .to_string();
    assert!(
        v1.starts_with("officer.a+") && v2.starts_with("officer.b+"),
        "{v1} {v2}"
    );
    // Never overwritten.
    let before = std::fs::read(&k1).unwrap();
    f.run(&[
        "keygen",
        "--name",
        "officer.c",
        "--out",
        k1.to_str().unwrap(),
    ])
    .refused(&[]);
    assert_eq!(
        std::fs::read(&k1).unwrap(),
        before,
        "the key file is untouched"
    );

    // Each officer's key is registered for the custodian they sign for.
    for (custodian, key, officer) in [(ORIGIN, &v1, "Officer A"), (DEST, &v2, "Officer B")] {
        f.ok(&[
            "officer-key",
            "register",
            "--custodian",
            custodian,
            "--key",
            key,
            "--officer",
            officer,
        ]);
    }
    for (p, at) in [(ids[0].as_str(), Some(t(120))), (ids[1].as_str(), None)] {
        let at_s = at.clone().unwrap_or_default();
        let mut args = vec![
            "handover",
            "--person",
            p,
            "--from",
            ORIGIN,
            "--to",
            DEST,
            "--reason",
            "signed transfer",
            "--sign-from",
            k1.to_str().unwrap(),
            "--sign-to",
            k2.to_str().unwrap(),
            "--json",
        ];
        // The second handover is timed "now" by the binary.
        if at.is_some() {
            args.extend_from_slice(&["--at", at_s.as_str()]);
        }
        let v = f.json(&args);
        assert_eq!(v["signatures"], 2, "{v}");
        f.verify_ok();
        let s = f.person(p);
        assert_eq!(s["now"]["custodian"], DEST);
        let h = s["history"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|e| e["what"].get("custody_handed_over"))
            .expect("the handover is in the history")
            .clone();
        let sigs = h["signatures"].as_array().expect("signatures").clone();
        let sides: Vec<(&str, &str)> = sigs
            .iter()
            .map(|x| (x["side"].as_str().unwrap(), x["key"].as_str().unwrap()))
            .collect();
        assert_eq!(sides, vec![("from", v1.as_str()), ("to", v2.as_str())]);
        assert!(
            sigs.iter()
                .all(|x| !x["signature"].as_str().unwrap().is_empty())
        );
    }
    assert_eq!(f.people_at(DEST), set(&[&ids[0], &ids[1]]));
}

/// 11. A departure signed by the origin's officer (the releasing side) and
///     the escort (a key registered for the movement itself, the receiving
///     side) is accepted, verifies, and carries both signatures. A key of
///     the wrong custodian on either side, a revoked key and one key on both
///     sides are refused with the problem named, and nothing is written; a
///     signature moved onto another departure in the stored ledger (a
///     replay) fails `verify`, naming the departure.
#[test]
fn signed_departure() {
    let (f, ids) = Field::new(2);
    let key = |name: &str| f.officer_key(name);
    let register = |custodian: &str, key_file: &str, officer: &str| {
        f.register_key(custodian, key_file, officer)
    };
    let (origin_k, _) = key("officer.origin");
    let (dest_k, _) = key("officer.dest");
    let (escort1, _) = key("escort.one");
    let (escort2, _) = key("escort.two");
    let (old, old_v) = key("escort.old");
    let mv1 = f.plan(&[&ids[0]]);
    let mv2 = f.plan(&[&ids[1]]);
    register(ORIGIN, &origin_k, "Officer Origin");
    register(DEST, &dest_k, "Officer Dest");
    // The escort signs for the movement: its keys are registered under the
    // movement's id, the custodian of everyone on board.
    register(&mv1, &escort1, "Escort One");
    register(&mv2, &escort2, "Escort Two");
    register(&mv1, &old, "Escort Old");
    f.ok(&[
        "officer-key",
        "revoke",
        "--custodian",
        &mv1,
        "--key",
        &old_v,
        "--reason",
        "tablet lost",
    ]);
    f.confirm(&mv1, &[&ids[0]]);
    f.confirm(&mv2, &[&ids[1]]);
    let depart = |mv: &str, person: &str, from: &str, to: &str| {
        f.run(&[
            "movement",
            "depart",
            mv,
            "--count",
            "1",
            "--boarded",
            person,
            "--at",
            &t(0),
            "--sign-from",
            from,
            "--sign-to",
            to,
            "--json",
        ])
    };
    let size = f.size();
    depart(&mv1, &ids[0], &dest_k, &escort1)
        .refused(&["from side", "is registered for IQ-DST, not for SY-ORG"]);
    depart(&mv1, &ids[0], &origin_k, &escort2).refused(&[
        "to side",
        &format!("is registered for {mv2}, not for {mv1}"),
    ]);
    depart(&mv1, &ids[0], &origin_k, &old).refused(&["to side", "was revoked"]);
    depart(&mv1, &ids[0], &origin_k, &origin_k)
        .refused(&["both sides of the departure signed with the same key"]);
    assert_eq!(f.size(), size, "nothing refused was written");
    assert_eq!(f.show(&mv1)["status"], "planned");

    let v = depart(&mv1, &ids[0], &origin_k, &escort1).ok().json();
    assert_eq!(v["status"], "departed", "{v}");
    depart(&mv2, &ids[1], &origin_k, &escort2).ok();
    f.verify_ok();
    let history = f.json(&["person", "show", &ids[0], "--json"])["history"].clone();
    let departed = history
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["what"].get("movement_departed"))
        .expect("the departure is in the person's history")
        .clone();
    let sides: Vec<&str> = departed["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["from", "to"], "{departed}");

    // A replay: the origin officer's signature on the first departure,
    // copied onto the second (same key, same origin facility, same person
    // count). Leaf hash recomputed, as an attacker with the file would.
    let db = Connection::open(f.data.join("rollcall.db")).unwrap();
    db.execute_batch("DROP TRIGGER events_no_update").unwrap();
    let events: Vec<(i64, Vec<u8>)> = db
        .prepare("SELECT seq, bytes FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let departure = |mv: &str| {
        events
            .iter()
            .find_map(|(seq, bytes)| {
                let e = rollcall_core::event::Event::decode(bytes).unwrap();
                match &e.what {
                    rollcall_core::EventKind::MovementDeparted { movement, .. }
                        if movement.as_str() == mv =>
                    {
                        Some((*seq, e))
                    }
                    _ => None,
                }
            })
            .expect("departure event")
    };
    let (_, first) = departure(&mv1);
    let (seq2, mut second) = departure(&mv2);
    let rollcall_core::EventKind::MovementDeparted {
        signatures: theirs, ..
    } = &first.what
    else {
        unreachable!()
    };
    if let rollcall_core::EventKind::MovementDeparted { signatures, .. } = &mut second.what {
        signatures[0] = theirs[0].clone();
    }
    let bytes = second.encode().unwrap();
    let leaf = rollcall_ledger::leaf_hash(&bytes);
    db.execute(
        "UPDATE events SET bytes = ?1, leaf_hash = ?2 WHERE seq = ?3",
        rusqlite::params![bytes, leaf.to_vec(), seq2],
    )
    .unwrap();
    drop(db);
    let o = f.run(&["verify"]);
    assert_ne!(o.code, 0, "{o:?}");
    let said = format!("{}{}", o.stdout, o.stderr);
    assert!(
        said.contains(&format!(
            "the from side's signature by officer.origin on the departure of {mv2} does not verify"
        )),
        "{said}"
    );
}

/// 12. An arrival signed by the escort (a key registered for the movement,
///     the handing-over side) and the destination's officer (the receiving
///     side) puts both signatures on every admission; a key of the wrong
///     custodian is refused and nothing is written; `verify` checks them.
#[test]
fn signed_arrival() {
    let (f, ids) = Field::new(2);
    let key = |name: &str| f.officer_key(name).0;
    let register = |custodian: &str, key_file: &str, officer: &str| {
        f.register_key(custodian, key_file, officer)
    };
    let mv = f.plan(&[&ids[0], &ids[1]]);
    let (escort, dest, origin) = (
        key("escort.one"),
        key("officer.dest"),
        key("officer.origin"),
    );
    register(&mv, &escort, "Escort One");
    register(DEST, &dest, "Officer Dest");
    register(ORIGIN, &origin, "Officer Origin");
    f.confirm(&mv, &[&ids[0], &ids[1]]);
    f.ok(&[
        "movement",
        "depart",
        &mv,
        "--count",
        "2",
        "--boarded",
        &format!("{},{}", ids[0], ids[1]),
        "--at",
        &t(0),
    ]);
    let arrive = |from: &str, to: &str| {
        f.run(&[
            "movement",
            "arrive",
            &mv,
            "--admitted",
            &format!("{},{}", ids[0], ids[1]),
            "--at",
            &t(60),
            "--sign-from",
            from,
            "--sign-to",
            to,
            "--json",
        ])
    };
    let size = f.size();
    arrive(&escort, &origin).refused(&["to side", "is registered for SY-ORG, not for IQ-DST"]);
    assert_eq!(f.size(), size, "nothing refused was written");
    let v = arrive(&escort, &dest).ok().json();
    assert_eq!(v["status"], "reconciled", "{v}");
    f.verify_ok();
    for p in &ids {
        let history = f.json(&["person", "show", p, "--json"])["history"].clone();
        let admitted = history
            .as_array()
            .unwrap()
            .iter()
            .find_map(|e| e["what"].get("person_admitted"))
            .expect("the admission is in the history")
            .clone();
        let sides: Vec<&str> = admitted["signatures"]
            .as_array()
            .expect("signatures")
            .iter()
            .map(|s| s["side"].as_str().unwrap())
            .collect();
        assert_eq!(sides, ["from", "to"], "{admitted}");
    }
}

/// 13. `movement list` gives movements by status, in order of planned
///     departure, with counts and no one's name or id.
#[test]
fn movements_are_listed_by_status_naming_nobody() {
    let (f, ids) = Field::new(2);
    let first = f.plan(&[&ids[0]]);
    let second = f.plan(&[&ids[1]]);
    f.confirm(&first, &[&ids[0]]);
    f.ok(&[
        "movement",
        "depart",
        &first,
        "--count",
        "1",
        "--boarded",
        &ids[0],
        "--at",
        &t(0),
    ]);
    let listed = |status: &str| -> Vec<String> {
        let mut args = vec!["movement", "list", "--json"];
        if !status.is_empty() {
            args.extend(["--status", status]);
        }
        f.json(&args)
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed("departed"), std::slice::from_ref(&first));
    assert_eq!(listed("planned"), std::slice::from_ref(&second));
    assert_eq!(listed("planned,departed").len(), 2);
    assert_eq!(listed("").len(), 2);
    assert!(listed("aborted").is_empty());
    let all = f.json(&["movement", "list", "--json"]).to_string();
    for p in &ids {
        assert!(!all.contains(p.as_str()), "the list names {p}");
    }
    let text = f.ok(&["movement", "list", "--status", "departed"]).stdout;
    assert!(
        text.contains(&first) && text.contains("on board 1"),
        "{text}"
    );
}
