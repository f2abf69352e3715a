//! The read-only receipt page, `GET /v1/deliveries/receipt-pages/{token}`, for the
//! dispatcher and the customer. The token (in the receipt's `page_path`) is the only
//! credential: 256 bits from an HMAC of the proof id under a server secret, so it cannot be
//! guessed or derived from the proof id. The page is self-contained: photos and signature
//! are inline, the geofence is an inline SVG (no map tiles, no third-party requests), and the
//! seal is verified again each time the page is rendered.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use companion_wire::deliveries::{
    self, ChainHead, DeliveryOutcome, GeofenceAssessment, GeofenceVerdict, ItemDiscrepancy,
    LocationFix, ProofOfDelivery, Receipt, ReviewFlag, Seal, SignatureOutcome, Stop, TriState,
    VerifyInputs, parse_sha256,
};
use rusqlite::{Connection, OptionalExtension};

use super::keys::token_hash;
use crate::AppState;
use crate::error::ApiError;

/// Fill of the fix's accuracy circle (opaque, so a screenshot test can find it).
pub const ACCURACY_FILL: &str = "#e6007e";

/// Everything the page shows.
struct PageData {
    record: ProofOfDelivery,
    seal: Seal,
    receipt: Receipt,
    stop: Stop,
    photos: Vec<Option<Vec<u8>>>,
    signature_png: Option<Vec<u8>>,
    seal_check: Result<(), String>,
    receipt_check: bool,
}

/// record, seal, receipt, signature PNG, stop id, device key, sequence
type ProofRow = (String, String, String, Option<Vec<u8>>, String, String, i64);

fn load(conn: &Connection, token: &str) -> Result<Option<PageData>, ApiError> {
    let row: Option<ProofRow> = conn
        .query_row(
            "SELECT record_json, seal_json, receipt_json, signature_png, stop_id, device_public_key, sequence
             FROM pod_proofs WHERE page_token_hash = ?1",
            [token_hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    let Some((record, seal, receipt, png, stop_id, device_key, sequence)) = row else {
        return Ok(None);
    };
    let unreadable = |_| ApiError::internal("a stored proof is unreadable");
    let record: ProofOfDelivery = serde_json::from_str(&record).map_err(unreadable)?;
    let seal: Seal = serde_json::from_str(&seal).map_err(unreadable)?;
    let receipt: Receipt = serde_json::from_str(&receipt).map_err(unreadable)?;
    let stop = super::routes::load_stop(conn, &stop_id)?
        .ok_or_else(|| ApiError::internal("the proof's stop is gone"))?
        .stop;
    let mut photos = Vec::new();
    for p in &record.photos {
        photos.push(super::photos::load(conn, &p.sha256)?);
    }
    // The link as accepted: the device's previous accepted seal (none for the first).
    let prev: Option<String> = conn
        .query_row(
            "SELECT seal_sha256 FROM pod_proofs WHERE device_public_key = ?1 AND sequence = ?2",
            rusqlite::params![device_key, sequence - 1],
            |r| r.get(0),
        )
        .optional()?;
    let head = match (sequence, prev.as_deref().and_then(parse_sha256)) {
        (1, _) => None,
        (_, Some(h)) => Some(ChainHead {
            sequence: (sequence - 1) as u64,
            seal_sha256: h,
        }),
        // The predecessor is not on this server: the chain cannot be shown intact.
        (_, None) => Some(ChainHead {
            sequence: (sequence - 1) as u64,
            seal_sha256: [0xff; 32],
        }),
    };
    let seal_check = deliveries::verify_proof(
        &record,
        &seal,
        &VerifyInputs {
            session_public_key: &device_key,
            chain_head: head,
            photos: photos.iter().map(|p| p.as_deref()).collect(),
            signature_png: png.as_deref(),
        },
    )
    .map_err(|e| e.to_string());
    let receipt_check = deliveries::verify_receipt(&receipt, &receipt.server_public_key);
    Ok(Some(PageData {
        record,
        seal,
        receipt,
        stop,
        photos,
        signature_png: png,
        seal_check,
        receipt_check,
    }))
}

/// `GET /v1/deliveries/receipt-pages/{token}`
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::invalid(
            "token",
            "must be 43 base64url characters",
        ));
    }
    let data = state
        .db
        .call(move |conn| load(conn, &token))
        .await?
        .ok_or_else(|| ApiError::not_found("no such receipt"))?;
    let html = render(&data);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
            ),
            // The URL is the credential: never leak it to another site or a cache.
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        html,
    )
        .into_response())
}

