//! Multi-device simulation of offline inventory against the real reference server.
//!
//! Each seed runs 6 phones (3 accounts, some sharing one) through random offline periods,
//! local movements of every kind on a small, hotly contended catalogue, and injected
//! faults: dropped requests, answers dropped after the server committed, 5xx with
//! Retry-After, garbage bodies, duplicate sends of the same batch, server restarts, and
//! phones killed mid-sync (the sync future aborted at a random point, the core dropped and
//! reopened from its files, sometimes with a movement recorded during the sync). At the end
//! every phone comes online and syncs, and the test asserts:
//! - every movement created on any phone was applied exactly once or rejected, and the
//!   server's ledger holds exactly the applied ones (one row per effect);
//! - every phone's copy equals the server's stock, with nothing pending;
//! - server stock equals the sum of its ledger (and its checksum the recomputed one).
//!
//! CI runs a few seeds; the full run is
//! `COMPANION_SIM_SEEDS=300 cargo test --release -p companion-tests --test inventory_sim`
//! (`COMPANION_SIM_SEED_START=N` replays from seed N).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use companion_core::inventory::{
    AdjustReason, MovementKind, MovementState, NewMovement, SyncOptions,
};
use companion_core::{Companion, Error};
use companion_server::{FaultKind, RunningServer, ServerConfig};
use companion_tests::{DEMO_PASSWORD, closed_port_url, open_phone};
use companion_wire::inventory::{PUSH_PATH, PushRequest, PushResponse};
use reqwest::Method;

const WH: &str = "wh-north";
const CATALOGUE_ROWS: usize = 60;

/// splitmix64: small, seedable, good enough to drive a simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct Device {
    dir: tempfile::TempDir,
    phone: Option<Arc<Companion>>,
    online: bool,
}

struct Sim {
    rng: Rng,
    server_dir: tempfile::TempDir,
    addr: SocketAddr,
    server: Option<RunningServer>,
    devices: Vec<Device>,
    /// Every request a phone could not complete, by error kind (for the log).
    errors: BTreeMap<&'static str, u32>,
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl Sim {
    fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server running")
    }

    fn phone(&self, d: usize) -> Arc<Companion> {
        self.devices[d].phone.clone().expect("phone open")
    }

