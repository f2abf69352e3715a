//! Services the app provides to the core: secure storage and a log sink.
//!
//! On devices these are implemented in Kotlin (Android Keystore, Logcat) and Swift
//! (Keychain, OSLog) and handed over as foreign traits; on the desktop the core has its own
//! implementations. Logging is installed once per process, like the runtime.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// A failure reported by an app-provided service.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum PlatformError {
    /// The service could not do what was asked; `reason` is shown in logs and errors.
    #[error("{reason}")]
    Failed { reason: String },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformError::Failed { reason: e.reason }
    }
}

/// Small secrets that must survive restarts but never sit in plain files or the database:
/// session tokens, the device signing key. Keychain on iOS, Android Keystore on Android.
#[cfg_attr(feature = "uniffi", uniffi::export(foreign))]
pub trait SecureStorage: Send + Sync {
    /// The value stored under `key`, or `None`.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, PlatformError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: String, value: Vec<u8>) -> Result<(), PlatformError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: String) -> Result<(), PlatformError>;
}

/// Desktop and test stand-in for the Keychain/Keystore: one file readable only by the user
/// (mode 0600), written atomically (temp file + rename) so a crash never loses the tokens.
pub struct FileSecureStorage {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSecureStorage {
    /// Opens (or prepares) the store in `dir`, creating the directory if needed.
    pub fn new(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        Ok(FileSecureStorage {
            path: dir.join("secure-storage.json"),
            lock: Mutex::new(()),
        })
    }

    fn load(&self) -> Result<BTreeMap<String, String>, PlatformError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| failed(format!("secure storage file is damaged: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(failed(format!("cannot read secure storage: {e}"))),
        }
    }

    fn save(&self, map: &BTreeMap<String, String>) -> Result<(), PlatformError> {
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(map).map_err(|e| failed(e.to_string()))?;
        write_private(&tmp, &bytes)
            .map_err(|e| failed(format!("cannot write secure storage: {e}")))?;
        std::fs::rename(&tmp, &self.path)
            .map_err(|e| failed(format!("cannot write secure storage: {e}")))
    }
}

fn failed(reason: String) -> PlatformError {
    PlatformError::Failed { reason }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl SecureStorage for FileSecureStorage {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, PlatformError> {
        use base64::Engine;
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        match self.load()?.get(&key) {
            None => Ok(None),
            Some(v) => base64::engine::general_purpose::STANDARD
                .decode(v)
                .map(Some)
                .map_err(|e| failed(format!("secure storage entry is damaged: {e}"))),
        }
    }

    fn put(&self, key: String, value: Vec<u8>) -> Result<(), PlatformError> {
        use base64::Engine;
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut map = self.load()?;
        map.insert(key, base64::engine::general_purpose::STANDARD.encode(value));
        self.save(&map)
    }

    fn delete(&self, key: String) -> Result<(), PlatformError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut map = self.load()?;
        if map.remove(&key).is_some() {
            self.save(&map)?;
        }
        Ok(())
    }
}

/// Severity of a log line, mapped onto Logcat priorities and OSLog types by the shells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// One formatted log line.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LogRecord {
    pub level: LogLevel,
    /// The module that logged, e.g. `companion_core::session`.
    pub target: String,
    pub line: String,
}

/// Where the core's logs go on a device (Logcat, OSLog). Without one, logs go to stderr.
#[cfg_attr(feature = "uniffi", uniffi::export(foreign))]
pub trait LogSink: Send + Sync {
    fn log(&self, record: LogRecord);
}

static LOGGING: OnceLock<()> = OnceLock::new();

/// Installs logging for the process. The first call wins; later calls return `false` and
/// change nothing, because a process has one global subscriber.
pub fn init_logging(sink: Option<Arc<dyn LogSink>>, level: LogLevel) -> bool {
    let mut installed = false;
    LOGGING.get_or_init(|| {
        let filter = tracing_subscriber::filter::LevelFilter::from_level(match level {
            LogLevel::Error => tracing::Level::ERROR,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Trace => tracing::Level::TRACE,
        });
        let result = match sink {
            Some(sink) => tracing_subscriber::registry()
                .with(filter)
                .with(SinkLayer { sink })
                .try_init(),
            None => tracing_subscriber::registry()
                .with(filter)
                .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
                .try_init(),
        };
        installed = result.is_ok();
    });
    installed
}

struct SinkLayer {
    sink: Arc<dyn LogSink>,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SinkLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut line = LineVisitor::default();
        event.record(&mut line);
        let level = match *meta.level() {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        };
        self.sink.log(LogRecord {
            level,
            target: meta.target().to_string(),
            line: line.0,
        });
    }
}

#[derive(Default)]
struct LineVisitor(String);

impl Visit for LineVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_secure_storage_round_trips_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileSecureStorage::new(dir.path()).unwrap();
        assert_eq!(storage.get("k".into()).unwrap(), None);
        storage.put("k".into(), vec![0, 1, 255]).unwrap();
        storage.put("other".into(), b"x".to_vec()).unwrap();
        let reopened = FileSecureStorage::new(dir.path()).unwrap();
        assert_eq!(reopened.get("k".into()).unwrap(), Some(vec![0, 1, 255]));
        reopened.delete("k".into()).unwrap();
        reopened.delete("missing".into()).unwrap();
        assert_eq!(reopened.get("k".into()).unwrap(), None);
        assert_eq!(reopened.get("other".into()).unwrap(), Some(b"x".to_vec()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secure-storage.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o077,
                0,
                "secure storage must not be readable by others"
            );
        }
    }

    #[test]
    fn damaged_secure_storage_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secure-storage.json"), b"{not json").unwrap();
        let storage = FileSecureStorage::new(dir.path()).unwrap();
        let err = storage.get("k".into()).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}
