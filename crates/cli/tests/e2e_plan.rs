//! `rollcall plan` end to end: the reference instance is planned and the
//! plan file holds what the command printed; an infeasible instance fails
//! naming the person and the rule; an existing `--out` is refused.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("rollcall runs")
}

#[test]
fn plans_the_reference_instance_and_explains_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let inst = dir.path().join("i.json");
    let plan = dir.path().join("p.json");
    let i = inst.to_str().unwrap();
    let p = plan.to_str().unwrap();
    let out = run(&["plan-instance", "--scale", "0.2", "--out", i]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["plan", "--input", i, "--out", p, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(summary["days"], written["days"]);
    assert!(written["days"].as_u64() >= written["lower_bound_days"].as_u64());
    let moved: usize = written["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["people"].as_array().unwrap().len())
        .sum();
    assert_eq!(moved, 1_400);
    // The plan file is not overwritten.
    let again = run(&["plan", "--input", i, "--out", p]);
    assert_eq!(again.status.code(), Some(1));

    // A woman no destination accepts: no plan, and she is named.
    let mut instance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&inst).unwrap()).unwrap();
    instance["people"][0]["sex"] = "F".into();
    let id = instance["people"][0]["id"].as_str().unwrap().to_string();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, instance.to_string()).unwrap();
    let none = dir.path().join("none.json");
    let out = run(&[
        "plan",
        "--input",
        bad.to_str().unwrap(),
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("facility-category") && err.contains(&id),
        "{err}"
    );
    assert!(!none.exists(), "no plan file is left behind");
}

// ----------------------------------------------------- plan --from-store --

/// A ledger in a temporary directory, driven through the binary.
struct Ledger {
    tmp: tempfile::TempDir,
}

impl Ledger {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .env_remove("ROLLCALL_DATA")
            .env_remove("ROLLCALL_USER")
            .arg("--data")
            .arg(self.tmp.path().join("data"))
            .args(args)
            .output()
            .expect("rollcall runs")
    }
    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    #[track_caller]
    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).expect("JSON")
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
    fn facility(&self, id: &str, country: &str, tz: &str, security: &str, capacity: u32) {
        self.ok(&[
            "facility",
            "add",
            "--id",
            id,
            "--name",
            id,
            "--authority",
            "Ministry",
            "--country",
            country,
            "--lat",
            "35.0",
            "--lon",
            "42.0",
            "--time-zone",
            tz,
            "--security",
            security,
            "--capacity",
            &capacity.to_string(),
            "--categories",
            "adult_male",
        ]);
    }
    fn movement(&self, id: &str) -> serde_json::Value {
        self.json(&["movement", "show", id, "--json"])
    }
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// `plan --from-store --transport T --days-from DAY` and `extra`.
fn from_store<'a>(transport: &'a str, day: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "plan",
        "--from-store",
        "--transport",
        transport,
        "--days-from",
        day,
    ];
    args.extend_from_slice(extra);
    args
}