    async fn restart_server(&mut self) {
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server.shutdown())
                .await
                .expect("server stops");
        }
        let mut config = ServerConfig::in_dir(self.server_dir.path());
        config.addr = self.addr;
        let mut attempt = 0;
        self.server = loop {
            match companion_server::start(config.clone()).await {
                Ok(s) => break Some(s),
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    tracing_like(&format!("restart retry: {e}"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("server restart failed: {e}"),
            }
        };
    }

    /// Drops the phone's core and opens it again from its files, online or not.
    fn reopen(&mut self, d: usize) {
        let target = if self.devices[d].online {
            url(self.addr)
        } else {
            closed_port_url()
        };
        self.devices[d].phone = None;
        let phone =
            open_phone(self.devices[d].dir.path(), &target).expect("phone reopens from its files");
        self.devices[d].phone = Some(Arc::new(phone));
    }

    fn note(&mut self, e: &Error) {
        let kind = match e {
            Error::Offline(_) => "offline",
            Error::Server { .. } => "server",
            Error::Protocol(_) => "protocol",
            Error::Conflict(_) => "conflict",
            Error::NotFound(_) => "not_found",
            other => panic!("unexpected error kind during the simulation: {other:?}"),
        };
        *self.errors.entry(kind).or_default() += 1;
    }

    fn random_movement(&mut self, d: usize) -> Option<NewMovement> {
        let phone = self.phone(d);
        let item = companion_server::catalogue::item_id(
            self.rng.below((CATALOGUE_ROWS / 20) as u64) as usize,
        );
        let stock = phone.stock_item(WH, &item).ok()?;
        if stock.lines.is_empty() {
            // Item downloaded, its stock not yet (a download in progress).
            return None;
        }
        let line = self.rng.pick(&stock.lines).clone();
        let other_bin = self.rng.pick(&stock.lines).location_id.clone();
        let kind = *self.rng.pick(&[
            MovementKind::Pick,
            MovementKind::Pick,
            MovementKind::Move,
            MovementKind::Adjust,
            MovementKind::Adjust,
            MovementKind::Count,
            MovementKind::Receive,
        ]);
        let qty = match kind {
            MovementKind::Pick | MovementKind::Move => {
                if line.qty <= 0 {
                    return None;
                }
                1 + self.rng.below(line.qty.min(40) as u64) as i64
            }
            MovementKind::Adjust => {
                let up = self.rng.chance(50) || line.qty <= 0;
                if up {
                    1 + self.rng.below(10) as i64
                } else {
                    -(1 + self.rng.below(line.qty.min(10) as u64) as i64)
                }
            }
            MovementKind::Count => self.rng.below(80) as i64,
            MovementKind::Receive => 1 + self.rng.below(50) as i64,
        };
        let reason = (kind == MovementKind::Adjust).then(|| {
            *self.rng.pick(&[
                AdjustReason::Damage,
                AdjustReason::Spoilage,
                AdjustReason::Shrink,
                AdjustReason::Found,
            ])
        });
        if kind == MovementKind::Move && other_bin == line.location_id {
            return None;
        }
        Some(NewMovement {
            warehouse_id: WH.into(),
            kind,
            item_id: item,
            lot_id: line.lot_id,
            location_id: line.location_id,
            to_location_id: (kind == MovementKind::Move).then_some(other_bin),
            qty,
            reason,
            po_line_id: None,
        })
    }

    fn inject_random_fault(&mut self) {
        let faults = self.server().faults().clone();
        match self.rng.below(7) {
            0 => faults.inject(PUSH_PATH, 1, FaultKind::DropAfterCommit),
            1 => faults.inject(PUSH_PATH, 1, FaultKind::DropBeforeHandler),
            2 => faults.inject(PUSH_PATH, 1, FaultKind::GarbageBody),
            3 => faults.inject(
                "/v1/inventory/changes",
                1,
                FaultKind::Status {
                    status: 503,
                    retry_after_secs: Some(0),
                },
            ),
            4 => faults.inject("/v1/inventory/changes", 1, FaultKind::GarbageBody),
            5 => faults.inject("/v1/inventory/changes", 1, FaultKind::DropAfterCommit),
            _ => faults.inject(
                PUSH_PATH,
                2,
                FaultKind::Status {
                    status: 500,
                    retry_after_secs: None,
                },
            ),
        }
    }

    /// Small pages make downloads span many transactions, so kills and faults land
    /// between pages.
    fn sync_options(&mut self) -> SyncOptions {
        SyncOptions {
            page_rows: *self.rng.pick(&[10, 25, 10_000]),
            ..Default::default()
        }
    }

    async fn sync(&mut self, d: usize) {
        let phone = self.phone(d);
        let options = self.sync_options();
        if let Err(e) = phone.inventory_sync_with(&options).await {
            self.note(&e);
        }
    }

    /// Sends the phone's next batch straight to the server twice, bypassing its outbox
    /// bookkeeping: the server must apply it once and answer the same both times.
    async fn duplicate_send(&mut self, d: usize) {
        let phone = self.phone(d);
        let Ok(store) = phone.store() else { return };
        let Ok((origin, movements)) = store.write(|tx| {
            Ok((
                companion_core::inventory::local::origin(tx)?,
                companion_core::inventory::local::push_batch(tx, 50)?,
            ))
        }) else {
            return;
        };
        if movements.is_empty() {
            return;
        }
        let request = PushRequest { origin, movements };
        let first: Result<PushResponse, _> = phone
            .send(Method::POST, PUSH_PATH, Some(&request), false)
            .await;
        let second: Result<PushResponse, _> = phone
            .send(Method::POST, PUSH_PATH, Some(&request), false)
            .await;
        match (first, second) {
            (Ok(a), Ok(b)) => assert_eq!(
                a.results, b.results,
                "a duplicate send must get the same verdicts"
            ),
            (Err(e), _) | (_, Err(e)) => self.note(&e),
        }
    }

    /// Kills the phone in the middle of a sync: the sync task is aborted after a random
    /// delay (sometimes while the user records a movement), then the core is dropped and
    /// reopened from its files.
    async fn kill_mid_sync(&mut self, d: usize) {
        let phone = self.phone(d);
        let delay = Duration::from_micros(self.rng.below(40_000));
        let record = if self.rng.chance(50) {
            self.random_movement(d)
        } else {
            None
        };
        let syncing = phone.clone();
        let options = self.sync_options();
        let task = tokio::spawn(async move { syncing.inventory_sync_with(&options).await });
        if let Some(m) = record {
            let _ = phone.record_movement(m);
        }
        tokio::time::sleep(delay).await;
        task.abort();
        if let Ok(Err(e)) = task.await {
            self.note(&e);
        }
        drop(phone);
        self.reopen(d);
    }
}

