//! Hazards written back as GeoJSON (RFC 7946): the one writer of a
//! hazard's geometry and effect, for every output that shows hazards (the
//! public corridors file, a route's GeoJSON).

use crate::{Effect, Hazard, Part};
use corridor_geo::ring_signed_area;
use serde_json::{json, Value};

/// A ring closed (first point = last) and wound as RFC 7946 §3.1.6 asks:
/// counter-clockwise when `exterior`, clockwise for a hole, whatever the
/// winding it was given in.
pub fn oriented_ring(ring: &[(f64, f64)], exterior: bool) -> Vec<[f64; 2]> {
    let mut r: Vec<[f64; 2]> = ring.iter().map(|&(x, y)| [x, y]).collect();
    if r.first() != r.last() {
        if let Some(&f) = r.first() {
            r.push(f);
        }
    }
    if (ring_signed_area(ring) > 0.0) != exterior {
        r.reverse();
    }
    r
}

/// One part's GeoJSON geometry.
pub fn part_geometry(part: &Part) -> Value {
    match part {
        Part::Polygon(rings) => json!({"type": "Polygon", "coordinates":
            rings.iter().enumerate().map(|(i, r)| oriented_ring(r, i == 0)).collect::<Vec<_>>()}),
        Part::Line(l) => json!({"type": "LineString",
            "coordinates": l.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>()}),
        Part::Point((x, y)) => json!({"type": "Point", "coordinates": [x, y]}),
    }
}

/// The hazard's geometry: its one part's, or a GeometryCollection of them.
pub fn geometry(h: &Hazard) -> Value {
    let mut geoms: Vec<Value> = h.parts.iter().map(part_geometry).collect();
    if geoms.len() == 1 {
        geoms.remove(0)
    } else {
        json!({"type": "GeometryCollection", "geometries": geoms})
    }
}

/// The effect as hazard files write it: `"block"`, or `{"slow": F}`.
pub fn effect(e: Effect) -> Value {
    match e {
        Effect::Block => json!("block"),
        Effect::Slow(f) => json!({"slow": f}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_closed_and_wound_as_rfc_7946_asks() {
        let cw = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)];
        let out = oriented_ring(&cw, true);
        assert_eq!(out.first(), out.last());
        let pts: Vec<(f64, f64)> = out.iter().map(|p| (p[0], p[1])).collect();
        assert!(ring_signed_area(&pts) > 0.0, "exterior counter-clockwise");
        let hole = oriented_ring(&cw.map(|(x, y)| (y, x)), false);
        let pts: Vec<(f64, f64)> = hole.iter().map(|p| (p[0], p[1])).collect();
        assert!(ring_signed_area(&pts) < 0.0, "hole clockwise");
    }
}
