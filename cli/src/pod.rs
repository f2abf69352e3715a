//! `companion pod ...`: proof of delivery on the simulated phone: the driver's stops, the
//! capture of a stop (fix, photos, signature, recipient, outcome; sealed and queued), the
//! queue's status, the upload, and a receipt checked again with the server.

use std::path::PathBuf;

use companion_core::deliveries::{
    Deliveries, DeliveryCapture, ProofState, SignatureCapture, point_from_degrees,
};
use companion_core::{Companion, Error};
use companion_wire::deliveries::{
    DeliveryOutcome, ItemScan, LineQuantity, LocationAuthorization, LocationFix, LocationProvider,
    SignatureStrokes, TriState,
};

use crate::Cli;
use crate::account::open_device;
use crate::output::{CliError, emit};

#[derive(clap::Subcommand)]
pub enum PodCommand {
    /// Downloads your routes (unless --offline) and lists the stops with their proofs.
    Stops {
        /// List the copy on the phone without asking the server.
        #[arg(long)]
        offline: bool,
    },
    /// Captures a stop's proof (each step saved), then seals and queues it.
    Capture(Box<CaptureArgs>),
    /// The proofs on this phone: drafts, sealed (queued), uploaded, rejected.
    Status {
        /// Only this stop, with every captured detail.
        stop: Option<String>,
    },
    /// Uploads the queued proofs (photos in resumable parts, then the proof).
    Upload,
    /// Fetches a proof's receipt again and checks the server's countersignature.
    Verify { stop: String },
}

#[derive(clap::Args)]
pub struct CaptureArgs {
    /// The stop id (from `companion pod stops`).
    pub stop: String,
    /// Latitude of the fix, degrees.
    #[arg(long, allow_hyphen_values = true, requires_all = ["lon", "accuracy"])]
    pub lat: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Horizontal accuracy of the fix, metres.
    #[arg(long, allow_hyphen_values = true)]
    pub accuracy: Option<f64>,
    /// Age of the fix when captured, seconds (monotonic).
    #[arg(long, default_value_t = 5.0, allow_hyphen_values = true)]
    pub age: f64,
    /// The platform reported a mock location.
    #[arg(long)]
    pub mock: bool,
    /// Approximate permission only.
    #[arg(long)]
    pub approximate: bool,
    /// A camera JPEG (repeat for several).
    #[arg(long = "photo")]
    pub photos: Vec<PathBuf>,
    /// The signature as JSON strokes: {"width", "height", "strokes": [{"points": [{"x", "y", "t_ms"}]}]}.
    #[arg(long, conflicts_with_all = ["refused_to_sign", "unable_to_sign"])]
    pub signature: Option<PathBuf>,
    #[arg(long)]
    pub refused_to_sign: bool,
    /// Why the recipient could not sign.
    #[arg(long)]
    pub unable_to_sign: Option<String>,
    /// The recipient's name.
    #[arg(long)]
    pub recipient: Option<String>,
    /// delivered | partial:LINE=QTY,LINE=QTY | refused:REASON | not_delivered:REASON
    #[arg(long, default_value = "delivered")]
    pub outcome: String,
    /// An item scanned: GTIN[:LOT]:QTY (repeat).
    #[arg(long = "item")]
    pub items: Vec<String>,
    /// Why the item was typed in (applies to every --item).
    #[arg(long)]
    pub manual_reason: Option<String>,
    /// Overrides the geofence verdict, with this reason.
    #[arg(long = "override")]
    pub geofence_override: Option<String>,
    #[arg(long)]
    pub pin: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Keep the capture as a draft (do not seal).
    #[arg(long)]
    pub no_seal: bool,
}

fn bad(field: &str, reason: impl Into<String>) -> CliError {
    CliError::Core(Error::invalid(field, reason))
}

/// The fix the arguments describe, with the checks the platform's numbers need (NaN,
/// negative accuracy) before they become integers.
pub fn fix_from_args(
    lat: f64,
    lon: f64,
    accuracy_m: f64,
    age_s: f64,
    mock: bool,
    approximate: bool,
) -> Result<LocationFix, CliError> {
    let point = point_from_degrees(lat, lon)?;
    if !accuracy_m.is_finite() || accuracy_m <= 0.0 {
        return Err(bad(
            "fix.accuracy_cm",
            format!("accuracy must be positive metres (got {accuracy_m})"),
        ));
    }
    if !age_s.is_finite() || age_s < 0.0 {
        return Err(bad(
            "fix.age_ms",
            format!("age must be 0 or more seconds (got {age_s})"),
        ));
    }
    let age_ms = (age_s * 1000.0).min(u64::MAX as f64 / 2.0) as u64;
    Ok(LocationFix {
        point,
        accuracy_cm: (accuracy_m * 100.0).round().min(f64::from(u32::MAX)) as u32,
        fix_time_ms: companion_core::time::now_millis() - age_ms.min(i64::MAX as u64) as i64,
        age_ms,
        provider: LocationProvider::Gps,
        mock: if mock { TriState::Yes } else { TriState::No },
        simulated_by_software: TriState::Unknown,
        from_accessory: TriState::Unknown,
        authorization: if approximate {
            LocationAuthorization::Approximate
        } else {
            LocationAuthorization::Precise
        },
    })
}