fn tracing_like(msg: &str) {
    if std::env::var_os("COMPANION_SIM_VERBOSE").is_some() {
        eprintln!("{msg}");
    }
}

async fn run_seed(seed: u64) {
    let server_dir = tempfile::tempdir().unwrap();
    let server = companion_server::start(ServerConfig::in_dir(server_dir.path()))
        .await
        .unwrap();
    server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WH, CATALOGUE_ROWS))
        .unwrap();
    let addr = server.addr();
    let mut sim = Sim {
        rng: Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed),
        server_dir,
        addr,
        server: Some(server),
        devices: Vec::new(),
        errors: BTreeMap::new(),
    };
    for user in ["maria", "lena", "dave", "maria", "lena", "dave"] {
        let dir = tempfile::tempdir().unwrap();
        let phone = open_phone(dir.path(), &url(addr)).unwrap();
        phone.sign_in(user, DEMO_PASSWORD).await.unwrap();
        sim.devices.push(Device {
            dir,
            phone: Some(Arc::new(phone)),
            online: true,
        });
    }
    for d in 0..sim.devices.len() {
        // Some phones start with nothing downloaded and work blind until their first sync.
        if sim.rng.chance(80) {
            sim.sync(d).await;
        }
    }

    let steps = 70;
    for step in 0..steps {
        let d = sim.rng.below(sim.devices.len() as u64) as usize;
        let roll = sim.rng.below(100);
        tracing_like(&format!("seed {seed} step {step}: device {d} roll {roll}"));
        match roll {
            0..=44 => {
                if let Some(m) = sim.random_movement(d) {
                    match sim.phone(d).record_movement(m) {
                        Ok(_) | Err(Error::InvalidInput { .. }) => {}
                        Err(e) => panic!("recording failed: {e:?}"),
                    }
                }
            }
            45..=64 => {
                if sim.devices[d].online && sim.rng.chance(40) {
                    sim.inject_random_fault();
                }
                sim.sync(d).await;
            }
            65..=71 => {
                if sim.devices[d].online {
                    sim.duplicate_send(d).await;
                }
            }
            72..=83 => {
                sim.devices[d].online = !sim.devices[d].online;
                sim.reopen(d);
            }
            84..=93 => {
                if sim.devices[d].online {
                    sim.kill_mid_sync(d).await;
                }
            }
            _ => {
                sim.restart_server().await;
            }
        }
    }

    // Everyone comes back online; faults stop.
    sim.server().faults().clear();
    for d in 0..sim.devices.len() {
        sim.devices[d].online = true;
        sim.reopen(d);
    }
    for round in 0..2 {
        for d in 0..sim.devices.len() {
            let report = sim.phone(d).inventory_sync().await;
            let report = report.unwrap_or_else(|e| {
                panic!("seed {seed} round {round} device {d}: final sync failed: {e:?}")
            });
            assert_eq!(
                report.pending, 0,
                "seed {seed}: device {d} still has pending movements"
            );
        }
    }
    let (applied, rejected) = check(&sim, seed);
    eprintln!(
        "seed {seed}: {applied} applied, {rejected} rejected, client errors {:?}",
        sim.errors
    );
    if let Some(server) = sim.server.take() {
        server.shutdown().await;
    }
}

type Key = (String, String, String, String);

