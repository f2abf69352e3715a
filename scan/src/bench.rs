//! Scoring a frame set (PNG frames + `manifest.json`, the barcode-frames-dev format) the way
//! its README defines: an expected code is found when a decoded text equals its `text`,
//! `text_raw` or an `alt_texts` entry; a false positive is a distinct decoded text matching
//! none of the frame's expected codes. Timing covers only decoding, image in memory.

use std::path::Path;

use serde::Deserialize;

/// The manifest's top level (fields the scoring needs).
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub frames: Vec<ManifestFrame>,
}

/// One frame entry.
#[derive(Debug, Deserialize)]
pub struct ManifestFrame {
    pub file: String,
    pub width: u32,
    pub height: u32,
    pub expected: Vec<ExpectedCode>,
}

/// One expected code.
#[derive(Debug, Deserialize)]
pub struct ExpectedCode {
    pub format: String,
    pub text: String,
    #[serde(default)]
    pub text_raw: Option<String>,
    #[serde(default)]
    pub alt_texts: Vec<String>,
    /// The symbol's corners in the frame (display) coordinates.
    #[serde(default)]
    pub quad: Vec<[f32; 2]>,
}

impl ExpectedCode {
    /// True when a decoded text counts as this code.
    pub fn matches(&self, decoded: &str) -> bool {
        self.text == decoded
            || self.text_raw.as_deref() == Some(decoded)
            || self.alt_texts.iter().any(|t| t == decoded)
    }
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join("manifest.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Per-frame score.
#[derive(Debug, Clone, Default)]
pub struct FrameScore {
    pub expected: usize,
    pub found: usize,
    pub false_positives: Vec<String>,
    /// Decoded texts of an expected symbology family that match no expected code, each
    /// with the manifest format of the expected code it misread.
    pub misreads: Vec<(String, String)>,
    /// (manifest format, found) per expected code.
    pub per_code: Vec<(String, bool)>,
    pub decode_ms: f64,
}

/// The symbology family of a format name, manifest (zxing-cpp) or Companion spelling, for
/// misreads: a decoder may legitimately report a UPC-A as EAN-13 or a stacked DataBar as
/// DataBar, so the comparison is by family. Must match `FAMILY` in scripts/zxing_bench.py.
pub fn family(format: &str) -> String {
    let key: String = format
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "ean13" | "ean8" | "upca" | "upce" => "EAN/UPC",
        // Companion reports DataBar Limited as DataBar (same data: a GTIN).
        "databar" | "databaromni" | "databarstk" | "databarstkomni" | "databarltd"
        | "databarlimited" => "DataBar",
        "databarexp" | "databarexpstk" | "databarexpanded" => "DataBarExp",
        "itf" | "itf14" => "ITF",
        "code128" => "Code128",
        "code39" => "Code39",
        "qrcode" => "QRCode",
        "datamatrix" => "DataMatrix",
        "pdf417" => "PDF417",
        "aztec" => "Aztec",
        _ => return format.to_string(),
    }
    .to_string()
}

/// The GTIN-14s an EAN/UPC text can stand for: main symbol of 8, 12 or 13 digits with a
/// valid check digit, optionally followed by a 2- or 5-digit add-on.
fn ean_mains(text: &str) -> Vec<String> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for addon in [0, 2, 5] {
        let Some(main) = text.len().checked_sub(addon).map(|n| &text[..n]) else {
            continue;
        };
        if let Some(gtin) = crate::gs1::normalize_gtin(main) {
            out.push(gtin);
        }
    }
    out
}

/// An EAN/UPC read whose main symbol is an expected code's and only the add-on differs
/// (read on one side, not on the other) is the right item, not a misread; it still counts
/// against fp_frames under the README's scoring.
fn same_item_other_addon(frame: &ManifestFrame, text: &str) -> bool {
    let mains = ean_mains(text);
    !mains.is_empty()
        && frame.expected.iter().any(|e| {
            std::iter::once(&e.text)
                .chain(e.text_raw.as_ref())
                .chain(&e.alt_texts)
                .flat_map(|t| ean_mains(t))
                .any(|g| mains.contains(&g))
        })
}

/// Scores one frame from decoded (text, format name) pairs: [`score_frame`] plus misreads
/// and the per-symbology tally.
pub fn score_frame_codes(
    frame: &ManifestFrame,
    decoded: &[(String, String)],
    decode_ms: f64,
) -> FrameScore {
    let texts: Vec<String> = decoded.iter().map(|(t, _)| t.clone()).collect();
    let mut score = score_frame(frame, &texts, decode_ms);
    for (text, format) in decoded {
        if frame.expected.iter().any(|e| e.matches(text)) {
            continue;
        }
        let fam = family(format);
        if let Some(e) = frame.expected.iter().find(|e| family(&e.format) == fam)
            && !score.misreads.iter().any(|(t, _)| t == text)
            && !same_item_other_addon(frame, text)
        {
            score.misreads.push((text.clone(), e.format.clone()));
        }
    }
    score
}

