//! Tracking a movement in transit: the positions escorts and the surveillance
//! feed report, measured against the planned route.
//!
//! Everything here is pure. Positions arrive as [`TrackPoint`]s, the current
//! time as a [`Timestamp`] argument; nothing reads a clock or a device.
//!
//! From a track and a planned route this module derives:
//! - distances on the earth ([`distance_m`], haversine on a sphere of radius
//!   [`EARTH_RADIUS_M`]);
//! - how far a position is from the route ([`distance_to_route_m`]) and how
//!   much of the route is left ([`remaining_route_m`]);
//! - the recent speed ([`recent_speed_mps`]) and an estimated arrival
//!   ([`eta`]);
//! - the [`Alert`]s a watch officer should see ([`alerts`]): no report for too
//!   long, a stop away from any allowed stop place, a position off the route.
//!
//! # Geometry
//!
//! Distances between two points are great-circle (haversine) distances.
//! Distances from a point to a route segment use a local equirectangular
//! projection centred on the point: `x = Δlon · cos(lat₀) · R`,
//! `y = Δlat · R` (longitude differences wrapped into ±180°). The closest
//! point of the segment is found in that plane, mapped back to latitude and
//! longitude, and its distance measured with haversine again. The projection
//! is accurate enough for segments up to a few hundred kilometres away from
//! the point, which is what convoy and flight legs look like; farther away
//! (or near the poles) the closest point found is only approximate, but the
//! distance returned is never more than the distance to the nearest route
//! vertex.
//!
//! Points with a non-finite latitude or longitude (a broken feed) are ignored
//! everywhere: in tracks, routes and allowed stop places.

use crate::custodian::Coordinates;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Mean earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Below this speed (m/s, about 0.36 km/h) a vehicle is treated as not
/// moving and no arrival time is estimated.
const MIN_ETA_SPEED_MPS: f64 = 0.1;

/// One reported position of a movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    /// Latitude in degrees, north positive.
    pub lat: f64,
    /// Longitude in degrees, east positive.
    pub lon: f64,
    /// When the position was observed.
    pub at: Timestamp,
}

impl TrackPoint {
    /// The position, without the time.
    pub fn coordinates(&self) -> Coordinates {
        Coordinates {
            lat: self.lat,
            lon: self.lon,
        }
    }

    fn is_finite(&self) -> bool {
        self.lat.is_finite() && self.lon.is_finite()
    }
}

/// Thresholds for [`alerts`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackingRules {
    /// A movement with no report for longer than this is [`Alert::Silent`].
    pub silent_after_secs: i64,
    /// A movement stationary for longer than this is [`Alert::Stopped`].
    pub max_stop_secs: i64,
    /// Positions within this distance of each other count as stationary.
    pub stop_radius_m: f64,
    /// A position farther than this from the route is [`Alert::OffRoute`].
    pub max_off_route_m: f64,
    /// A stop within this distance of an allowed stop place raises nothing.
    pub allowed_stop_radius_m: f64,
}

impl Default for TrackingRules {
    /// 30 min silent, 20 min stopped, 150 m stop radius, 5 km off route,
    /// 1.5 km around allowed stop places.
    fn default() -> Self {
        TrackingRules {
            silent_after_secs: 30 * 60,
            max_stop_secs: 20 * 60,
            stop_radius_m: 150.0,
            max_off_route_m: 5_000.0,
            allowed_stop_radius_m: 1_500.0,
        }
    }
}

fn finite(c: Coordinates) -> bool {
    c.lat.is_finite() && c.lon.is_finite()
}