/// HTML-escapes text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let tod = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        super::seed::utc_date(secs),
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    )
}

/// The snake_case JSON name of an enum value.
fn json_name(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn tri(t: TriState) -> &'static str {
    match t {
        TriState::Unknown => "unknown",
        TriState::No => "no",
        TriState::Yes => "YES",
    }
}

fn flag_text(f: ReviewFlag) -> &'static str {
    match f {
        ReviewFlag::MockLocation => "Mock location reported",
        ReviewFlag::StaleFix => "Stale location fix",
        ReviewFlag::LocationUnknown => "Location unknown",
        ReviewFlag::OutsideStrictRadius => "Outside the strict radius",
        ReviewFlag::OutsideWarnRadius => "Outside the warn radius",
        ReviewFlag::GeofenceOverride => "Geofence overridden by the driver",
        ReviewFlag::PinMismatch => "PIN does not match",
        ReviewFlag::ItemDiscrepancy => "Items do not match the manifest",
    }
}

/// The geofence as an SVG: the stop at the centre, the strict and warn radii, and the fix
/// with its accuracy circle, on a local east/north plane in metres.
fn geofence_svg(stop: &Stop, fix: Option<&LocationFix>, geo: &GeofenceAssessment) -> String {
    const SIZE: f64 = 360.0;
    const HALF: f64 = SIZE / 2.0;
    let strict = f64::from(stop.policy.strict_radius_m);
    let warn = f64::from(stop.policy.warn_radius_m.max(stop.policy.strict_radius_m));
    let (dist, az, acc) = (
        geo.distance_m.unwrap_or(0.0),
        geo.azimuth_deg.unwrap_or(0.0).to_radians(),
        geo.accuracy_m.unwrap_or(0.0),
    );
    let extent = if fix.is_some() {
        warn.max(dist + acc).max(1.0) * 1.1
    } else {
        warn * 1.1
    };
    let px = (HALF - 10.0) / extent;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="geofence"><rect width="{SIZE}" height="{SIZE}" fill="#ffffff"/>"##
    );
    if let Some(_fix) = fix {
        let x = HALF + dist * az.sin() * px;
        let y = HALF - dist * az.cos() * px;
        // At least 3 px so a precise fix stays visible next to a 500 m radius.
        let r = (acc * px).max(3.0);
        let _ = write!(
            svg,
            r##"<circle id="accuracy" cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{ACCURACY_FILL}"/>"##
        );
    }
    let _ = write!(
        svg,
        r##"<circle cx="{HALF}" cy="{HALF}" r="{:.1}" fill="none" stroke="#f0a000" stroke-width="2" stroke-dasharray="6 4"/><circle cx="{HALF}" cy="{HALF}" r="{:.1}" fill="none" stroke="#2e7d32" stroke-width="2"/><rect x="{}" y="{}" width="8" height="8" fill="#000000"/>"##,
        warn * px,
        strict * px,
        HALF - 4.0,
        HALF - 4.0
    );
    if fix.is_some() {
        let x = HALF + dist * az.sin() * px;
        let y = HALF - dist * az.cos() * px;
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="#ffffff" stroke="#000000" stroke-width="1"/>"##
        );
    } else {
        let _ = write!(
            svg,
            r##"<text x="{HALF}" y="24" text-anchor="middle" font-family="sans-serif" font-size="14">no location fix</text>"##
        );
    }
    let _ = write!(
        svg,
        r##"<text x="8" y="{}" font-family="sans-serif" font-size="11" fill="#333333">N ↑  strict {strict:.0} m, warn {warn:.0} m</text></svg>"##,
        SIZE - 8.0
    );
    svg
}

fn outcome_html(o: &DeliveryOutcome) -> String {
    match o {
        DeliveryOutcome::Delivered => "Delivered".into(),
        DeliveryOutcome::Partial { lines } => {
            let mut s = String::from("Partially delivered:<ul>");
            for l in lines {
                let _ = write!(s, "<li>line {}: {}</li>", esc(&l.line_id), l.delivered);
            }
            s + "</ul>"
        }
        DeliveryOutcome::Refused { reason } => format!("Refused: {}", esc(reason)),
        DeliveryOutcome::NotDelivered { reason } => format!("Not delivered: {}", esc(reason)),
    }
}