/// Scores the decoded texts of one frame.
pub fn score_frame(frame: &ManifestFrame, decoded: &[String], decode_ms: f64) -> FrameScore {
    let found = frame
        .expected
        .iter()
        .filter(|e| decoded.iter().any(|d| e.matches(d)))
        .count();
    let mut false_positives: Vec<String> = decoded
        .iter()
        .filter(|d| !frame.expected.iter().any(|e| e.matches(d)))
        .cloned()
        .collect();
    false_positives.sort();
    false_positives.dedup();
    let per_code = frame
        .expected
        .iter()
        .map(|e| (e.format.clone(), decoded.iter().any(|d| e.matches(d))))
        .collect();
    FrameScore {
        expected: frame.expected.len(),
        found,
        false_positives,
        misreads: Vec::new(),
        per_code,
        decode_ms,
    }
}

/// The summary printed by `companion bench scan`.
#[derive(Debug, Clone, Default)]
pub struct BenchSummary {
    pub frames: usize,
    /// Images that could not be loaded or decoded (reported, skipped).
    pub bad_images: usize,
    pub codes_expected: usize,
    pub codes_found: usize,
    pub fp_frames: usize,
    pub misreads: usize,
    /// Manifest format -> (expected, found, misreads).
    pub per_symbology: std::collections::BTreeMap<String, (usize, usize, usize)>,
    pub median_ms_720: f64,
    pub p95_ms_720: f64,
    pub median_ms_1080: f64,
    pub p95_ms_1080: f64,
    pub median_ms_empty: f64,
    pub median_ms_all: f64,
}

impl BenchSummary {
    pub fn from_scores(frames: &[(&ManifestFrame, FrameScore)]) -> Self {
        let times = |pred: &dyn Fn(&ManifestFrame) -> bool| -> Vec<f64> {
            frames
                .iter()
                .filter(|(f, _)| pred(f))
                .map(|(_, s)| s.decode_ms)
                .collect()
        };
        let t720 = times(&|f| f.height < 1000);
        let t1080 = times(&|f| f.height >= 1000);
        let empty = times(&|f| f.expected.is_empty());
        let all = times(&|_| true);
        let mut per_symbology = std::collections::BTreeMap::new();
        for (_, score) in frames {
            for (format, found) in &score.per_code {
                let entry = per_symbology.entry(format.clone()).or_insert((0, 0, 0));
                entry.0 += 1;
                entry.1 += usize::from(*found);
            }
            for (_, format) in &score.misreads {
                per_symbology.entry(format.clone()).or_insert((0, 0, 0)).2 += 1;
            }
        }
        Self {
            frames: frames.len(),
            bad_images: 0,
            misreads: frames.iter().map(|(_, s)| s.misreads.len()).sum(),
            per_symbology,
            codes_expected: frames.iter().map(|(_, s)| s.expected).sum(),
            codes_found: frames.iter().map(|(_, s)| s.found).sum(),
            fp_frames: frames
                .iter()
                .filter(|(_, s)| !s.false_positives.is_empty())
                .count(),
            median_ms_720: percentile(&t720, 0.5),
            p95_ms_720: percentile(&t720, 0.95),
            median_ms_1080: percentile(&t1080, 0.5),
            p95_ms_1080: percentile(&t1080, 0.95),
            median_ms_empty: percentile(&empty, 0.5),
            median_ms_all: percentile(&all, 0.5),
        }
    }

    /// The `key=value` lines, in the same order as scripts/zxing_bench.py.
    pub fn to_lines(&self) -> String {
        let mut out = format!(
            "frames={}\nbad_images={}\ncodes_expected={}\ncodes_found={}\nfp_frames={}\nmisreads={}\nmedian_ms_720={:.1}\np95_ms_720={:.1}\nmedian_ms_1080={:.1}\np95_ms_1080={:.1}\nmedian_ms_empty={:.1}\nmedian_ms_all={:.1}\n",
            self.frames,
            self.bad_images,
            self.codes_expected,
            self.codes_found,
            self.fp_frames,
            self.misreads,
            self.median_ms_720,
            self.p95_ms_720,
            self.median_ms_1080,
            self.p95_ms_1080,
            self.median_ms_empty,
            self.median_ms_all
        );
        for (name, (expected, found, misreads)) in &self.per_symbology {
            out.push_str(&format!(
                "symbology={name} expected={expected} found={found} misreads={misreads}\n"
            ));
        }
        out
    }
}

/// Median (q=0.5, mean of the middle two) or nearest-rank percentile, as the Python peer
/// script computes them.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if (q - 0.5).abs() < f64::EPSILON {
        let n = sorted.len();
        return if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
    }
    let idx = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// The repository's synthetic camera-frame fixtures (`<workspace>/fixtures/barcode-frames`),
/// if its manifest is there.
pub fn dev_frames_dir(workspace_root: &Path) -> Option<std::path::PathBuf> {
    let dir = workspace_root.join("fixtures").join("barcode-frames");
    dir.join("manifest.json").is_file().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_follows_the_readme() {
        let frame = ManifestFrame {
            file: "x.png".into(),
            width: 1280,
            height: 720,
            expected: vec![ExpectedCode {
                format: "EAN13".into(),
                text: "0036000291452".into(),
                text_raw: Some("0036000291452".into()),
                alt_texts: vec!["036000291452".into()],
                quad: vec![],
            }],
        };
        let score = score_frame(&frame, &["036000291452".into(), "999".into()], 1.0);
        assert_eq!(score.found, 1);
        assert_eq!(score.false_positives, vec!["999".to_string()]);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    }
}