/// Great-circle distance in metres between two points (haversine, sphere of
/// radius [`EARTH_RADIUS_M`]).
pub fn distance_m(a: Coordinates, b: Coordinates) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // Rounding can push `h` a hair outside [0, 1].
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// The planned route of a movement: origin, then the waypoints in order, then
/// the destination. Without waypoints it is the straight leg from origin to
/// destination.
pub fn planned_route(
    origin: Coordinates,
    destination: Coordinates,
    waypoints: &[Coordinates],
) -> Vec<Coordinates> {
    let mut route = Vec::with_capacity(waypoints.len() + 2);
    route.push(origin);
    route.extend_from_slice(waypoints);
    route.push(destination);
    route
}

/// Longitude difference `to - from` wrapped into [-180, 180).
fn wrap_dlon(from: f64, to: f64) -> f64 {
    (to - from + 180.0).rem_euclid(360.0) - 180.0
}

/// Closest point to `p` on segment `a`–`b`, found in the local equirectangular
/// projection around `p`, and its haversine distance from `p`.
fn closest_on_segment(p: Coordinates, a: Coordinates, b: Coordinates) -> (Coordinates, f64) {
    let k = p.lat.to_radians().cos();
    // Plane coordinates in degrees of latitude (the common factor R·π/180
    // does not change the parameter of the closest point).
    let (ay, ax_lon) = (a.lat - p.lat, wrap_dlon(p.lon, a.lon));
    let (by, bx_lon) = (b.lat - p.lat, wrap_dlon(p.lon, b.lon));
    let (ax, bx) = (ax_lon * k, bx_lon * k);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 && len2.is_finite() {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let t = if t.is_finite() { t } else { 0.0 };
    // The projection is affine in (lat, lon), so interpolating there is the
    // same as mapping the projected closest point back, with no division by
    // cos(lat₀).
    let c = Coordinates {
        lat: a.lat + t * (b.lat - a.lat),
        lon: p.lon + ax_lon + t * (bx_lon - ax_lon),
    };
    (c, distance_m(p, c))
}

/// The finite vertices of a route.
fn clean_route(route: &[Coordinates]) -> Vec<Coordinates> {
    route.iter().copied().filter(|c| finite(*c)).collect()
}

/// Index of the segment (or, for a one-point route, the point) closest to
/// `p`, the closest point on it and its distance. `None` for an empty route.
fn closest_on_route(p: Coordinates, route: &[Coordinates]) -> Option<(usize, Coordinates, f64)> {
    match route {
        [] => None,
        [only] => Some((0, *only, distance_m(p, *only))),
        _ => {
            let mut best: Option<(usize, Coordinates, f64)> = None;
            for (i, w) in route.windows(2).enumerate() {
                let (c, d) = closest_on_segment(p, w[0], w[1]);
                if best.is_none_or(|(_, _, bd)| d < bd) {
                    best = Some((i, c, d));
                }
            }
            best
        }
    }
}

/// Shortest distance in metres from `p` to the route, taken as a polyline of
/// great-circle-ish segments (see the module notes on the projection).
///
/// A one-point route is that point; degenerate (zero-length) segments are
/// their point. The result is never more than the distance to any route
/// vertex. An empty route (or one with no finite vertex) is infinitely far:
/// `f64::INFINITY`.
pub fn distance_to_route_m(p: Coordinates, route: &[Coordinates]) -> f64 {
    let route = clean_route(route);
    let along = closest_on_route(p, &route).map_or(f64::INFINITY, |(_, _, d)| d);
    route
        .iter()
        .map(|v| distance_m(p, *v))
        .fold(along, f64::min)
}

/// Distance in metres still to travel: from the point of the route closest to
/// `p`, along the route, to its last vertex. Zero for an empty or one-point
/// route.
pub fn remaining_route_m(p: Coordinates, route: &[Coordinates]) -> f64 {
    let route = clean_route(route);
    if route.len() < 2 {
        return 0.0;
    }
    let Some((i, c, _)) = closest_on_route(p, &route) else {
        return 0.0;
    };
    let rest: f64 = route[i + 1..]
        .windows(2)
        .map(|w| distance_m(w[0], w[1]))
        .sum();
    distance_m(c, route[i + 1]) + rest
}

/// The finite points of a track, sorted by time (stable: equal times keep
/// their order).
fn clean_track(track: &[TrackPoint]) -> Vec<TrackPoint> {
    let mut pts: Vec<TrackPoint> = track.iter().filter(|p| p.is_finite()).cloned().collect();
    pts.sort_by_key(|p| p.at);
    pts
}

fn secs_between(earlier: Timestamp, later: Timestamp) -> i64 {
    later.duration_since(earlier).as_secs()
}

/// Average speed in m/s over the last `window_secs` of the track: distance
/// covered along the reported points, divided by the time they span, ending
/// at the latest point.
///
/// When the window holds a single distinct time (the reports are sparser than
/// the window), the point before it is used too, so the speed is measured
/// over the last gap. `None` with fewer than two finite points or when they
/// span no time. The track is expected sorted by time; it is sorted anyway.
pub fn recent_speed_mps(track: &[TrackPoint], window_secs: i64) -> Option<f64> {
    let pts = clean_track(track);
    speed_of_sorted(&pts, window_secs)
}

fn speed_of_sorted(pts: &[TrackPoint], window_secs: i64) -> Option<f64> {
    if pts.len() < 2 {
        return None;
    }
    let last = pts.last()?.at;
    let start_at = last
        .checked_sub(SignedDuration::from_secs(window_secs.max(0)))
        .unwrap_or(Timestamp::MIN);
    let mut start = pts.iter().position(|p| p.at >= start_at).unwrap_or(0);
    if pts[start].at == last {
        // Only the latest time is in the window: reach back to the last
        // earlier report.
        start = pts.iter().rposition(|p| p.at < last)?;
    }
    let span = last.duration_since(pts[start].at).as_secs_f64();
    if span <= 0.0 {
        return None;
    }
    let covered: f64 = pts[start..]
        .windows(2)
        .map(|w| distance_m(w[0].coordinates(), w[1].coordinates()))
        .sum();
    Some(covered / span)
}

/// Estimated time of arrival: the latest report's time plus the remaining
/// route from its position divided by [`recent_speed_mps`] over
/// `window_secs`.
///
/// `None` when the speed is unknown or below about 0.36 km/h, when the route
/// has no finite vertex, or when the estimate falls outside the range of a
/// timestamp.
pub fn eta(track: &[TrackPoint], route: &[Coordinates], window_secs: i64) -> Option<Timestamp> {
    let pts = clean_track(track);
    let speed = speed_of_sorted(&pts, window_secs)?;
    if !speed.is_finite() || speed < MIN_ETA_SPEED_MPS {
        return None;
    }
    if !route.iter().any(|c| finite(*c)) {
        return None;
    }
    let last = pts.last()?;
    let remaining = remaining_route_m(last.coordinates(), route);
    let secs = remaining / speed;
    let d = SignedDuration::try_from_secs_f64(secs).ok()?;
    last.at.checked_add(d).ok()
}

/// Something about a movement in transit that a watch officer should see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// No report for longer than allowed (counted from departure when there
    /// has been no report at all).
    Silent {
        /// The latest report, if any.
        last_report: Option<Timestamp>,
        /// Seconds since the latest report (or since departure).
        silent_secs: i64,
    },
    /// Stationary for longer than allowed, away from any allowed stop place.
    Stopped {
        /// The latest position.
        at: Coordinates,
        /// The first report of the stationary run.
        since: Timestamp,
        /// How long it has been stationary, in seconds.
        stopped_secs: i64,
    },
    /// The latest position is too far from the planned route.
    OffRoute {
        /// The latest position.
        at: Coordinates,
        /// Its distance from the route, in metres.
        distance_m: f64,
    },
}

