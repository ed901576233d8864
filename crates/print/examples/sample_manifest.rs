//! Writes a realistic sample movement manifest PDF: a land convoy of 60
//! people across two buses and one armored vehicle.
//!
//! ```text
//! cargo run -p rollcall-print --example sample_manifest -- manifest.pdf [manifest.csv]
//! ```

use rollcall_print::{
    Counts, HeadStamp, ManifestDoc, PersonLine, Place, VehicleLine, manifest_csv, manifest_pdf,
};

const GIVEN: [&str; 12] = [
    "Ahmed", "Khalid", "Omar", "Yusuf", "Mahmoud", "Ibrahim", "Hassan", "Ali", "Mustafa",
    "Abdullah", "Karim", "Tariq",
];
const FATHERS: [&str; 10] = [
    "Khalid",
    "Abdul-Rahman",
    "Saleh",
    "Hamid",
    "Jasim",
    "Nasser",
    "Fadhil",
    "Salim",
    "Rashid",
    "Ismail",
];
const FAMILY: [&str; 11] = [
    "al-Jubouri",
    "al-Obeidi",
    "al-Dulaimi",
    "al-Shammari",
    "Haddad",
    "al-Tikriti",
    "Mansour",
    "al-Ani",
    "Darwish",
    "al-Hashimi",
    "Benali",
];
// The same names as recorded, in Arabic script.
const GIVEN_AR: [&str; 12] = [
    "أحمد",
    "خالد",
    "عمر",
    "يوسف",
    "محمود",
    "إبراهيم",
    "حسن",
    "علي",
    "مصطفى",
    "عبدالله",
    "كريم",
    "طارق",
];
const FATHERS_AR: [&str; 10] = [
    "خالد",
    "عبدالرحمن",
    "صالح",
    "حامد",
    "جاسم",
    "ناصر",
    "فاضل",
    "سالم",
    "راشد",
    "إسماعيل",
];
const FAMILY_AR: [&str; 11] = [
    "الجبوري",
    "العبيدي",
    "الدليمي",
    "الشمري",
    "حداد",
    "التكريتي",
    "منصور",
    "العاني",
    "درويش",
    "الهاشمي",
    "بن علي",
];
const NATIONALITIES: [&str; 9] = [
    "IRQ", "IRQ", "SYR", "IRQ", "TUN", "SYR", "FRA", "unknown", "DEU",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(pdf_path) = args.next() else {
        eprintln!("usage: sample_manifest OUT.pdf [OUT.csv]");
        std::process::exit(2);
    };
    let doc = sample();
    std::fs::write(&pdf_path, manifest_pdf(&doc)).expect("write PDF");
    if let Some(csv_path) = args.next() {
        std::fs::write(&csv_path, manifest_csv(&doc)).expect("write CSV");
    }
    eprintln!("wrote {pdf_path} ({} people)", doc.people.len());
}

