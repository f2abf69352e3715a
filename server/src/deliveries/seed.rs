//! Demo routes for the drivers dave and lena, and the call the ERP side (and tests) use to
//! assign a route.

use companion_wire::deliveries::{
    Address, Customer, ExpectedItem, GeoPoint, ProofPolicy, Stop, StopStatus, TimeWindow,
};
use rusqlite::{Connection, params};

/// Stores `stops` as route `route_id` of `driver_account_id` (replacing nothing: ids are
/// unique). `pin` is each stop's PIN, kept server-side only.
pub fn assign_route(
    conn: &Connection,
    route_id: &str,
    driver_account_id: &str,
    warehouse_id: &str,
    service_date: &str,
    stops: &[(Stop, Option<String>)],
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO delivery_routes(id, driver_account_id, warehouse_id, service_date) VALUES (?1, ?2, ?3, ?4)",
        params![route_id, driver_account_id, warehouse_id, service_date],
    )?;
    for (stop, pin) in stops {
        let json = serde_json::to_string(stop)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        conn.execute(
            "INSERT INTO delivery_stops(id, route_id, sequence, stop_json, pin) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![stop.id, route_id, stop.sequence, json, pin],
        )?;
    }
    Ok(())
}

/// `YYYY-MM-DD` of a unix-seconds instant, UTC (civil-from-days, proleptic Gregorian).
pub fn utc_date(unix_secs: i64) -> String {
    let z = unix_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A stop for demos and tests.
#[allow(clippy::too_many_arguments)]
pub fn demo_stop(
    id: &str,
    sequence: u32,
    customer: (&str, &str),
    lines: &[&str],
    lat: f64,
    lon: f64,
    window: TimeWindow,
    items: Vec<ExpectedItem>,
    policy: ProofPolicy,
) -> Stop {
    Stop {
        id: id.into(),
        sequence,
        customer: Customer {
            id: customer.0.into(),
            name: customer.1.into(),
        },
        address: Address {
            lines: lines.iter().map(|l| l.to_string()).collect(),
            point: GeoPoint::from_degrees(lat, lon).unwrap_or(GeoPoint {
                lat_e7: 0,
                lon_e7: 0,
            }),
        },
        window,
        items,
        policy,
        status: StopStatus::Pending,
    }
}

fn item(line: &str, gtin: &str, lot: Option<&str>, description: &str, q: i64) -> ExpectedItem {
    ExpectedItem {
        line_id: line.into(),
        gtin: gtin.into(),
        lot: lot.map(Into::into),
        description: description.into(),
        quantity: q,
    }
}

/// Today's demo routes: three stops for dave, two for lena, around the North DC.
pub fn demo(conn: &Connection) -> rusqlite::Result<()> {
    let now = crate::db::now();
    let midnight_ms = now.div_euclid(86_400) * 86_400_000;
    let date = utc_date(now);
    let window = |from_h: i64, to_h: i64| TimeWindow {
        start_ms: midnight_ms + from_h * 3_600_000,
        end_ms: midnight_ms + to_h * 3_600_000,
    };
    let pin_policy = ProofPolicy {
        pin_required: true,
        item_scan_required: true,
        ..ProofPolicy::default()
    };
    let two_photos = ProofPolicy {
        photos_required: 2,
        ..ProofPolicy::default()
    };
    let dave = [
        (
            demo_stop(
                "stop-dave-1",
                1,
                ("cust-markt", "Groenteboer De Markt"),
                &["Binnenrotte 120", "3011 HC Rotterdam"],
                51.922_51,
                4.487_93,
                window(6, 9),
                vec![
                    item(
                        "l1",
                        "08712345678906",
                        Some("L2611"),
                        "Vine tomatoes 6 kg",
                        12,
                    ),
                    item("l2", "08712345000011", None, "Cucumbers 12 ct", 6),
                ],
                ProofPolicy::default(),
            ),
            None,
        ),
        (
            demo_stop(
                "stop-dave-2",
                2,
                ("cust-maas", "Restaurant Aan de Maas"),
                &["Maasboulevard 5", "3011 TX Rotterdam"],
                51.918_83,
                4.495_21,
                window(8, 11),
                vec![item(
                    "l1",
                    "08712345111113",
                    Some("L2614"),
                    "Little gem lettuce",
                    4,
                )],
                pin_policy,
            ),
            Some("4711".to_string()),
        ),
        (
            demo_stop(
                "stop-dave-3",
                3,
                ("cust-noord", "Hotel Noord"),
                &["Noordsingel 90", "3035 EM Rotterdam"],
                51.930_72,
                4.475_38,
                window(9, 12),
                vec![item("l1", "08712345222222", None, "Strawberries 250 g", 40)],
                two_photos,
            ),
            None,
        ),
    ];
    let lena = [
        (
            demo_stop(
                "stop-lena-1",
                1,
                ("cust-fresh", "FreshCo Barendrecht"),
                &["Dierensteinweg 30", "2991 XJ Barendrecht"],
                51.853_17,
                4.526_81,
                window(5, 8),
                vec![item(
                    "l1",
                    "08712345333331",
                    Some("L2602"),
                    "Bananas 18 kg",
                    20,
                )],
                ProofPolicy::default(),
            ),
            None,
        ),
        (
            demo_stop(
                "stop-lena-2",
                2,
                ("cust-school", "Basisschool De Linde"),
                &["Lindelaan 2", "2992 AB Barendrecht"],
                51.860_02,
                4.534_47,
                window(7, 10),
                vec![item("l1", "08712345444440", None, "Apples 5 kg", 3)],
                ProofPolicy {
                    signature_required: false,
                    recipient_name_required: false,
                    ..ProofPolicy::default()
                },
            ),
            None,
        ),
    ];
    assign_route(conn, "route-dave-1", "acct-dave", "wh-north", &date, &dave)?;
    assign_route(conn, "route-lena-1", "acct-lena", "wh-north", &date, &lena)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_demo_manifest_gtin_has_a_valid_check_digit() {
        // A label printed with one of these must scan: the phone's GS1 reader refuses a GTIN
        // whose check digit is wrong, so a manifest line with one could only be typed in.
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::db::Db::open(&dir.path().join("s.db"), None, crate::SCHEMA).expect("db");
        crate::seed::demo(&db).await.expect("demo data");
        let gtins: Vec<String> = db.with(|conn| {
            let mut q = conn
                .prepare("SELECT stop_json FROM delivery_stops")
                .expect("query");
            let rows: Vec<String> = q
                .query_map([], |r| r.get(0))
                .expect("rows")
                .map(|r| r.expect("row"))
                .collect();
            rows.iter()
                .flat_map(|json| {
                    let stop: serde_json::Value = serde_json::from_str(json).expect("stop json");
                    stop["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .map(|i| i["gtin"].as_str().expect("gtin").to_string())
                        .collect::<Vec<_>>()
                })
                .collect()
        });
        assert!(gtins.len() >= 6, "{gtins:?}");
        for g in gtins {
            let digits: Vec<u32> = g.chars().map(|c| c.to_digit(10).expect("digit")).collect();
            let (check, body) = digits.split_last().expect("not empty");
            let sum: u32 = body
                .iter()
                .rev()
                .enumerate()
                .map(|(i, d)| if i % 2 == 0 { 3 * d } else { *d })
                .sum();
            assert_eq!((10 - sum % 10) % 10, *check, "{g}");
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(super::utc_date(0), "1970-01-01");
        assert_eq!(super::utc_date(951_782_400), "2000-02-29");
        assert_eq!(super::utc_date(1_796_601_600), "2026-12-07");
    }
}