/// 24 men wait at one origin, four of them high-risk and two sharing a
/// separation group; one destination is maximum security, one medium. The
/// plan from the ledger moves everyone in the days the transport allows,
/// each movement recorded through the ledger's checks (high-risk people
/// armoured and to maximum security); planning again finds nobody waiting;
/// after one movement is aborted and one has left, a re-plan withdraws the
/// movements not yet departed, plans their people and the returned ones
/// again, leaves the one under way alone, and the ledger still verifies.
#[test]
fn plans_the_people_waiting_in_the_ledger_records_the_plan_and_replans() {
    // The plan's days, counted from a day some weeks ahead (a plan starts
    // today or later): day(0) is day 1.
    let start = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(40))
        .unwrap();
    let day = |n: i64| {
        start
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let (day1, day3) = (day(0), day(2));
    let l = Ledger {
        tmp: tempfile::tempdir().unwrap(),
    };
    l.ok(&["init", "--name", "plan-1"]);
    l.facility("ORIG", "SY", "Asia/Damascus", "maximum", 100);
    l.facility("MAX", "IQ", "Asia/Baghdad", "maximum", 30);
    l.facility("MED", "IQ", "Asia/Baghdad", "medium", 30);
    let mut csv = String::from(
        "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source\n",
    );
    for i in 0..24 {
        csv.push_str(&format!(
            "R-{i:03},Omar Khalid al-Plan{i},Omar,Khalid,Yusuf,al-Plan{i},Mariam,1990-01-01,Mosul,M,IRQ,id_card,IQ-{:06},plan-roster\n",
            100_000 + i
        ));
    }
    let roster = l.write("roster.csv", &csv);
    let r = l.json(&[
        "import",
        "roster",
        &roster,
        "--facility",
        "ORIG",
        "--at",
        "2026-02-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(r["registered"], 24, "{r}");
    let person = |k: usize| format!("P-PLAN-1-{k:06}");
    let high: Vec<String> = (1..=4).map(person).collect();
    for p in &high {
        l.ok(&[
            "person", "correct", p, "--reason", "assessed", "--risk", "high",
        ]);
    }
    for p in [person(5), person(6)] {
        l.ok(&[
            "person",
            "correct",
            &p,
            "--reason",
            "cell",
            "--separation-groups",
            "G-1",
        ]);
    }
    // One convoy a day of one armoured vehicle of 4 and one bus of 8; no
    // flights: 12 seats a day for 24 people is two days.
    let transport = l.write(
        "transport.json",
        r#"{"origins": [{"id": "ORIG", "convoys_per_day": 1,
              "vehicles_per_convoy": [{"seats": 4, "armored": true}, {"seats": 8, "armored": false}]}],
            "destinations": ["MAX", "MED"], "flights_per_day": 0, "flight_seats": 0,
            "medic_movements_per_day": 0, "border_limit_per_day": null,
            "departure_time": "07:00", "escort": ["Escort team 1"]}"#,
    );
    let plan = |extra: &[&str]| {
        let mut args = from_store(&transport, &day1, &["--no-what-if", "--json"]);
        args.extend_from_slice(extra);
        l.json(&args)
    };

    // A dry run records nothing but the reads.
    let dry = plan(&[]);
    assert_eq!(
        (dry["people"].as_u64(), dry["days"].as_u64()),
        (Some(24), Some(2)),
        "{dry}"
    );
    assert_eq!(dry["lower_bound_days"], 2);
    assert_eq!(dry["committed"], false);
    assert!(ids(&dry["recorded"]).is_empty());
    let status = l.json(&["status", "--json"]);
    assert_eq!(status["scheduled"], 0, "{status}");
    // The text a planner reads: the plan's days, each with its date,
    // movements and people, and that nothing was recorded.
    let text = l.ok(&from_store(&transport, &day1, &["--no-what-if"]));
    for want in [
        format!("day 1 ({day1}): "),
        format!("day 2 ({}): ", day(1)),
        "12 people".to_string(),
        "nothing recorded (--commit records these movements)".to_string(),
    ] {
        assert!(text.contains(&want), "{want:?} in:\n{text}");
    }
    assert!(!text.contains("day 3 ("), "{text}");
    // A plan cannot start in the past: a usage error, naming the date.
    let past = l.run(&from_store(&transport, "2020-01-01", &[]));
    assert_eq!(past.status.code(), Some(64));
    let err = String::from_utf8_lossy(&past.stderr);
    assert!(err.contains("2020-01-01 is in the past"), "{err}");
    // Each person read for the plan is on the record, with its purpose.
    let audit = l.json(&["audit", "--json"]);
    let planned_reads: std::collections::BTreeSet<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "plan.from-store")
        .map(|a| a["subject"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(planned_reads.len(), 24, "{audit}");

    let first = plan(&["--commit"]);
    let recorded = ids(&first["recorded"]);
    assert_eq!(recorded.len() as u64, first["movements"].as_u64().unwrap());
    let mut moved = std::collections::BTreeSet::new();
    for id in &recorded {
        let m = l.movement(id);
        assert_eq!(m["status"], "planned", "{m}");
        assert_eq!(m["origin"], "ORIG");
        let vehicle = &m["vehicles"][0];
        for seat in m["manifest"].as_array().unwrap() {
            let p = seat["person"].as_str().unwrap().to_string();
            if high.contains(&p) {
                assert_eq!(vehicle["armored"], true, "{m}");
                assert_eq!(m["destination"], "MAX", "{m}");
            }
            assert!(moved.insert(p), "one person on two movements");
        }
        assert!(
            m["planned_departure"] == format!("{}T04:00:00Z", day(0)).as_str()
                || m["planned_departure"] == format!("{}T04:00:00Z", day(1)).as_str(),
            "07:00 in Damascus on day 1 or 2: {m}"
        );
        assert_eq!(m["escort"][0], "Escort team 1");
    }
    assert_eq!(moved.len(), 24);

    // Nobody is left to plan, and the message says how to plan again.
    let again = l.run(&from_store(&transport, &day1, &[]));
    assert_eq!(again.status.code(), Some(1));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("nobody is waiting") && err.contains("--replan"),
        "{err}"
    );

    // One movement is aborted (its people back at the origin), one leaves.
    let (aborted, gone) = (&recorded[0], &recorded[1]);
    l.ok(&[
        "movement",
        "abort",
        aborted,
        "--return-to",
        "ORIG",
        "--reason",
        "road closed",
    ]);
    let gone_people: Vec<String> = l.movement(gone)["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["person"].as_str().unwrap().to_string())
        .collect();
    let mut confirm = vec![
        "escort-record".to_string(),
        "confirm".into(),
        "--movement".into(),
        gone.clone(),
        "--people".into(),
        gone_people.join(","),
    ];
    for f in [
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
    ] {
        confirm.push(f.into());
    }
    l.ok(&confirm.iter().map(String::as_str).collect::<Vec<_>>());
    l.ok(&[
        "movement",
        "depart",
        gone,
        "--count",
        &gone_people.len().to_string(),
        "--boarded",
        &gone_people.join(","),
    ]);

    // The aborted movement's people wait again, but the movements still
    // planned leave on the new plan's days: planning alongside them would
    // book their convoys twice, so it is refused, naming them, the way out
    // (--replan) and the first day their transport is free.
    let clash = l.run(&from_store(&transport, &day1, &["--no-what-if"]));
    assert_eq!(clash.status.code(), Some(1));
    let err = String::from_utf8_lossy(&clash.stderr);
    let still_planned = recorded.len() - 2;
    assert!(
        err.contains(&format!(
            "{still_planned} planned movements from these origins"
        )) && err.contains(&recorded[2])
            && err.contains("--replan")
            && err.contains(&format!("--days-from {day3}")),
        "{err}"
    );
    // From that day on, their transport is free: the waiting people alone
    // are planned, around the movements left as they are.
    let around = l.json(&from_store(&transport, &day3, &["--no-what-if", "--json"]));
    let aborted_people = l.movement(aborted)["manifest"].as_array().unwrap().len();
    assert_eq!(
        around["people"].as_u64(),
        Some(aborted_people as u64),
        "{around}"
    );
    assert_eq!(
        around["kept"].as_u64(),
        Some(still_planned as u64),
        "{around}"
    );
    assert_eq!(around["start_date"], day3.as_str());

    let second = plan(&["--commit", "--replan"]);
    let withdrawn = ids(&second["withdrawn"]);
    let expected: Vec<String> = recorded[2..].to_vec();
    assert_eq!(
        withdrawn.iter().collect::<std::collections::BTreeSet<_>>(),
        expected.iter().collect(),
        "every movement not yet departed, and only those"
    );
    assert_eq!(
        second["people"].as_u64(),
        Some(24 - gone_people.len() as u64),
        "everyone but those under way"
    );
    for id in &withdrawn {
        let m = l.movement(id);
        assert_eq!(m["status"], "aborted", "{m}");
        assert!(
            m["abort_reason"].as_str().unwrap().contains("re-plan"),
            "{m}"
        );
    }
    assert_eq!(l.movement(gone)["status"], "departed");
    let mut replanned = std::collections::BTreeSet::new();
    for id in ids(&second["recorded"]) {
        for seat in l.movement(&id)["manifest"].as_array().unwrap() {
            replanned.insert(seat["person"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(replanned.len() + gone_people.len(), 24);
    assert!(gone_people.iter().all(|p| !replanned.contains(p)));
    let v = l.json(&["verify", "--json"]);
    assert_eq!(v["ok"], true, "{v}");
}
