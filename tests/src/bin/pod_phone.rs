//! Test helper process: a driver's phone that is killed (SIGKILL) in the middle of a
//! proof of delivery (`tests/pod_kill.rs`).
//!
//! `pod_phone DATA_DIR SERVER_URL capture STOP PHOTO...`: resumes the stop's capture, keeps
//! each photo and prints `kept N` after each one; the test kills it while it processes the
//! next.
//! `pod_phone DATA_DIR SERVER_URL upload KILL_AT`: uploads the queue and kills itself with
//! SIGKILL as soon as the status shows `KILL_AT` upload steps done.

use companion_core::Updates;
use companion_core::deliveries::ProofState;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: pod_phone DATA_DIR SERVER_URL capture STOP PHOTO... | upload KILL_AT");
        std::process::exit(2);
    }
    let phone = companion_tests::open_phone(args[1].as_ref(), &args[2]).expect("phone opens");
    let pod = phone.deliveries().expect("signed in");
    match args[3].as_str() {
        "capture" => {
            let stop = &args[4];
            pod.start_capture(stop).await.expect("capture");
            for (i, path) in args[5..].iter().enumerate() {
                let bytes = std::fs::read(path).expect("photo file");
                println!("adding {i}");
                pod.add_photo(stop, bytes).await.expect("photo kept");
                println!("kept {}", i + 1);
            }
            println!("done");
        }
        "upload" => {
            let kill_at: u32 = args[4].parse().expect("KILL_AT");
            let mut updates = pod.status_updates();
            tokio::spawn(async move {
                while let Some(status) = updates.next().await {
                    let progress = status.stops.iter().find_map(|s| match s.state {
                        ProofState::Uploading { done, .. } => Some(done),
                        _ => None,
                    });
                    if progress.is_some_and(|done| done >= kill_at) {
                        println!("killing at {kill_at}");
                        let _ = std::process::Command::new("kill")
                            .args(["-9", &std::process::id().to_string()])
                            .status();
                    }
                }
            });
            let report = pod.upload().await;
            println!("finished {report:?}");
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}