fn discrepancy_html(d: &ItemDiscrepancy) -> String {
    match d {
        ItemDiscrepancy::Short {
            gtin,
            expected,
            scanned,
            ..
        } => format!(
            "Short: {} expected {expected}, scanned {scanned}",
            esc(gtin)
        ),
        ItemDiscrepancy::Over {
            gtin,
            expected,
            scanned,
            ..
        } => format!("Over: {} expected {expected}, scanned {scanned}", esc(gtin)),
        ItemDiscrepancy::WrongLot {
            gtin,
            expected_lot,
            scanned_lot,
            ..
        } => format!(
            "Wrong lot: {} expected {}, scanned {}",
            esc(gtin),
            esc(expected_lot),
            esc(scanned_lot.as_deref().unwrap_or("none"))
        ),
        ItemDiscrepancy::NotOnManifest { gtin, quantity, .. } => {
            format!("Not on the manifest: {} × {quantity}", esc(gtin))
        }
        ItemDiscrepancy::ManualEntry { gtin, reason, .. } => {
            format!("Typed in: {} ({})", esc(gtin), esc(reason))
        }
    }
}

fn seal_html(d: &PageData) -> String {
    let mut h = String::new();
    h.push_str("<h2>Seal</h2><div id=\"seal\">");
    match &d.seal_check {
        Ok(()) => {
            let _ = write!(
                h,
                "<span class=\"ok\">Seal verified</span>: device signature valid, {} photo(s) and the signature image match their sealed hashes, link {} of the device's chain intact.",
                d.record.photos.len(),
                d.seal.sequence
            );
        }
        Err(e) => {
            let _ = write!(
                h,
                "<span class=\"bad\">Seal NOT verified</span>: {}",
                esc(e)
            );
        }
    }
    let _ = write!(
        h,
        "<div>Seal SHA-256 <code>{}</code></div><div>Server countersignature: {}</div></div>",
        esc(&d.seal.seal_sha256),
        if d.receipt_check {
            "<span class=\"ok\">valid</span>"
        } else {
            "<span class=\"bad\">INVALID</span>"
        }
    );
    h
}

