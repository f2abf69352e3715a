//! The Android shell ships backup rules that keep the core's data directory and the secure
//! storage out of Auto Backup and device transfer. Read from the files an app build merges,
//! and kept in step with where the shell actually puts them (`CompanionProvider.kt`,
//! `KeystoreSecureStorage.kt`).

use std::path::PathBuf;

fn shell() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../android/shell/src/main")
}

fn read(relative: &str) -> String {
    let path = shell().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}

/// The value of `name="..."` inside the first element that starts with `element`.
fn attribute(xml: &str, element: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{element}"))?;
    let end = start + xml[start..].find('>')?;
    let tag = &xml[start..end];
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// The text between `<section` and `</section>`.
fn section<'a>(xml: &'a str, section: &str) -> &'a str {
    let start = xml
        .find(&format!("<{section}"))
        .unwrap_or_else(|| panic!("no <{section}>"));
    let end = xml
        .find(&format!("</{section}>"))
        .unwrap_or_else(|| panic!("no </{section}>"));
    &xml[start..end]
}

/// The directory the shell gives the core (`File(app.filesDir, "<dir>")`) and the secure
/// storage's shared-preferences file name.
fn where_the_shell_keeps_data() -> (String, String) {
    let provider = read("kotlin/app/companion/android/CompanionProvider.kt");
    let at = provider
        .find("File(app.filesDir, \"")
        .expect("CompanionProvider puts the core under filesDir")
        + "File(app.filesDir, \"".len();
    let dir = provider[at..at + provider[at..].find('"').unwrap()].to_string();
    let storage = read("kotlin/app/companion/android/KeystoreSecureStorage.kt");
    let at = storage
        .find("PREFERENCES_FILE = \"")
        .expect("KeystoreSecureStorage names its preferences file")
        + "PREFERENCES_FILE = \"".len();
    let prefs = storage[at..at + storage[at..].find('"').unwrap()].to_string();
    (dir, prefs)
}

fn assert_excludes(rules: &str, what: &str, dir: &str, prefs: &str) {
    let compact: String = rules.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        format!("<exclude domain=\"file\" path=\"{dir}/\""),
        format!("<exclude domain=\"sharedpref\" path=\"{prefs}.xml\""),
    ] {
        assert!(compact.contains(&needle), "{what} lacks {needle}");
    }
}

#[test]
fn the_shell_manifest_keeps_data_and_secure_storage_out_of_backups() {
    let manifest = read("AndroidManifest.xml");
    assert!(manifest.contains("android:name=\"android.permission.INTERNET\""));
    assert_eq!(
        attribute(&manifest, "application", "android:dataExtractionRules").as_deref(),
        Some("@xml/data_extraction_rules")
    );
    assert_eq!(
        attribute(&manifest, "application", "android:fullBackupContent").as_deref(),
        Some("@xml/backup_rules")
    );
    assert_ne!(
        attribute(&manifest, "application", "android:allowBackup").as_deref(),
        Some("true"),
        "rules, not a blanket backup"
    );

    let (dir, prefs) = where_the_shell_keeps_data();
    let extraction = read("res/xml/data_extraction_rules.xml");
    for part in ["cloud-backup", "device-transfer"] {
        assert_excludes(section(&extraction, part), part, &dir, &prefs);
    }
    let full = read("res/xml/backup_rules.xml");
    assert_excludes(
        section(&full, "full-backup-content"),
        "full-backup-content",
        &dir,
        &prefs,
    );
}
