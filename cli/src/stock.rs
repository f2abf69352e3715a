//! `companion stock ...` and `companion sync`: the offline inventory of the simulated
//! phone. Every command works offline except `sync`; `--json` prints one JSON document per
//! result (JSON lines for `sync` progress).

use std::io::IsTerminal;

use companion_core::inventory::{
    AdjustReason, ItemStock, Movement, MovementKind, MovementState, NewMovement, StockLine,
    SyncReport, SyncStatus,
};
use companion_core::{Companion, CompanionEvent, Error, SessionState};

use crate::Cli;
use crate::account::open_device;
use crate::output::{CliError, emit};

#[derive(clap::Subcommand)]
pub enum StockCommand {
    /// Stock of the item with a barcode or GTIN (what a scan hits).
    Lookup { code: String },
    /// Items whose name, SKU, variety or origin contain every word.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Everything in one bin.
    Bin {
        bin: String,
        #[arg(long)]
        warehouse: Option<String>,
    },
    /// Receive into a bin (ad hoc or against a purchase-order line with --po).
    Receive {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        qty: i64,
        #[arg(long)]
        po: Option<String>,
    },
    /// Move between bins.
    Move {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        to: String,
        #[arg(long)]
        qty: i64,
    },
    /// Adjust up or down (e.g. --qty=-3) with a reason: damage, spoilage, shrink, found.
    Adjust {
        #[command(flatten)]
        at: At,
        #[arg(long, allow_hyphen_values = true)]
        qty: i64,
        #[arg(long)]
        reason: String,
    },
    /// Cycle count: the quantity found in the bin.
    Count {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        qty: i64,
    },
    /// Pick from a bin.
    Pick {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        qty: i64,
    },
    /// Movements not yet confirmed, and rejected ones (with --all also applied ones).
    Pending {
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Sync position and last successful sync per warehouse.
    Scopes,
}

/// Where a movement happens.
#[derive(clap::Args)]
pub struct At {
    /// Item id, SKU or barcode.
    #[arg(long)]
    item: String,
    #[arg(long)]
    lot: String,
    /// The bin (for a move: the source bin).
    #[arg(long, alias = "from")]
    bin: String,
    /// Needed only when the item is stocked in several of your warehouses.
    #[arg(long)]
    warehouse: Option<String>,
}

#[derive(clap::Args)]
pub struct SyncArgs {
    /// Only send the outbox.
    #[arg(long)]
    push_only: bool,
}

fn device(cli: &Cli) -> Result<Companion, CliError> {
    open_device(&cli.data_dir, &cli.server)
}

fn scopes(c: &Companion) -> Result<Vec<String>, CliError> {
    match c.session_state() {
        SessionState::SignedIn { account } => {
            Ok(account.warehouses.into_iter().map(|w| w.id).collect())
        }
        SessionState::SignedOut => Err(Error::NotSignedIn.into()),
    }
}

/// Finds the item by id, SKU or barcode, in the given warehouse or the only one holding it.
fn resolve(c: &Companion, at: &At) -> Result<(String, String), CliError> {
    let mut found: Vec<(String, String)> = Vec::new();
    for wh in scopes(c)? {
        if at.warehouse.as_ref().is_some_and(|w| *w != wh) {
            continue;
        }
        if c.stock_item(&wh, &at.item).is_ok() {
            found.push((wh, at.item.clone()));
        }
    }
    if found.is_empty() {
        let by_sku = c
            .stock_by_sku(&at.item)
            .or_else(|_| c.stock_lookup(&at.item))
            .unwrap_or_default();
        found = by_sku
            .into_iter()
            .filter(|s| {
                at.warehouse
                    .as_ref()
                    .is_none_or(|w| *w == s.item.warehouse_id)
            })
            .map(|s| (s.item.warehouse_id, s.item.item_id))
            .collect();
    }
    match found.len() {
        0 => {
            // Not downloaded yet: trust the user with the only (or given) warehouse; the
            // server judges at sync.
            let all = scopes(c)?;
            match (&at.warehouse, all.as_slice()) {
                (Some(w), _) => Ok((w.clone(), at.item.clone())),
                (None, [only]) => Ok((only.clone(), at.item.clone())),
                _ => Err(
                    Error::invalid("item", format!("no item {} in your warehouses", at.item))
                        .into(),
                ),
            }
        }
        1 => Ok(found.remove(0)),
        _ => Err(Error::invalid(
            "warehouse",
            format!(
                "item {} is in several warehouses; pass --warehouse",
                at.item
            ),
        )
        .into()),
    }
}

fn line_text(l: &StockLine) -> String {
    let pending = if l.pending_delta != 0 {
        format!("  ({:+} pending)", l.pending_delta)
    } else {
        String::new()
    };
    format!(
        "  {:<12} lot {:<12} exp {:<10} qty {:>6}{pending}",
        l.location_id, l.lot_id, l.expiry_date, l.qty
    )
}

fn stock_text(stocks: &[ItemStock]) -> String {
    let mut out = String::new();
    for s in stocks {
        let i = &s.item;
        out.push_str(&format!(
            "{} {} [{}] {} — {} {} {} {} — total {} {}{}\n",
            i.warehouse_id,
            i.item_id,
            i.sku,
            i.name,
            i.variety,
            i.grade,
            i.origin,
            i.pack_size,
            s.total_qty,
            i.unit,
            if i.archived { " (archived)" } else { "" }
        ));
        for l in &s.lines {
            out.push_str(&line_text(l));
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

fn movement_text(m: &Movement) -> String {
    let state = match m.state {
        MovementState::Pending => "pending".to_string(),
        MovementState::Applied => format!("applied @{}", m.server_version.unwrap_or_default()),
        MovementState::Rejected => format!(
            "REJECTED {}: {}",
            m.reject_code.as_deref().unwrap_or(""),
            m.reject_reason.as_deref().unwrap_or("")
        ),
    };
    let to = m
        .to_location_id
        .as_deref()
        .map(|t| format!(" -> {t}"))
        .unwrap_or_default();
    format!(
        "#{:<5} {:<7} {} {} lot {} bin {}{to} qty {}  [{state}]  {}",
        m.seq,
        m.kind.as_str(),
        m.warehouse_id,
        m.item_id,
        m.lot_id,
        m.location_id,
        m.qty,
        m.id
    )
}

pub async fn run(cli: &Cli, command: &StockCommand) -> Result<(), CliError> {
    let c = device(cli)?;
    let json = cli.json;
    let record = |at: &At,
                  kind: MovementKind,
                  qty: i64,
                  to: Option<String>,
                  reason: Option<AdjustReason>,
                  po: Option<String>| {
        let (warehouse_id, item_id) = resolve(&c, at)?;
        let m = c.record_movement(NewMovement {
            warehouse_id,
            kind,
            item_id,
            lot_id: at.lot.clone(),
            location_id: at.bin.clone(),
            to_location_id: to,
            qty,
            reason,
            po_line_id: po,
        })?;
        emit(json, &m, || {
            format!("recorded offline: {}", movement_text(&m))
        });
        Ok::<_, CliError>(())
    };
    match command {
        StockCommand::Lookup { code } => {
            let found = c.stock_lookup(code)?;
            emit(json, &found, || stock_text(&found));
        }
        StockCommand::Search { query, limit } => {
            let items = c.stock_search(&query.join(" "), *limit)?;
            emit(json, &items, || {
                if items.is_empty() {
                    return "no items found".into();
                }
                items
                    .iter()
                    .map(|i| format!("{} {} [{}] {}", i.warehouse_id, i.item_id, i.sku, i.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StockCommand::Bin { bin, warehouse } => {
            let all = scopes(&c)?;
            let wh = match (warehouse, all.as_slice()) {
                (Some(w), _) => w.clone(),
                (None, [only]) => only.clone(),
                _ => {
                    return Err(Error::invalid(
                        "warehouse",
                        "you work in several warehouses; pass --warehouse",
                    )
                    .into());
                }
            };
            let lines = c.stock_in_bin(&wh, bin)?;
            emit(json, &lines, || {
                let mut out = format!("{wh} bin {bin}:");
                for l in &lines {
                    out.push_str(&format!(
                        "\n  {:<8} lot {:<12} qty {:>6}",
                        l.item_id, l.lot_id, l.qty
                    ));
                }
                out
            });
        }
        StockCommand::Receive { at, qty, po } => {
            record(at, MovementKind::Receive, *qty, None, None, po.clone())?
        }
        StockCommand::Move { at, to, qty } => {
            record(at, MovementKind::Move, *qty, Some(to.clone()), None, None)?
        }
        StockCommand::Adjust { at, qty, reason } => {
            let reason = AdjustReason::parse(reason).ok_or_else(|| {
                Error::invalid("reason", "one of damage, spoilage, shrink, found")
            })?;
            record(at, MovementKind::Adjust, *qty, None, Some(reason), None)?
        }
        StockCommand::Count { at, qty } => record(at, MovementKind::Count, *qty, None, None, None)?,
        StockCommand::Pick { at, qty } => record(at, MovementKind::Pick, *qty, None, None, None)?,
        StockCommand::Pending { all, limit } => {
            let list = c.inventory_movements(*all, *limit)?;
            emit(json, &list, || {
                if list.is_empty() {
                    return "nothing pending".into();
                }
                list.iter()
                    .map(movement_text)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StockCommand::Scopes => {
            let s = c.inventory_scopes()?;
            emit(json, &s, || {
                s.iter()
                    .map(|s| {
                        format!(
                            "{}: version {}, {}, last sync {}",
                            s.warehouse_id,
                            s.version,
                            if s.complete {
                                "downloaded"
                            } else {
                                "download incomplete"
                            },
                            s.last_sync_at_ms
                                .map_or("never".to_string(), |t| format!("{t} ms since epoch"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

/// `companion sync`: a progress bar on a terminal, JSON lines with `--json`.
pub async fn sync(cli: &Cli, args: &SyncArgs) -> Result<(), CliError> {
    let c = device(cli)?;
    let json = cli.json;
    let tty = std::io::stderr().is_terminal();
    let mut sub = c.subscribe();
    let printer = tokio::spawn(async move {
        let mut last_line = String::new();
        while let Ok(event) = sub.updates.recv().await {
            let CompanionEvent::Sync { status, pending } = event else {
                continue;
            };
            // The sync publishes its final state (idle, offline, error) before it returns.
            let last = !matches!(status, SyncStatus::Syncing { .. });
            if json {
                let line =
                    serde_json::json!({"event": "sync", "status": status, "pending": pending})
                        .to_string();
                if line != last_line {
                    println!("{line}");
                    last_line = line;
                }
            } else if tty && let SyncStatus::Syncing { done, total } = status {
                let width = 30usize;
                let filled = if total > 0 {
                    (done.min(total) as usize * width) / total as usize
                } else {
                    0
                };
                eprint!(
                    "\r[{}{}] {done}/{total} rows, {pending} pending ",
                    "#".repeat(filled),
                    "-".repeat(width - filled)
                );
            }
            if last {
                break;
            }
        }
    });
    let options = companion_core::inventory::SyncOptions {
        push_only: args.push_only,
        ..Default::default()
    };
    let result = c.inventory_sync_with(&options).await;
    // Let the printer show the final state, then stop it.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), printer).await;
    if tty && !json {
        eprintln!();
    }
    let report: SyncReport = result?;
    emit(
        json,
        &serde_json::json!({"event": "done", "report": report}),
        || {
            format!(
                "synced: pushed {} ({} applied, {} rejected), pulled {} rows, {} pending{}",
                report.pushed,
                report.applied,
                report.rejected,
                report.pulled_rows,
                report.pending,
                if report.scopes_reset.is_empty() {
                    String::new()
                } else {
                    format!(", re-downloaded {}", report.scopes_reset.join(", "))
                }
            )
        },
    );
    if report.rejected > 0 && !json {
        for m in c
            .inventory_movements(false, 1000)?
            .iter()
            .filter(|m| m.state == MovementState::Rejected)
        {
            eprintln!("rejected: {}", movement_text(m));
        }
    }
    Ok(())
}
