//! Tracking a movement in transit: distances, route geometry, speed and ETA,
//! and the silent / stopped / off-route alerts.

use proptest::prelude::*;
use rollcall_core::Timestamp;
use rollcall_core::custodian::Coordinates;
use rollcall_core::tracking::*;

/// Metres per degree of latitude on the haversine sphere.
const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

fn c(lat: f64, lon: f64) -> Coordinates {
    Coordinates { lat, lon }
}

fn t0() -> Timestamp {
    "2026-01-22T08:00:00Z".parse().unwrap()
}

/// `t0` plus `secs` seconds.
fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(t0().as_second() + secs).unwrap()
}

fn tp(p: Coordinates, secs: i64) -> TrackPoint {
    TrackPoint {
        lat: p.lat,
        lon: p.lon,
        at: at(secs),
    }
}

fn baghdad() -> Coordinates {
    c(33.3152, 44.3661)
}

fn nasiriyah() -> Coordinates {
    c(31.0439, 46.2576)
}

/// A straight N-S leg of 1.5° (about 167 km) from (31.0, 46.0) northwards.
fn ns_route() -> Vec<Coordinates> {
    planned_route(c(31.0, 46.0), c(32.5, 46.0), &[])
}

/// A point `north_m` north of (31.0, 46.0) on the N-S leg.
fn on_ns(north_m: f64) -> Coordinates {
    c(31.0 + north_m / M_PER_DEG, 46.0)
}

/// A point `east_m` east of `p` (small offsets).
fn east_of(p: Coordinates, east_m: f64) -> Coordinates {
    c(
        p.lat,
        p.lon + east_m / (M_PER_DEG * p.lat.to_radians().cos()),
    )
}

/// A vehicle driving north along the N-S leg at `kmh`, reporting every
/// minute from departure (t0) for `minutes` minutes.
fn driving(kmh: f64, minutes: i64) -> Vec<TrackPoint> {
    let mps = kmh / 3.6;
    (0..=minutes)
        .map(|m| tp(on_ns(mps * (m * 60) as f64), m * 60))
        .collect()
}

fn kinds(alerts: &[Alert]) -> Vec<&'static str> {
    alerts.iter().map(Alert::kind).collect()
}

// ---- distances -------------------------------------------------------------

#[test]
fn baghdad_to_nasiriyah_great_circle() {
    // Great-circle distance between the city centres is about 309 km
    // (road distance is longer, about 360 km).
    let d = distance_m(baghdad(), nasiriyah());
    assert!((d - 309_000.0).abs() < 309_000.0 * 0.01, "{d}");
    assert_eq!(d, distance_m(nasiriyah(), baghdad()));
}

#[test]
fn identical_points_are_zero_apart() {
    assert_eq!(distance_m(baghdad(), baghdad()), 0.0);
    assert_eq!(distance_m(c(0.0, 0.0), c(0.0, 0.0)), 0.0);
}

#[test]
fn one_degree_of_latitude() {
    let d = distance_m(c(30.0, 45.0), c(31.0, 45.0));
    assert!((d - M_PER_DEG).abs() < 1e-6, "{d}");
}

#[test]
fn across_the_antimeridian_is_short() {
    let d = distance_m(c(0.0, 179.9), c(0.0, -179.9));
    assert!((d - 0.2 * M_PER_DEG).abs() < 1.0, "{d}");
}

// ---- planned route ---------------------------------------------------------

#[test]
fn planned_route_puts_waypoints_between_origin_and_destination() {
    let (o, d) = (baghdad(), nasiriyah());
    assert_eq!(planned_route(o, d, &[]), vec![o, d]);
    let w = [c(32.0, 45.0), c(31.5, 45.8)];
    assert_eq!(planned_route(o, d, &w), vec![o, w[0], w[1], d]);
}

// ---- distance to route -----------------------------------------------------