fn sample() -> ManifestDoc {
    // Seating plan: 6 high-risk people in the armored vehicle, the rest split
    // over the two buses.
    let plan: [(&str, u32); 3] = [("AV-01", 6), ("BUS-01", 28), ("BUS-02", 26)];
    let mut people = Vec::new();
    for (vehicle, n) in plan {
        for _ in 0..n {
            let i = people.len();
            people.push(person(i, vehicle));
        }
    }
    let vehicles = vec![
        VehicleLine {
            id: "AV-01".into(),
            kind: "armored van".into(),
            seats: 8,
            armored: true,
            assigned: 6,
        },
        VehicleLine {
            id: "BUS-01".into(),
            kind: "bus".into(),
            seats: 30,
            armored: false,
            assigned: 28,
        },
        VehicleLine {
            id: "BUS-02".into(),
            kind: "bus".into(),
            seats: 30,
            armored: false,
            assigned: 26,
        },
    ];
    ManifestDoc {
        movement: "MV-0012".into(),
        mode: "land".into(),
        status: "planned".into(),
        origin: Place {
            id: "FAC-0003".into(),
            name: "Hasakah North Transfer Facility".into(),
            country: "SYR".into(),
        },
        destination: Place {
            id: "FAC-0017".into(),
            name: "Nineveh Reception Centre".into(),
            country: "IRQ".into(),
        },
        planned_departure: "2025-11-04T05:30:00+03:00".into(),
        vehicles,
        escort: vec![
            "Capt. Rami Haddad (commander)".into(),
            "Sgt. Lina Saleh".into(),
            "Cpl. Yusuf Karim".into(),
            "Cpl. Samir Aziz".into(),
            "Pte. Dilan Sheikho".into(),
            "Pte. Omar Nouri".into(),
            "Medic Hana Yousef".into(),
        ],
        counts: Counts {
            manifest: people.len() as u32,
            boarded: None,
            admitted: None,
            last_count: None,
        },
        people,
        head: HeadStamp {
            origin: "rollcall.example/ledger/ops".into(),
            size: 48_213,
            root_hex: "9f2c4e1ab07d33c58e6f1029d4b7a6e0c3f85d1e27b94a60f8d2c17e5b3a9d04".into(),
            signer: "ops-hq-2025".into(),
        },
        printed_at: "2025-11-03T18:42:10+03:00".into(),
        printed_by: "officer J. Mirza (FAC-0003 records)".into(),
    }
}

fn person(i: usize, vehicle: &str) -> PersonLine {
    let (g, f, n) = (
        i % GIVEN.len(),
        (i * 7 + 3) % FATHERS.len(),
        (i * 5 + 1) % FAMILY.len(),
    );
    let (given, father, family) = (GIVEN[g], FATHERS[f], FAMILY[n]);
    let mut name_latin = format!("{given} {father} {family}");
    let mut name_original = format!("{} {} {}", GIVEN_AR[g], FATHERS_AR[f], FAMILY_AR[n]);
    let mut father = father.to_string();
    match i {
        // Recorded only in Arabic script: the PDF prints the placeholder.
        9 | 33 => {
            name_latin.clear();
            name_original = "محمود جاسم العبيدي".into();
        }
        // A very long name, to be truncated in the table.
        14 => name_latin = "Abdul-Rahman Mohammed Abdullah Hussein al-Tikriti al-Hashimi".into(),
        // Transliteration with diacritics outside WinAnsi (folded), and a
        // European-born person.
        21 => name_latin = "Ḥusayn ʿAbd al-Karīm".into(),
        27 => {
            name_latin = "Julien Moreau (alias Abu Ibrahim)".into();
            name_original = name_latin.clone();
            father = "Pierre".into();
        }
        _ => {}
    }
    let risk = if vehicle == "AV-01" {
        "high"
    } else if i.is_multiple_of(4) {
        "medium"
    } else {
        "low"
    };
    let needs = match i % 13 {
        2 => "medication (insulin)",
        5 => "separation SG-12",
        8 => "interpreter: French",
        11 => "medication; separation SG-12",
        _ if i == 40 => "wheelchair; medical escort required at all stops",
        _ => "",
    };
    PersonLine {
        seq: i as u32 + 1,
        person: format!("P-{:07}", 1_200 + i * 37),
        name_latin,
        name_original,
        father,
        birth: match i % 3 {
            0 => format!("{}", 1975 + i % 25),
            1 => format!("{}-{:02}", 1980 + i % 20, 1 + i % 12),
            _ => String::new(),
        },
        sex: "M".into(),
        nationality: NATIONALITIES[i % NATIONALITIES.len()].into(),
        risk: risk.into(),
        vehicle: vehicle.into(),
        escort_record: if i % 6 == 4 {
            "unconfirmed"
        } else {
            "confirmed"
        }
        .into(),
        needs: needs.into(),
    }
}