/// `delivered`, `partial:L1=3,L2=0`, `refused:REASON`, `not_delivered:REASON`.
pub fn parse_outcome(s: &str) -> Result<DeliveryOutcome, CliError> {
    let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
    Ok(match kind {
        "delivered" => DeliveryOutcome::Delivered,
        "refused" => DeliveryOutcome::Refused {
            reason: rest.to_string(),
        },
        "not_delivered" => DeliveryOutcome::NotDelivered {
            reason: rest.to_string(),
        },
        "partial" => DeliveryOutcome::Partial {
            lines: rest
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (line, qty) = p
                        .split_once('=')
                        .ok_or_else(|| bad("outcome", "partial lines are LINE=QTY"))?;
                    Ok(LineQuantity {
                        line_id: line.to_string(),
                        delivered: qty
                            .parse()
                            .map_err(|_| bad("outcome", format!("{qty} is not a quantity")))?,
                    })
                })
                .collect::<Result<_, CliError>>()?,
        },
        other => {
            return Err(bad(
                "outcome",
                format!(
                    "{other}: use delivered, partial:..., refused:REASON or not_delivered:REASON"
                ),
            ));
        }
    })
}

fn parse_item(s: &str, manual_reason: &Option<String>) -> Result<ItemScan, CliError> {
    let parts: Vec<&str> = s.split(':').collect();
    let (gtin, lot, qty) = match parts.as_slice() {
        [gtin, qty] => (*gtin, None, *qty),
        [gtin, lot, qty] => (*gtin, Some(lot.to_string()), *qty),
        _ => return Err(bad("item", "items are GTIN[:LOT]:QTY")),
    };
    Ok(ItemScan {
        gtin: gtin.to_string(),
        lot,
        quantity: qty
            .parse()
            .map_err(|_| bad("item.quantity", format!("{qty} is not a quantity")))?,
        manual_reason: manual_reason.clone(),
    })
}