#[test]
fn on_the_segment_is_zero() {
    let route = ns_route();
    for north_km in [0.0, 1.0, 50.0, 83.4, 166.0] {
        let d = distance_to_route_m(on_ns(north_km * 1000.0), &route);
        assert!(d < 1.0, "{north_km} km: {d}");
    }
    let route = planned_route(baghdad(), nasiriyah(), &[]);
    let mid = c(
        (baghdad().lat + nasiriyah().lat) / 2.0,
        (baghdad().lon + nasiriyah().lon) / 2.0,
    );
    // The chord in lat/lon and the great circle differ a little over 300 km.
    assert!(distance_to_route_m(mid, &route) < 500.0);
}

#[test]
fn perpendicular_offset_beside_the_middle() {
    let route = ns_route();
    let mid = on_ns(0.75 * M_PER_DEG);
    for side in [1.0, -1.0] {
        let p = east_of(mid, side * 10_000.0);
        let d = distance_to_route_m(p, &route);
        assert!((d - 10_000.0).abs() < 200.0, "{d}");
    }
}

#[test]
fn beyond_the_end_is_the_distance_to_the_end() {
    let route = ns_route();
    let p = on_ns(-20_000.0);
    let d = distance_to_route_m(p, &route);
    assert!((d - 20_000.0).abs() < 1.0, "{d}");
}

#[test]
fn degenerate_routes() {
    let p = c(31.0, 46.1);
    let v = c(31.0, 46.0);
    let to_v = distance_m(p, v);
    assert_eq!(distance_to_route_m(p, &[v]), to_v);
    assert!((distance_to_route_m(p, &[v, v, v]) - to_v).abs() < 1e-6);
    assert_eq!(distance_to_route_m(p, &[]), f64::INFINITY);
    // Non-finite vertices are ignored.
    assert_eq!(distance_to_route_m(p, &[c(f64::NAN, 0.0), v]), to_v);
}

#[test]
fn waypoints_bend_the_route() {
    // Dog-leg east then north: a point on the second leg is on the route,
    // though far from the straight origin-destination line.
    let route = planned_route(c(31.0, 46.0), c(32.0, 47.0), &[c(31.0, 47.0)]);
    let p = c(31.5, 47.0);
    assert!(distance_to_route_m(p, &route) < 1.0);
    let straight = planned_route(c(31.0, 46.0), c(32.0, 47.0), &[]);
    assert!(distance_to_route_m(p, &straight) > 30_000.0);
}

// ---- remaining distance ----------------------------------------------------

#[test]
fn remaining_decreases_along_the_route() {
    let route = planned_route(c(31.0, 46.0), c(32.0, 47.0), &[c(31.0, 47.0)]);
    let total: f64 = route.windows(2).map(|w| distance_m(w[0], w[1])).sum();
    let start = remaining_route_m(route[0], &route);
    assert!((start - total).abs() < 1.0, "{start} vs {total}");
    let points = [
        c(31.0, 46.2),
        c(31.0, 46.6),
        c(31.01, 46.99), // slightly off route, near the corner
        c(31.2, 47.0),
        c(31.7, 47.0),
        c(32.0, 47.0),
    ];
    let mut prev = start;
    for p in points {
        let r = remaining_route_m(p, &route);
        assert!(r < prev, "{p:?}: {r} !< {prev}");
        prev = r;
    }
    assert!(prev < 1.0, "{prev}");
    assert_eq!(remaining_route_m(route[0], &[]), 0.0);
    assert_eq!(remaining_route_m(route[0], &route[..1]), 0.0);
}

// ---- speed and ETA ---------------------------------------------------------

#[test]
fn speed_over_the_recent_window() {
    let track = driving(60.0, 30);
    let v = recent_speed_mps(&track, 600).unwrap();
    assert!((v - 60.0 / 3.6).abs() < 0.01, "{v}");
    assert_eq!(recent_speed_mps(&track[..1], 600), None);
    assert_eq!(recent_speed_mps(&[], 600), None);
    let same_time = [tp(on_ns(0.0), 0), tp(on_ns(500.0), 0)];
    assert_eq!(recent_speed_mps(&same_time, 600), None);
    // Reports sparser than the window: the last gap is used.
    let sparse = [tp(on_ns(0.0), 0), tp(on_ns(20_000.0), 1200)];
    let v = recent_speed_mps(&sparse, 300).unwrap();
    assert!((v - 20_000.0 / 1200.0).abs() < 0.01, "{v}");
}

