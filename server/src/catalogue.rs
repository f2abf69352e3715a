//! A realistic fresh-produce catalogue for a warehouse: items with GTINs (consumer unit
//! GTIN-13 and case GTIN-14), variety, grade, origin and pack size; bins; lots with pack and
//! expiry dates; stock per item × lot × bin; open purchase-order lines. Deterministic for a
//! given size, so benchmarks and tests are repeatable.

use companion_wire::inventory::stock_checksum_add;
use rusqlite::{Connection, params};

use crate::inventory::{reserve_versions, set_scope_checksum};

/// Stock rows per item (2 lots × 10 bins).
const ROWS_PER_ITEM: usize = 20;
/// The GTIN on `fixtures/barcode-real/rssexpanded-3__1.png`, a GS1 DataBar Expanded label
/// of a variable-weight item: `(01)90012345678908(3103)012233(15)991231`.
pub const DEMO_LABEL_GTIN: &str = "90012345678908";
const LOTS_PER_ITEM: usize = 2;

const PRODUCE: &[(&str, &[&str], &str)] = &[
    (
        "Apple",
        &["Gala", "Braeburn", "Granny Smith", "Pink Lady", "Jazz"],
        "kg",
    ),
    ("Pear", &["Conference", "Williams", "Abate Fetel"], "kg"),
    ("Banana", &["Cavendish", "Fairtrade Cavendish"], "kg"),
    ("Avocado", &["Hass", "Fuerte"], "ea"),
    ("Tomato", &["Roma", "Vine", "Cherry", "Beefsteak"], "kg"),
    ("Lettuce", &["Iceberg", "Romaine", "Little Gem"], "ea"),
    ("Strawberry", &["Elsanta", "Sonata"], "punnet"),
    ("Blueberry", &["Duke", "Bluecrop"], "punnet"),
    ("Orange", &["Navel", "Valencia", "Blood"], "kg"),
    ("Lemon", &["Eureka", "Primofiori"], "kg"),
    ("Potato", &["Maris Piper", "King Edward", "Charlotte"], "kg"),
    ("Carrot", &["Nantes", "Chantenay"], "kg"),
    ("Onion", &["Brown", "Red", "Shallot"], "kg"),
    ("Pepper", &["Red", "Yellow", "Green"], "kg"),
    ("Cucumber", &["Mini", "Long English"], "ea"),
    (
        "Grape",
        &["Thompson Seedless", "Crimson", "Autumn Royal"],
        "kg",
    ),
    ("Mango", &["Kent", "Keitt", "Ataulfo"], "ea"),
    ("Kiwifruit", &["Hayward", "SunGold"], "kg"),
];
const GRADES: &[&str] = &["Extra", "Class I", "Class II"];
const ORIGINS: &[&str] = &[
    "ES", "NL", "NZ", "ZA", "CR", "CO", "PE", "MA", "IT", "GB", "CL", "MX",
];
const PACKS: &[&str] = &[
    "10 kg carton",
    "18 kg carton",
    "12 x 500 g punnet",
    "6 kg tray",
    "20 kg sack",
    "24 ct box",
];
const ZONES: &[&str] = &["chill-1", "chill-2", "ambient", "ripening", "dock"];

/// GS1 check digit over the digits of `body` (the GTIN without its last digit).
pub fn gs1_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// (consumer GTIN-13, case GTIN-14) for an item number.
pub fn gtins(warehouse_index: usize, n: usize) -> (String, String) {
    let body13 = format!("20{warehouse_index:01}{n:09}");
    let gtin13 = format!("{body13}{}", gs1_check_digit(&body13));
    let body14 = format!("1{body13}");
    let gtin14 = format!("{body14}{}", gs1_check_digit(&body14));
    (gtin13, gtin14)
}

/// Names used by the seed, so tests can predict them.
pub fn item_id(n: usize) -> String {
    format!("I{n:06}")
}
pub fn lot_id(item: usize, k: usize) -> String {
    format!("L{item:06}-{}", k + 1)
}
pub fn bin_id(prefix: char, n: usize) -> String {
    format!(
        "{prefix}-{:02}-{:02}-{}",
        n / 40 + 1,
        (n / 4) % 10 + 1,
        n % 4 + 1
    )
}