fn state_text(state: &ProofState) -> String {
    match state {
        ProofState::Draft => "draft".into(),
        ProofState::Sealed { sequence, .. } => format!("sealed #{sequence}, queued"),
        ProofState::Uploading { done, total } => format!("uploading {done}/{total}"),
        ProofState::Uploaded { receipt } => format!(
            "uploaded: receipt {} ({}{})",
            receipt.received_at_ms,
            receipt.geofence.as_str(),
            if receipt.flags.is_empty() {
                String::new()
            } else {
                format!(
                    "; flags {}",
                    receipt
                        .flags
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
        ),
        ProofState::Rejected { code, reason } => format!("rejected ({code}): {reason}"),
    }
}

fn capture_text(c: &DeliveryCapture) -> String {
    let mut lines = vec![
        format!(
            "stop {} (route {}), proof {}",
            c.stop_id, c.route_id, c.proof_id
        ),
        format!("state: {}", state_text(&c.state)),
        format!(
            "outcome: {}",
            c.outcome.as_ref().map_or("(none)", |o| o.kind())
        ),
        format!(
            "geofence: {}{}",
            c.geofence.verdict.as_str(),
            c.geofence
                .distance_m
                .map(|d| format!(
                    " ({d:.0} m from the stop, accuracy {:.0} m)",
                    c.geofence.accuracy_m.unwrap_or(0.0)
                ))
                .unwrap_or_default()
        ),
        format!("photos: {}", c.photos.len()),
        format!(
            "signature: {}",
            match &c.signature {
                None => "(none)",
                Some(companion_wire::deliveries::SignatureOutcome::Signed { .. }) => "signed",
                Some(companion_wire::deliveries::SignatureOutcome::RefusedToSign { .. }) =>
                    "refused to sign",
                Some(companion_wire::deliveries::SignatureOutcome::UnableToSign { .. }) =>
                    "unable to sign",
            }
        ),
    ];
    if !c.discrepancies.is_empty() {
        lines.push(format!("item discrepancies: {}", c.discrepancies.len()));
    }
    if !c.missing.is_empty() {
        lines.push(format!("still required: {}", c.missing.join(", ")));
    }
    lines.join("\n")
}

fn deliveries(c: &Companion) -> Result<std::sync::Arc<Deliveries>, CliError> {
    Ok(c.deliveries()?)
}

pub async fn run(cli: &Cli, command: &PodCommand) -> Result<(), CliError> {
    let phone = open_device(&cli.data_dir, &cli.server)?;
    let pod = deliveries(&phone)?;
    let json = cli.json;
    match command {
        PodCommand::Stops { offline } => {
            let routes = if *offline {
                pod.routes().await?
            } else {
                pod.download_routes().await?
            };
            let status = pod.status();
            let rows: Vec<_> = routes
                .iter()
                .flat_map(|r| r.stops.iter().map(move |s| (r, s)))
                .map(|(r, s)| {
                    let proof = status.stops.iter().find(|p| p.stop_id == s.id);
                    serde_json::json!({
                        "route_id": r.id, "service_date": r.service_date, "stop": s,
                        "proof": proof.map(|p| &p.state),
                    })
                })
                .collect();
            emit(json, &serde_json::json!({"stops": rows}), || {
                if rows.is_empty() {
                    return "no stops assigned to you".into();
                }
                routes
                    .iter()
                    .flat_map(|r| r.stops.iter().map(move |s| (r, s)))
                    .map(|(r, s)| {
                        let proof = status
                            .stops
                            .iter()
                            .find(|p| p.stop_id == s.id)
                            .map_or("no proof yet".to_string(), |p| state_text(&p.state));
                        format!(
                            "{} #{} {} {} — {} [{:?}; {}]",
                            r.id,
                            s.sequence,
                            s.id,
                            s.customer.name,
                            s.address.lines.join(", "),
                            s.status,
                            proof
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PodCommand::Capture(args) => {
            let capture = capture(&pod, args).await?;
            emit(json, &capture, || capture_text(&capture));
        }
        PodCommand::Status { stop } => match stop {
            Some(stop) => {
                let c = pod.capture(stop).await?;
                emit(json, &c, || capture_text(&c));
            }
            None => {
                let status = pod.status();
                emit(json, &status, || {
                    if status.stops.is_empty() {
                        return "no proofs on this phone".into();
                    }
                    let mut lines: Vec<String> = status
                        .stops
                        .iter()
                        .map(|s| {
                            format!(
                                "{}: {}{}",
                                s.stop_id,
                                state_text(&s.state),
                                s.last_error
                                    .as_ref()
                                    .map(|e| format!(" (last attempt: {e})"))
                                    .unwrap_or_default()
                            )
                        })
                        .collect();
                    lines.push(format!("{} queued for upload", status.queued));
                    lines.join("\n")
                });
            }
        },
        PodCommand::Upload => {
            let report = pod.upload().await?;
            emit(json, &report, || {
                format!(
                    "uploaded {} proof(s), {} rejected, {} still queued; {} photo part(s) sent, {} photo(s) already on the server",
                    report.uploaded,
                    report.rejected,
                    report.queued,
                    report.photo_parts_sent,
                    report.photos_already_held
                )
            });
        }
        PodCommand::Verify { stop } => {
            let check = pod.verify_receipt(stop).await?;
            let ok = check.countersignature_valid && check.server_key_pinned && check.matches_seal;
            emit(
                json,
                &serde_json::json!({"verified": ok, "check": check}),
                || {
                    format!(
                        "receipt of {}: countersignature {}, server key {}, seal {}; page {}",
                        stop,
                        if check.countersignature_valid {
                            "valid"
                        } else {
                            "INVALID"
                        },
                        if check.server_key_pinned {
                            "pinned"
                        } else {
                            "NOT the pinned one"
                        },
                        if check.matches_seal {
                            "matches"
                        } else {
                            "DIFFERS"
                        },
                        check.receipt.page_path
                    )
                },
            );
            if !ok {
                return Err(CliError::Core(Error::Protocol(
                    "the receipt does not verify".into(),
                )));
            }
        }
    }
    Ok(())
}

/// Every step of `companion pod capture`, each saved as it is made.
pub async fn capture(pod: &Deliveries, args: &CaptureArgs) -> Result<DeliveryCapture, CliError> {
    let stop = args.stop.as_str();
    pod.start_capture(stop).await?;
    let fix = match (args.lat, args.lon, args.accuracy) {
        (Some(lat), Some(lon), Some(acc)) => Some(fix_from_args(
            lat,
            lon,
            acc,
            args.age,
            args.mock,
            args.approximate,
        )?),
        _ => None,
    };
    pod.set_fix(stop, fix).await?;
    for path in &args.photos {
        let bytes =
            std::fs::read(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        pod.add_photo(stop, bytes).await?;
    }
    let signature = if let Some(path) = &args.signature {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        let strokes: SignatureStrokes = serde_json::from_str(&text).map_err(|e| {
            bad(
                "signature",
                format!("{}: not signature strokes: {e}", path.display()),
            )
        })?;
        Some(SignatureCapture::Signed { strokes })
    } else if args.refused_to_sign {
        Some(SignatureCapture::RefusedToSign { note: None })
    } else {
        args.unable_to_sign
            .as_ref()
            .map(|reason| SignatureCapture::UnableToSign {
                reason: reason.clone(),
            })
    };
    if let Some(signature) = signature {
        pod.set_signature(stop, signature).await?;
    }
    pod.set_recipient(stop, args.recipient.clone()).await?;
    pod.set_outcome(stop, parse_outcome(&args.outcome)?).await?;
    for item in &args.items {
        pod.add_item(stop, parse_item(item, &args.manual_reason)?)
            .await?;
    }
    pod.set_geofence_override(stop, args.geofence_override.clone())
        .await?;
    pod.set_pin(stop, args.pin.clone()).await?;
    let captured = pod.set_notes(stop, args.notes.clone()).await?;
    if args.no_seal {
        return Ok(captured);
    }
    Ok(pod.seal(stop, None).await?)
}
