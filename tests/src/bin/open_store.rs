//! Test helper process: opens (and so converts or migrates) an account database, so a test
//! can kill this process part-way (`tests/encryption_kill.rs`).

use companion_core::store::Store;

fn main() {
    let (Some(path), Some(key)) = (std::env::args().nth(1), std::env::args().nth(2)) else {
        eprintln!("usage: open_store DB_PATH KEY_HEX");
        std::process::exit(2);
    };
    let key = companion_tests::key_from_hex(&key);
    println!("opening");
    match Store::open(&path, &key, companion_core::scope::ACCOUNT_MIGRATIONS) {
        Ok(_) => println!("done"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
