//! `companion scan` and `companion bench scan`: the core's barcode pipeline on image files,
//! exactly as the phone runs it on camera frames.

use std::path::{Path, PathBuf};
use std::time::Instant;

use companion_scan::bench::{BenchSummary, Manifest, score_frame_codes};
use companion_scan::gs1::{Gs1Element, Gs1Value};
use companion_scan::still::load_luma;
use companion_scan::{
    BarcodeFormat, DecodeStrategy, FrameDecoder, LumaFrame, ScanOptions, ScannedCode,
};

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Options shared by `scan` and `bench scan`.
#[derive(Debug, Clone, clap::Args)]
pub struct DecodeArgs {
    /// Formats to look for, comma separated (ean13,ean8,upca,upce,code128,itf,databar,
    /// databar-expanded,qrcode,datamatrix,pdf417,code39,aztec). Default: the warehouse set
    /// (all but EAN-8 and UPC-E).
    #[arg(long, value_delimiter = ',')]
    pub formats: Vec<String>,
    /// fast | live | thorough.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Per-frame time budget in milliseconds: no pass starts after it.
    #[arg(long)]
    pub budget_ms: Option<u32>,
}

impl DecodeArgs {
    fn options(
        &self,
        default_strategy: DecodeStrategy,
        default_budget: u32,
    ) -> Result<ScanOptions, String> {
        let formats = if self.formats.is_empty() {
            BarcodeFormat::warehouse_default()
        } else {
            self.formats
                .iter()
                .map(|name| {
                    BarcodeFormat::from_name(name).ok_or_else(|| format!("unknown format {name:?}"))
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let strategy = match &self.strategy {
            Some(name) => DecodeStrategy::from_name(name)
                .ok_or_else(|| format!("unknown strategy {name:?}"))?,
            None => default_strategy,
        };
        Ok(ScanOptions {
            formats,
            strategy,
            budget_ms: self.budget_ms.unwrap_or(default_budget),
        })
    }
}

/// `companion scan FILE_OR_DIR...`
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// PNG/JPEG files or directories of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// `companion bench scan DIR`
#[derive(Debug, Clone, clap::Args)]
pub struct BenchScanArgs {
    /// Directory with PNG frames and a manifest.json (barcode-frames-dev format).
    pub dir: PathBuf,
    /// Also print one line per frame (found, missed, false positives, time) to stderr.
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// Still images get every pass within a generous budget.
const STILL_BUDGET_MS: u32 = 250;

/// `json` is the CLI's global `--json`: one JSON object per image and line.
pub fn run_scan(args: &ScanArgs, json: bool) -> CliResult {
    let options = args
        .decode
        .options(DecodeStrategy::Thorough, STILL_BUDGET_MS)?;
    let mut files = Vec::new();
    for path in &args.paths {
        collect_images(path, &mut files)?;
    }
    for file in files {
        let bytes = std::fs::read(&file)?;
        let (pixels, w, h) = match load_luma(&bytes) {
            Ok(image) => image,
            Err(error) => {
                eprintln!("{}: {error}", file.display());
                continue;
            }
        };
        // A fresh decoder per image: still images do not share a live round robin.
        let mut decoder = FrameDecoder::new(options.clone())?;
        let started = Instant::now();
        let outcome = decoder.decode(&LumaFrame::packed(&pixels, w, h))?;
        let decode_ms = started.elapsed().as_secs_f64() * 1000.0;
        if json {
            let line = serde_json::json!({
                "file": file.display().to_string(),
                "codes": outcome.codes.iter().map(code_json).collect::<Vec<_>>(),
                "decode_ms": (decode_ms * 100.0).round() / 100.0,
            });
            println!("{line}");
        } else if outcome.codes.is_empty() {
            println!("{}: no code ({decode_ms:.1} ms)", file.display());
        } else {
            for code in &outcome.codes {
                println!(
                    "{}: {} {} ({decode_ms:.1} ms)",
                    file.display(),
                    code.format.name(),
                    code.text
                );
                for e in &code.gs1 {
                    let issue = e
                        .issue
                        .as_deref()
                        .map(|i| format!("  !! {i}"))
                        .unwrap_or_default();
                    println!("    ({}) {:<24} {}{issue}", e.ai, e.title, e.value);
                }
            }
        }
    }
    Ok(())
}

pub fn run_bench_scan(args: &BenchScanArgs) -> CliResult {
    // By default the bench decodes each frame as one live camera frame: Live strategy
    // (cheap passes plus one hard pass) within the live budget. `--strategy thorough` is
    // the still-image path, with the still budget. See docs/scanning.md.
    let mut options = args
        .decode
        .options(DecodeStrategy::Live, ScanOptions::default().budget_ms)?;
    if args.decode.budget_ms.is_none() && options.strategy == DecodeStrategy::Thorough {
        options.budget_ms = STILL_BUDGET_MS;
    }
    let manifest = Manifest::load(&args.dir)?;
    if args.decode.formats.is_empty() {
        // Like scripts/zxing_bench.py: look for the formats the set contains, as a screen
        // configured for its job would.
        let mut present: Vec<BarcodeFormat> = manifest
            .frames
            .iter()
            .flat_map(|f| f.expected.iter())
            .filter_map(|e| BarcodeFormat::from_name(&e.format))
            .collect();
        present.sort();
        present.dedup();
        if !present.is_empty() {
            options.formats = present;
        }
    }
    let mut scores = Vec::new();
    let mut bad_images = 0;
    for frame in &manifest.frames {
        // A fresh decoder per frame: each frame is scored as the first frame of a scene, so
        // the figures do not depend on frame order (no round robin carried across scenes).
        let mut decoder = FrameDecoder::new(options.clone())?;
        // A bad image is reported and skipped; the run goes on.
        let loaded = std::fs::read(args.dir.join(&frame.file))
            .map_err(|e| e.to_string())
            .and_then(|bytes| load_luma(&bytes).map_err(|e| e.to_string()));
        let (pixels, w, h) = match loaded {
            Ok(image) => image,
            Err(error) => {
                eprintln!("{}: {error}", frame.file);
                bad_images += 1;
                continue;
            }
        };
        let started = Instant::now();
        let outcome = match decoder.decode(&LumaFrame::packed(&pixels, w, h)) {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("{}: {error}", frame.file);
                bad_images += 1;
                continue;
            }
        };
        let decode_ms = started.elapsed().as_secs_f64() * 1000.0;
        let decoded: Vec<(String, String)> = outcome
            .codes
            .iter()
            .map(|c| (c.text.clone(), c.format.name().to_string()))
            .collect();
        let score = score_frame_codes(frame, &decoded, decode_ms);
        if args.verbose {
            let missed: Vec<&str> = frame
                .expected
                .iter()
                .filter(|e| !decoded.iter().any(|(t, _)| e.matches(t)))
                .map(|e| e.text.as_str())
                .collect();
            eprintln!(
                "{} {decode_ms:.1}ms found={}/{} missed={missed:?} fp={:?} misreads={:?}",
                frame.file, score.found, score.expected, score.false_positives, score.misreads
            );
        }
        scores.push((frame, score));
    }
    let names: Vec<&str> = options.formats.iter().map(|f| f.name()).collect();
    println!(
        "decoder=companion-core(rxing) strategy={:?} budget_ms={} formats={}",
        options.strategy,
        options.budget_ms,
        names.join(",")
    );
    let mut summary = BenchSummary::from_scores(&scores);
    summary.frames = manifest.frames.len();
    summary.bad_images = bad_images;
    summary.codes_expected = manifest.frames.iter().map(|f| f.expected.len()).sum();
    print!("{}", summary.to_lines());
    Ok(())
}

fn collect_images(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            let ext = entry
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if matches!(ext.as_str(), "png" | "jpg" | "jpeg") {
                out.push(entry);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn code_json(code: &ScannedCode) -> serde_json::Value {
    serde_json::json!({
        "format": code.format.name(),
        "text": code.text,
        "symbology_identifier": code.symbology_identifier,
        "corners": code.corners.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>(),
        "gs1": code.gs1.iter().map(gs1_json).collect::<Vec<_>>(),
    })
}

fn gs1_json(e: &Gs1Element) -> serde_json::Value {
    let typed = match &e.typed {
        Some(Gs1Value::Gtin { gtin14 }) => serde_json::json!({"gtin14": gtin14}),
        Some(Gs1Value::Sscc { sscc }) => serde_json::json!({"sscc": sscc}),
        Some(Gs1Value::Gln { gln }) => serde_json::json!({"gln": gln}),
        Some(Gs1Value::Date {
            year,
            month,
            day,
            day_stated,
        }) => {
            serde_json::json!({"date": format!("{year:04}-{month:02}-{day:02}"), "day_stated": day_stated})
        }
        Some(Gs1Value::Decimal { value, unit, .. }) => {
            serde_json::json!({"value": value, "unit": unit})
        }
        Some(Gs1Value::Count { count }) => serde_json::json!({"count": count}),
        None => serde_json::Value::Null,
    };
    serde_json::json!({"ai": e.ai, "title": e.title, "value": e.value, "typed": typed, "issue": e.issue})
}