/// Returns (applied, rejected) movements.
fn check(sim: &Sim, seed: u64) -> (usize, usize) {
    let db = sim.server().db().clone();
    let problems = db.with(|c| companion_server::inventory::audit(c)).unwrap();
    assert!(
        problems.is_empty(),
        "seed {seed}: server ledger inconsistent: {problems:?}"
    );

    // Movements: what the phones created vs. what the server recorded.
    let mut created: BTreeMap<String, (MovementState, MovementKind)> = BTreeMap::new();
    for (d, device) in sim.devices.iter().enumerate() {
        let phone = device.phone.as_ref().unwrap();
        for m in phone.inventory_movements(true, 100_000).unwrap() {
            assert_ne!(
                m.state,
                MovementState::Pending,
                "seed {seed}: device {d} movement {} still pending",
                m.id
            );
            assert!(
                created.insert(m.id.clone(), (m.state, m.kind)).is_none(),
                "duplicate movement id {}",
                m.id
            );
        }
    }
    let server_movements: BTreeMap<String, (String, i64)> = db.with(|c| {
        let mut stmt = c
            .prepare(
                "SELECT m.id, m.status, (SELECT count(*) FROM inv_ledger l WHERE l.movement_id = m.id) FROM inv_movements m",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, i64>(2)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    });
    let created_ids: BTreeSet<&String> = created.keys().collect();
    let server_ids: BTreeSet<&String> = server_movements.keys().collect();
    assert_eq!(
        created_ids, server_ids,
        "seed {seed}: the server's movements differ from the phones'"
    );
    for (id, (state, kind)) in &created {
        let (status, ledger_rows) = &server_movements[id];
        let expected_rows = match (state, kind) {
            (MovementState::Rejected, _) => 0,
            (_, MovementKind::Move) => 2,
            _ => 1,
        };
        let expected_status = if *state == MovementState::Applied {
            "applied"
        } else {
            "rejected"
        };
        assert_eq!(status, expected_status, "seed {seed}: movement {id}");
        assert_eq!(
            *ledger_rows, expected_rows,
            "seed {seed}: movement {id} ({kind:?}) must take effect exactly once"
        );
    }

    // Convergence: every phone's pulled copy and displayed stock equal the server's.
    let server_stock: BTreeMap<Key, i64> = db.with(|c| {
        let mut stmt = c
            .prepare("SELECT warehouse_id, item_id, lot_id, location_id, qty FROM inv_stock")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    });
    for (d, device) in sim.devices.iter().enumerate() {
        let phone = device.phone.as_ref().unwrap();
        let store = phone.store().unwrap();
        let (local, effects): (BTreeMap<Key, i64>, i64) = store
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT warehouse_id, item_id, lot_id, location_id, qty FROM inv_stock",
                )?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let effects: i64 =
                    c.query_row("SELECT count(*) FROM inv_effect", [], |r| r.get(0))?;
                Ok((rows, effects))
            })
            .unwrap();
        let expected: BTreeMap<Key, i64> = server_stock
            .iter()
            .filter(|(k, _)| k.0 == WH)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let local_wh: BTreeMap<Key, i64> = local.into_iter().filter(|(k, _)| k.0 == WH).collect();
        assert_eq!(
            local_wh, expected,
            "seed {seed}: device {d} did not converge"
        );
        assert_eq!(
            effects, 0,
            "seed {seed}: device {d} still shows unsettled effects"
        );
        for item in 0..CATALOGUE_ROWS / 20 {
            let stock = phone
                .stock_item(WH, &companion_server::catalogue::item_id(item))
                .unwrap();
            for line in stock.lines {
                let key = (
                    WH.to_string(),
                    line.item_id.clone(),
                    line.lot_id.clone(),
                    line.location_id.clone(),
                );
                assert_eq!(
                    Some(&line.qty),
                    server_stock.get(&key),
                    "seed {seed}: device {d} displays {key:?} wrong"
                );
            }
        }
    }
    let applied = created
        .values()
        .filter(|(s, _)| *s == MovementState::Applied)
        .count();
    (applied, created.len() - applied)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_devices_with_faults_converge_and_apply_every_movement_once() {
    let seeds: u64 = std::env::var("COMPANION_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let start: u64 = std::env::var("COMPANION_SIM_SEED_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let began = std::time::Instant::now();
    for seed in start..start + seeds {
        run_seed(seed).await;
    }
    eprintln!(
        "inventory simulation: {seeds} seeds from {start} passed in {:.1} s",
        began.elapsed().as_secs_f64()
    );
}