fn render(d: &PageData) -> String {
    let r = &d.record;
    let geo = deliveries::assess(d.stop.address.point, &d.stop.policy, r.fix.as_ref());
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut h = String::with_capacity(4096);
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Proof of delivery — {customer}</title><style>
body{{font-family:sans-serif;margin:16px;color:#111;background:#fff}}
h1{{font-size:20px;margin:0 0 4px}} h2{{font-size:16px;margin:18px 0 6px}}
.flag{{display:inline-block;background:#b00020;color:#fff;padding:2px 8px;border-radius:10px;margin:2px;font-size:13px}}
.ok{{color:#1b5e20;font-weight:bold}} .bad{{color:#b00020;font-weight:bold}}
.photos img{{max-width:240px;max-height:240px;margin:4px;border:1px solid #ccc}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ddd;padding:3px 6px;font-size:13px;text-align:left}}
.row{{display:flex;flex-wrap:wrap;gap:16px}}
</style></head><body>"#,
        customer = esc(&d.stop.customer.name)
    );
    let _ = write!(
        h,
        "<h1>Proof of delivery — {}</h1><div>{}</div><div>Stop {} · route {} · proof {}</div>",
        esc(&d.stop.customer.name),
        esc(&d.stop.address.lines.join(", ")),
        esc(&r.stop_id),
        esc(&r.route_id),
        esc(&r.id)
    );
    let _ = write!(
        h,
        "<h2>Outcome</h2><div id=\"outcome\">{}</div>",
        outcome_html(&r.outcome)
    );
    let _ = write!(
        h,
        "<div>Recipient: <span id=\"recipient\">{}</span></div><div>Captured {} (device clock) · received {} (server)</div>",
        esc(r.recipient_name.as_deref().unwrap_or("—")),
        utc(r.captured_at_ms),
        utc(d.receipt.received_at_ms)
    );
    h.push_str("<h2>Review</h2><div id=\"flags\">");
    if d.receipt.flags.is_empty() {
        h.push_str("<span class=\"ok\">No flags</span>");
    }
    for f in &d.receipt.flags {
        let _ = write!(
            h,
            "<span class=\"flag\" data-flag=\"{}\">{}</span>",
            f.as_str(),
            flag_text(*f)
        );
    }
    if let Some(o) = &r.geofence_override {
        let _ = write!(h, "<div>Override reason: {}</div>", esc(&o.reason));
    }
    h.push_str("</div>");
    h.push_str(&seal_html(d));

    let _ = write!(
        h,
        "<h2>Location</h2><div class=\"row\"><div>{}</div><div><div>Verdict: <b id=\"verdict\">{}</b></div>",
        geofence_svg(&d.stop, r.fix.as_ref(), &geo),
        geo.verdict.as_str()
    );
    let _ = write!(
        h,
        "<div>Stop point: {:.6}, {:.6}</div>",
        d.stop.address.point.lat(),
        d.stop.address.point.lon()
    );
    match &r.fix {
        None => h.push_str("<div>No location fix was captured.</div>"),
        Some(f) => {
            let _ = write!(
                h,
                "<div>Fix: {:.6}, {:.6} ± {:.0} m</div><div>Distance: {:.0} m</div><div>Fix time {} · age {:.1} s</div><div>Provider {} · {} permission</div><div>Mock: {} · simulated: {} · accessory: {}</div>",
                f.point.lat(),
                f.point.lon(),
                f.accuracy_m(),
                geo.distance_m.unwrap_or(0.0),
                utc(f.fix_time_ms),
                f.age_ms as f64 / 1000.0,
                json_name(&f.provider),
                json_name(&f.authorization),
                tri(f.mock),
                tri(f.simulated_by_software),
                tri(f.from_accessory)
            );
        }
    }
    if geo.verdict == GeofenceVerdict::Unknown
        && let Some(reason) = geo.unknown_reason
    {
        let _ = write!(h, "<div>Unknown because: {}</div>", json_name(&reason));
    }
    h.push_str("</div></div>");

    h.push_str("<h2>Items</h2><table><tr><th>GTIN</th><th>Lot</th><th>Qty</th><th>Entry</th></tr>");
    for s in &r.scanned_items {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.gtin),
            esc(s.lot.as_deref().unwrap_or("")),
            s.quantity,
            s.manual_reason
                .as_deref()
                .map_or("scanned".to_string(), |m| format!("typed in: {}", esc(m)))
        );
    }
    h.push_str("</table><ul>");
    if r.outcome.handed_over() && !r.scanned_items.is_empty() {
        for disc in deliveries::reconcile(
            &super::proofs::expected_for(&d.stop, &r.outcome),
            &r.scanned_items,
        ) {
            let _ = write!(h, "<li>{}</li>", discrepancy_html(&disc));
        }
    }
    h.push_str("</ul>");

    let _ = write!(
        h,
        "<h2>Photos ({})</h2><div class=\"photos\">",
        r.photos.len()
    );
    for (p, bytes) in r.photos.iter().zip(&d.photos) {
        match bytes {
            Some(b) => {
                let _ = write!(
                    h,
                    "<img alt=\"photo {}\" src=\"data:image/jpeg;base64,{}\">",
                    &p.sha256[..12],
                    b64.encode(b)
                );
            }
            None => {
                let _ = write!(h, "<div>photo {} missing</div>", &p.sha256[..12]);
            }
        }
    }
    h.push_str("</div><h2>Signature</h2><div id=\"signature\">");
    match (&r.signature, &d.signature_png) {
        (Some(SignatureOutcome::Signed { .. }), Some(png)) => {
            let _ = write!(
                h,
                "<img alt=\"signature\" style=\"border:1px solid #ccc;max-width:360px\" src=\"data:image/png;base64,{}\">",
                b64.encode(png)
            );
        }
        (Some(SignatureOutcome::RefusedToSign { note }), _) => {
            let _ = write!(
                h,
                "Refused to sign{}",
                note.as_deref()
                    .map_or(String::new(), |n| format!(": {}", esc(n)))
            );
        }
        (Some(SignatureOutcome::UnableToSign { reason }), _) => {
            let _ = write!(h, "Unable to sign: {}", esc(reason));
        }
        _ => h.push_str("No signature"),
    }
    h.push_str("</div></body></html>");
    h
}