/// "47 min" or "2 h 05 min".
fn fmt_duration(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    if mins < 60 {
        format!("{mins} min")
    } else {
        format!("{} h {:02} min", mins / 60, mins % 60)
    }
}

fn fmt_place(c: Coordinates) -> String {
    format!("{:.5}, {:.5}", c.lat, c.lon)
}

impl Alert {
    /// A short, stable name: `"silent"`, `"stopped"` or `"off_route"` (the
    /// same as the serialized `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Alert::Silent { .. } => "silent",
            Alert::Stopped { .. } => "stopped",
            Alert::OffRoute { .. } => "off_route",
        }
    }

    /// A sentence for people, with the figures.
    pub fn describe(&self) -> String {
        match self {
            Alert::Silent {
                last_report: Some(last),
                silent_secs,
            } => format!(
                "no position for {} (last at {last})",
                fmt_duration(*silent_secs)
            ),
            Alert::Silent {
                last_report: None,
                silent_secs,
            } => format!(
                "no position for {} since departure",
                fmt_duration(*silent_secs)
            ),
            Alert::Stopped {
                at,
                since,
                stopped_secs,
            } => format!(
                "stationary for {} at {} (since {since})",
                fmt_duration(*stopped_secs),
                fmt_place(*at)
            ),
            Alert::OffRoute { at, distance_m } => format!(
                "{:.1} km off the planned route at {}",
                distance_m / 1000.0,
                fmt_place(*at)
            ),
        }
    }
}