#[test]
fn speed_tracks_the_latest_pace() {
    // 30 min at 90 km/h, then 15 min at 30 km/h: the 10-min window sees 30.
    let mut track = driving(90.0, 30);
    let base = 90.0 / 3.6 * 1800.0;
    track.extend((1..=15).map(|m| tp(on_ns(base + 30.0 / 3.6 * (m * 60) as f64), 1800 + m * 60)));
    let v = recent_speed_mps(&track, 600).unwrap();
    assert!((v - 30.0 / 3.6).abs() < 0.01, "{v}");
}

#[test]
fn eta_at_constant_sixty_kmh() {
    let route = ns_route();
    let total = distance_m(route[0], route[1]);
    let track = driving(60.0, 40);
    // Departed at t0 at 60 km/h from the origin: truth is t0 + total / speed.
    let truth = t0().as_second() as f64 + total / (60.0 / 3.6);
    let got = eta(&track, &route, 900).unwrap();
    let err = (got.as_second() as f64 - truth).abs();
    assert!(err < 120.0, "ETA {got} off by {err} s");
    // Unsorted input gives the same answer.
    let mut shuffled = track.clone();
    shuffled.reverse();
    shuffled.swap(3, 17);
    assert_eq!(eta(&shuffled, &route, 900), Some(got));
}

#[test]
fn no_eta_without_movement() {
    let route = ns_route();
    let parked: Vec<_> = (0..10).map(|m| tp(on_ns(5000.0), m * 60)).collect();
    assert_eq!(eta(&parked, &route, 600), None);
    assert_eq!(eta(&parked[..1], &route, 600), None);
    assert_eq!(eta(&driving(60.0, 10), &[], 600), None);
}

// ---- alerts ----------------------------------------------------------------

#[test]
fn default_rules() {
    let r = TrackingRules::default();
    assert_eq!(r.silent_after_secs, 1800);
    assert_eq!(r.max_stop_secs, 1200);
    assert_eq!(r.stop_radius_m, 150.0);
    assert_eq!(r.max_off_route_m, 5000.0);
    assert_eq!(r.allowed_stop_radius_m, 1500.0);
}

fn allowed(route: &[Coordinates]) -> Vec<Coordinates> {
    route.to_vec()
}

#[test]
fn silent_after_thirty_one_minutes_not_twenty_nine() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let track = driving(60.0, 10);
    let last = at(600);
    let now_31 = at(600 + 31 * 60);
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now_31);
    assert_eq!(
        a,
        vec![Alert::Silent {
            last_report: Some(last),
            silent_secs: 31 * 60
        }]
    );
    assert_eq!(
        a[0].describe(),
        "no position for 31 min (last at 2026-01-22T08:10:00Z)"
    );
    let a = alerts(
        t0(),
        &track,
        &route,
        &allowed(&route),
        &rules,
        at(600 + 29 * 60),
    );
    assert!(a.is_empty(), "{a:?}");
}

#[test]
fn silent_since_departure_when_nothing_reported() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let a = alerts(t0(), &[], &route, &allowed(&route), &rules, at(31 * 60));
    assert_eq!(
        a,
        vec![Alert::Silent {
            last_report: None,
            silent_secs: 31 * 60
        }]
    );
    assert_eq!(a[0].describe(), "no position for 31 min since departure");
    assert!(alerts(t0(), &[], &route, &[], &rules, at(29 * 60)).is_empty());
}

/// Drive 20 min at 60 km/h, then park `parked_min` minutes on the road,
/// reporting every minute; `now` is the last report.
fn park_on_road(parked_min: i64) -> (Vec<TrackPoint>, Timestamp, Coordinates) {
    let mut track = driving(60.0, 20);
    let spot = on_ns(20_000.0);
    for m in 1..=parked_min {
        // A few metres of GPS jitter.
        let jitter = if m % 2 == 0 { 8.0 } else { -8.0 };
        track.push(tp(east_of(spot, jitter), 1200 + m * 60));
    }
    (track, at(1200 + parked_min * 60), spot)
}