/// Seeds `rows` stock rows (and the items, lots, bins and PO lines they need) into
/// `warehouse_id` unless it already has items. Runs in one transaction.
pub fn seed(conn: &mut Connection, warehouse_id: &str, rows: usize) -> rusqlite::Result<()> {
    let existing: i64 = conn.query_row(
        "SELECT count(*) FROM inv_items WHERE warehouse_id = ?1",
        [warehouse_id],
        |r| r.get(0),
    )?;
    if existing > 0 || rows == 0 {
        return Ok(());
    }
    let prefix = warehouse_id
        .trim_start_matches("wh-")
        .chars()
        .next()
        .unwrap_or('X')
        .to_ascii_uppercase();
    let wh_index = (prefix as usize) % 10;
    let n_items = rows.div_ceil(ROWS_PER_ITEM).max(1);
    let n_bins = (rows / 40).max(12);
    let n_po = (n_items / 5).max(1);
    let total = (n_items + n_bins + n_items * LOTS_PER_ITEM + rows + n_po) as i64;
    let tx = conn.transaction()?;
    let mut version = reserve_versions(&tx, total)?;
    let mut next = || {
        let v = version;
        version += 1;
        v
    };
    {
        let mut bin = tx.prepare(
            "INSERT INTO inv_locations(warehouse_id, location_id, zone, archived, version) VALUES (?1, ?2, ?3, 0, ?4)",
        )?;
        for b in 0..n_bins {
            bin.execute(params![
                warehouse_id,
                bin_id(prefix, b),
                ZONES[b % ZONES.len()],
                next()
            ])?;
        }
        let mut item = tx.prepare(
            "INSERT INTO inv_items(warehouse_id, item_id, sku, name, unit, barcodes, variety, grade, origin, pack_size, archived, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11)",
        )?;
        let mut lot = tx.prepare(
            "INSERT INTO inv_lots(warehouse_id, lot_id, item_id, pack_date, expiry_date, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for i in 0..n_items {
            let (kind, varieties, unit) = PRODUCE[i % PRODUCE.len()];
            let variety = varieties[(i / PRODUCE.len()) % varieties.len()];
            let grade = GRADES[(i / 7) % GRADES.len()];
            let origin = ORIGINS[(i * 5 / 3) % ORIGINS.len()];
            let pack = PACKS[(i / 3) % PACKS.len()];
            let (g13, g14) = gtins(wh_index, i);
            let name = format!("{kind} {variety} {grade} {origin} {pack}");
            let sku = format!(
                "{}-{}-{i:05}",
                &kind[..3].to_uppercase(),
                &variety[..2].to_uppercase()
            );
            // The demo's real produce label (GS1 DataBar Expanded, variable weight) carries
            // a GTIN of its own; the North warehouse's second item stocks it.
            let barcodes = if i == 1 && prefix == 'N' {
                format!("{g13} {g14} {DEMO_LABEL_GTIN}")
            } else {
                format!("{g13} {g14}")
            };
            item.execute(params![
                warehouse_id,
                item_id(i),
                sku,
                name,
                unit,
                barcodes,
                variety,
                grade,
                origin,
                pack,
                next()
            ])?;
            for k in 0..LOTS_PER_ITEM {
                let day = 1 + (i + k * 3) % 27;
                lot.execute(params![
                    warehouse_id,
                    lot_id(i, k),
                    item_id(i),
                    format!("2026-11-{day:02}"),
                    format!("2026-12-{:02}", (day + 3).min(31)),
                    next()
                ])?;
            }
        }
        let mut stock = tx.prepare(
            "INSERT INTO inv_stock(warehouse_id, item_id, lot_id, location_id, qty, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut ledger = tx.prepare(
            "INSERT INTO inv_ledger(movement_id, warehouse_id, item_id, lot_id, location_id, delta, version, origin, origin_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'seed', 0)",
        )?;
        let seed_id = format!("seed:{warehouse_id}");
        let mut sum = 0u64;
        for r in 0..rows {
            let i = r / ROWS_PER_ITEM;
            let j = r % ROWS_PER_ITEM;
            let (item, lot) = (item_id(i), lot_id(i, j % LOTS_PER_ITEM));
            let loc = bin_id(prefix, (i * 7 + j / LOTS_PER_ITEM) % n_bins);
            let qty = 5 + ((r * 37) % 120) as i64;
            let v = next();
            stock.execute(params![warehouse_id, item, lot, loc, qty, v])?;
            ledger.execute(params![seed_id, warehouse_id, item, lot, loc, qty, v])?;
            sum = stock_checksum_add(sum, &item, &lot, &loc, None, qty);
        }
        set_scope_checksum(&tx, warehouse_id, sum)?;
        let mut po = tx.prepare(
            "INSERT INTO inv_po_lines(warehouse_id, po_line_id, po_number, supplier, item_id, qty_ordered, qty_received, open, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 1, ?7)",
        )?;
        const SUPPLIERS: &[&str] = &[
            "Huerta Verde S.L.",
            "Kiwi Orchards Ltd",
            "Cape Fruit Co",
            "Finca La Palma",
        ];
        for p in 0..n_po {
            po.execute(params![
                warehouse_id,
                format!("PO{:05}-{}", p / 4 + 1, p % 4 + 1),
                format!("PO{:05}", p / 4 + 1),
                SUPPLIERS[p % SUPPLIERS.len()],
                item_id(p * 5 % n_items),
                40 + (p % 5) as i64 * 20,
                next()
            ])?;
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_have_valid_check_digits() {
        assert_eq!(gs1_check_digit("400638133393"), 1); // 4006381333931, a well-known EAN
        let (g13, g14) = gtins(3, 42);
        assert_eq!(g13.len(), 13);
        assert_eq!(g14.len(), 14);
        assert_eq!(
            gs1_check_digit(&g14[..13]),
            g14[13..].parse::<u32>().unwrap()
        );
    }
}
