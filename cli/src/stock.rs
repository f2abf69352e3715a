//! `companion stock ...` and `companion sync`: the offline inventory of the simulated
//! phone. Every command works offline except `sync`; `--json` prints one JSON document per
//! result (JSON lines for `sync` progress).

use std::io::IsTerminal;

use std::sync::Arc;

use companion_core::inventory::{
    AdjustReason, Inventory, ItemStock, Movement, MovementKind, MovementState, NewMovement,
    StockLine, SyncActivity, SyncReport,
};
use companion_core::{Companion, Error, SessionState, Updates};

use crate::Cli;
use crate::account::open_device;
use crate::output::{CliError, emit};

#[derive(clap::Subcommand)]
pub enum StockCommand {
    /// The catalogue: every item of your warehouses (or one, with --warehouse), by name.
    List {
        #[arg(long)]
        warehouse: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Stock of an item by barcode/GTIN (what a scan hits), SKU or item id.
    Lookup {
        code: String,
        /// Only this warehouse (for an item id stocked in several).
        #[arg(long)]
        warehouse: Option<String>,
    },
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
        #[arg(long, allow_hyphen_values = true)]
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
        #[arg(long, allow_hyphen_values = true)]
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
        #[arg(long, allow_hyphen_values = true)]
        qty: i64,
    },
    /// Pick from a bin.
    Pick {
        #[command(flatten)]
        at: At,
        #[arg(long, allow_hyphen_values = true)]
        qty: i64,
    },
    /// The outbox: movements not yet confirmed by default; --rejected adds the refused
    /// ones (with the server's reason), --all every movement. Says when it is cut at --limit.
    Pending {
        #[arg(long)]
        rejected: bool,
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

/// Every item matching `key` as an item id, a SKU or a barcode/GTIN, in `warehouse` or all
/// of the account's warehouses: the one rule every stock command resolves items by.
async fn find_items(
    c: &Companion,
    inv: &Inventory,
    key: &str,
    warehouse: Option<&str>,
) -> Result<Vec<ItemStock>, CliError> {
    let mut found: Vec<ItemStock> = Vec::new();
    for wh in scopes(c)? {
        if warehouse.is_some_and(|w| w != wh) {
            continue;
        }
        if let Ok(stock) = inv.item(&wh, key).await {
            found.push(stock);
        }
    }
    if found.is_empty() {
        let by_sku = match inv.by_sku(key).await {
            Ok(v) => v,
            Err(Error::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        found = if by_sku.is_empty() {
            match inv.lookup(key).await {
                Ok(v) => v,
                Err(Error::NotFound(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            }
        } else {
            by_sku
        };
        found.retain(|s| warehouse.is_none_or(|w| w == s.item.warehouse_id));
    }
    Ok(found)
}

/// Finds the item of a movement, in the given warehouse or the only one holding it.
async fn resolve(c: &Companion, inv: &Inventory, at: &At) -> Result<(String, String), CliError> {
    let mut found: Vec<(String, String)> = find_items(c, inv, &at.item, at.warehouse.as_deref())
        .await?
        .into_iter()
        .map(|s| (s.item.warehouse_id, s.item.item_id))
        .collect();
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

#[allow(clippy::too_many_arguments)]
async fn record(
    c: &Companion,
    inv: &Inventory,
    json: bool,
    at: &At,
    kind: MovementKind,
    qty: i64,
    to: Option<String>,
    reason: Option<AdjustReason>,
    po: Option<String>,
) -> Result<(), CliError> {
    let (warehouse_id, item_id) = resolve(c, inv, at).await?;
    let m = inv
        .record(NewMovement {
            warehouse_id,
            kind,
            item_id,
            lot_id: at.lot.clone(),
            location_id: at.bin.clone(),
            to_location_id: to,
            qty,
            reason,
            po_line_id: po,
        })
        .await?;
    emit(json, &m, || {
        format!("recorded offline: {}", movement_text(&m))
    });
    Ok(())
}

pub async fn run(cli: &Cli, command: &StockCommand) -> Result<(), CliError> {
    let c = device(cli)?;
    let inv = c.inventory()?;
    let json = cli.json;
    match command {
        StockCommand::List { warehouse, limit } => {
            let mut items = inv.search("", *limit).await?;
            if let Some(w) = warehouse {
                items.retain(|i| &i.warehouse_id == w);
            }
            emit(json, &items, || {
                if items.is_empty() {
                    return "no items on this phone yet (run `companion sync`)".into();
                }
                items
                    .iter()
                    .map(|i| format!("{} {} [{}] {}", i.warehouse_id, i.item_id, i.sku, i.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StockCommand::Lookup { code, warehouse } => {
            let found = find_items(&c, &inv, code, warehouse.as_deref()).await?;
            if found.is_empty() {
                return Err(
                    Error::NotFound(format!("no item with id, SKU or barcode {code}")).into(),
                );
            }
            emit(json, &found, || stock_text(&found));
        }
        StockCommand::Search { query, limit } => {
            let items = inv.search(&query.join(" "), *limit).await?;
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
            let lines = inv.bin(&wh, bin).await?;
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
            record(
                &c,
                &inv,
                json,
                at,
                MovementKind::Receive,
                *qty,
                None,
                None,
                po.clone(),
            )
            .await?
        }
        StockCommand::Move { at, to, qty } => {
            let to = Some(to.clone());
            record(&c, &inv, json, at, MovementKind::Move, *qty, to, None, None).await?
        }
        StockCommand::Adjust { at, qty, reason } => {
            let reason = AdjustReason::parse(reason).ok_or_else(|| {
                Error::invalid("reason", "one of damage, spoilage, shrink, found")
            })?;
            let reason = Some(reason);
            record(
                &c,
                &inv,
                json,
                at,
                MovementKind::Adjust,
                *qty,
                None,
                reason,
                None,
            )
            .await?
        }
        StockCommand::Count { at, qty } => {
            record(
                &c,
                &inv,
                json,
                at,
                MovementKind::Count,
                *qty,
                None,
                None,
                None,
            )
            .await?
        }
        StockCommand::Pick { at, qty } => {
            record(
                &c,
                &inv,
                json,
                at,
                MovementKind::Pick,
                *qty,
                None,
                None,
                None,
            )
            .await?
        }
        StockCommand::Pending {
            rejected,
            all,
            limit,
        } => {
            let every = inv.movements(*all, 10_000).await?;
            let wanted: Vec<Movement> = every
                .into_iter()
                .filter(|m| {
                    *all || m.state == MovementState::Pending
                        || (*rejected && m.state == MovementState::Rejected)
                })
                .collect();
            let total = wanted.len();
            let shown: Vec<Movement> = wanted.into_iter().take(*limit as usize).collect();
            let doc = serde_json::json!({
                "movements": shown,
                "total": total,
                "truncated": total > shown.len(),
            });
            emit(json, &doc, || {
                if shown.is_empty() {
                    return "nothing pending".into();
                }
                let mut out = shown
                    .iter()
                    .map(movement_text)
                    .collect::<Vec<_>>()
                    .join("\n");
                if total > shown.len() {
                    out.push_str(&format!(
                        "\n({} of {total} shown; raise --limit for more)",
                        shown.len()
                    ));
                }
                out
            });
        }
        StockCommand::Scopes => {
            let s = inv.scopes().await?;
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
                            s.last_synced_at.map_or("never".to_string(), |t| format!(
                                "{} ms since epoch",
                                companion_core::time::to_millis(t)
                            ))
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
    let inv: Arc<Inventory> = c.inventory()?;
    let json = cli.json;
    let tty = std::io::stderr().is_terminal();
    let mut updates = inv.status_updates();
    let printer = tokio::spawn(async move {
        let mut last_line = String::new();
        // The first value is the state before this sync; print from the sync's own.
        let _ = updates.next().await;
        while let Some(status) = updates.next().await {
            let last = !matches!(status.activity, SyncActivity::Syncing { .. });
            if json {
                let line = serde_json::json!({"event": "sync", "status": status}).to_string();
                if line != last_line {
                    println!("{line}");
                    last_line = line;
                }
            } else if tty && let SyncActivity::Syncing { done, total } = status.activity {
                let width = 30usize;
                let filled = if total > 0 {
                    (done.min(total) as usize * width) / total as usize
                } else {
                    0
                };
                eprint!(
                    "\r[{}{}] {done}/{total} rows, {} pending ",
                    "#".repeat(filled),
                    "-".repeat(width - filled),
                    status.pending
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
    let result = inv.sync_with(&options).await;
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
        for m in inv
            .movements(false, 1000)
            .await?
            .iter()
            .filter(|m| m.state == MovementState::Rejected)
        {
            eprintln!("rejected: {}", movement_text(m));
        }
    }
    Ok(())
}