#[test]
fn stopped_on_the_road_for_twenty_five_minutes() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let (track, now, spot) = park_on_road(25);
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert_eq!(kinds(&a), vec!["stopped"], "{a:?}");
    let Alert::Stopped {
        at: where_,
        since,
        stopped_secs,
    } = &a[0]
    else {
        unreachable!()
    };
    assert_eq!(*since, at(1200));
    assert_eq!(*stopped_secs, 25 * 60);
    assert!(distance_m(*where_, spot) < 20.0);
    assert!(a[0].describe().starts_with("stationary for 25 min at 31.1"));
}

#[test]
fn not_stopped_after_fifteen_minutes() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let (track, now, _) = park_on_road(15);
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert!(a.is_empty(), "{a:?}");
}

#[test]
fn stop_counts_until_now_when_not_silent() {
    // Parked 15 min of reports, then 10 quiet minutes: 25 min stationary.
    let route = ns_route();
    let rules = TrackingRules::default();
    let (track, last, _) = park_on_road(15);
    let now = Timestamp::from_second(last.as_second() + 600).unwrap();
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert_eq!(kinds(&a), vec!["stopped"], "{a:?}");
}

#[test]
fn silence_after_a_short_stop_is_only_silent() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let (track, last, _) = park_on_road(15);
    let now = Timestamp::from_second(last.as_second() + 40 * 60).unwrap();
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert_eq!(kinds(&a), vec!["silent"], "{a:?}");
    // A stop that already exceeded the limit before the silence is reported.
    let (track, last, _) = park_on_road(25);
    let now = Timestamp::from_second(last.as_second() + 40 * 60).unwrap();
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert_eq!(kinds(&a), vec!["silent", "stopped"], "{a:?}");
    let Alert::Stopped { stopped_secs, .. } = a[1] else {
        unreachable!()
    };
    assert_eq!(stopped_secs, 25 * 60);
}

#[test]
fn parked_at_an_allowed_stop_raises_nothing() {
    let checkpoint = on_ns(20_000.0);
    let route = planned_route(c(31.0, 46.0), c(32.5, 46.0), &[checkpoint]);
    let rules = TrackingRules::default();
    let (track, now, _) = park_on_road(25);
    let a = alerts(t0(), &track, &route, &route, &rules, now);
    assert!(a.is_empty(), "{a:?}");
    // Waiting at the origin before moving off is not a stop either.
    let waiting: Vec<_> = (0..40).map(|m| tp(route[0], m * 60)).collect();
    let a = alerts(t0(), &waiting, &route, &route, &rules, at(39 * 60));
    assert!(a.is_empty(), "{a:?}");
    // ...but the same wait with no allowed places is.
    let a = alerts(t0(), &waiting, &route, &[], &rules, at(39 * 60));
    assert_eq!(kinds(&a), vec!["stopped"]);
}

#[test]
fn off_route_at_six_km_not_four() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let mut track = driving(60.0, 30);
    let last = track.pop().unwrap();
    let now = last.at;
    for (off_km, fires) in [(6.0, true), (4.0, false)] {
        let p = east_of(last.coordinates(), off_km * 1000.0);
        let mut t = track.clone();
        t.push(TrackPoint {
            lat: p.lat,
            lon: p.lon,
            at: now,
        });
        let a = alerts(t0(), &t, &route, &allowed(&route), &rules, now);
        if fires {
            assert_eq!(kinds(&a), vec!["off_route"], "{a:?}");
            let Alert::OffRoute { distance_m, .. } = a[0] else {
                unreachable!()
            };
            assert!((distance_m - 6000.0).abs() < 100.0, "{distance_m}");
            assert!(a[0].describe().starts_with("6.0 km off the planned route"));
        } else {
            assert!(a.is_empty(), "{a:?}");
        }
    }
}

#[test]
fn normal_convoy_raises_nothing() {
    let route = planned_route(c(31.0, 46.0), c(32.5, 46.0), &[on_ns(60_000.0)]);
    let rules = TrackingRules::default();
    let track = driving(70.0, 120);
    for minute in [0, 1, 5, 30, 60, 90, 120] {
        let upto = &track[..=minute];
        let now = at(minute as i64 * 60 + 30);
        let a = alerts(t0(), upto, &route, &route, &rules, now);
        assert!(a.is_empty(), "minute {minute}: {a:?}");
    }
}