/// The alerts for a movement in transit at `now`, in the order silent,
/// stopped, off route.
///
/// - [`Alert::Silent`]: the latest report (or `departed_at` when there is
///   none) is more than `silent_after_secs` before `now`.
/// - [`Alert::Stopped`]: the longest trailing run of reports ending at the
///   latest one, all within `stop_radius_m` of the latest position, has at
///   least two reports and has lasted more than `max_stop_secs`, and the
///   latest position is not within `allowed_stop_radius_m` of an allowed stop
///   place (typically origin, destination and checkpoints). The run lasts
///   until `now` (the vehicle is still there as far as we know) unless the
///   movement is silent; then it lasts until the latest report only, and a
///   stop is reported only if it already exceeded the limit before the
///   silence.
/// - [`Alert::OffRoute`]: the latest position is more than `max_off_route_m`
///   from the route. Not checked when the route has no finite vertex.
///
/// The track may be unsorted; points with non-finite coordinates are ignored.
pub fn alerts(
    departed_at: Timestamp,
    track: &[TrackPoint],
    route: &[Coordinates],
    allowed_stops: &[Coordinates],
    rules: &TrackingRules,
    now: Timestamp,
) -> Vec<Alert> {
    let pts = clean_track(track);
    let mut out = Vec::new();

    let last = pts.last();
    let reference = last.map_or(departed_at, |p| p.at);
    let silent_secs = secs_between(reference, now);
    let silent = silent_secs > rules.silent_after_secs;
    if silent {
        out.push(Alert::Silent {
            last_report: last.map(|p| p.at),
            silent_secs,
        });
    }

    let Some(last) = last else {
        return out;
    };
    let here = last.coordinates();

    // Stopped.
    let run_start = pts
        .iter()
        .rev()
        .take_while(|p| distance_m(p.coordinates(), here) <= rules.stop_radius_m)
        .count();
    if run_start >= 2 {
        let first = &pts[pts.len() - run_start];
        let until = if silent { last.at } else { now.max(last.at) };
        let stopped_secs = secs_between(first.at, until);
        let allowed = allowed_stops
            .iter()
            .filter(|c| finite(**c))
            .any(|c| distance_m(*c, here) <= rules.allowed_stop_radius_m);
        if stopped_secs > rules.max_stop_secs && !allowed {
            out.push(Alert::Stopped {
                at: here,
                since: first.at,
                stopped_secs,
            });
        }
    }

    // Off route.
    let off = distance_to_route_m(here, route);
    if off.is_finite() && off > rules.max_off_route_m {
        out.push(Alert::OffRoute {
            at: here,
            distance_m: off,
        });
    }

    out
}