#[test]
fn unsorted_and_broken_points_are_handled() {
    let route = ns_route();
    let rules = TrackingRules::default();
    let (mut track, now, _) = park_on_road(25);
    track.reverse();
    track.push(TrackPoint {
        lat: f64::NAN,
        lon: 46.0,
        at: now,
    });
    track.push(TrackPoint {
        lat: 31.5,
        lon: f64::INFINITY,
        at: now,
    });
    let a = alerts(t0(), &track, &route, &allowed(&route), &rules, now);
    assert_eq!(kinds(&a), vec!["stopped"], "{a:?}");
}

#[test]
fn alerts_serialize_with_their_kind() {
    let a = Alert::OffRoute {
        at: c(31.0, 46.0),
        distance_m: 6000.0,
    };
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["kind"], "off_route");
    assert_eq!(v["distance_m"], 6000.0);
    let p = tp(c(31.0, 46.0), 0);
    let back: TrackPoint = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

// ---- properties ------------------------------------------------------------

fn coords() -> impl Strategy<Value = Coordinates> {
    (-90.0..=90.0f64, -180.0..=180.0f64).prop_map(|(lat, lon)| c(lat, lon))
}

/// Coordinates, mostly near Iraq so that tracks, routes and stops interact.
fn any_coords() -> impl Strategy<Value = Coordinates> {
    prop_oneof![
        coords(),
        (29.0..37.0f64, 39.0..48.0f64).prop_map(|(lat, lon)| c(lat, lon)),
        (31.0..31.01f64, 46.0..46.01f64).prop_map(|(lat, lon)| c(lat, lon)),
    ]
}

fn track_points() -> impl Strategy<Value = Vec<TrackPoint>> {
    prop::collection::vec(
        (any_coords(), -86_400i64..86_400).prop_map(|(p, s)| tp(p, s)),
        0..30,
    )
}

fn rules() -> impl Strategy<Value = TrackingRules> {
    prop_oneof![
        Just(TrackingRules::default()),
        (
            -100i64..10_000,
            -100i64..10_000,
            -10.0..100_000.0f64,
            -10.0..1_000_000.0f64,
            -10.0..100_000.0f64,
        )
            .prop_map(|(s, m, r, o, a)| TrackingRules {
                silent_after_secs: s,
                max_stop_secs: m,
                stop_radius_m: r,
                max_off_route_m: o,
                allowed_stop_radius_m: a,
            }),
    ]
}

proptest! {
    #[test]
    fn alerts_never_panic(
        departed in -86_400i64..86_400,
        track in track_points(),
        route in prop::collection::vec(any_coords(), 0..8),
        stops in prop::collection::vec(any_coords(), 0..4),
        rules in rules(),
        now in -86_400i64..172_800,
        window in -100i64..10_000,
    ) {
        let a = alerts(at(departed), &track, &route, &stops, &rules, at(now));
        prop_assert!(a.len() <= 3);
        for alert in &a {
            prop_assert!(!alert.describe().is_empty());
            prop_assert!(serde_json::to_string(alert).is_ok());
        }
        if let Some(v) = recent_speed_mps(&track, window) {
            prop_assert!(v.is_finite() && v >= 0.0);
        }
        let _ = eta(&track, &route, window);
        for p in &track {
            let r = remaining_route_m(p.coordinates(), &route);
            prop_assert!(r.is_finite() && r >= 0.0);
        }
    }

    #[test]
    fn route_distance_is_at_most_the_nearest_vertex(
        p in any_coords(),
        route in prop::collection::vec(any_coords(), 1..8),
    ) {
        let d = distance_to_route_m(p, &route);
        prop_assert!(d.is_finite() && d >= 0.0);
        for v in &route {
            prop_assert!(d <= distance_m(p, *v), "{} > {}", d, distance_m(p, *v));
        }
    }

    #[test]
    fn distance_is_symmetric_and_bounded(a in coords(), b in coords()) {
        let d = distance_m(a, b);
        prop_assert!((0.0..=std::f64::consts::PI * EARTH_RADIUS_M + 1e-6).contains(&d));
        prop_assert!((d - distance_m(b, a)).abs() < 1e-6);
    }
}
