use companion_scan::{BarcodeFormat, DecodeStrategy, FrameDecoder, LumaFrame, ScanOptions};
fn main() {
    let (w, h) = (100_000usize, 20usize);
    let mut seed = 12345u64;
    let rand: Vec<u8> = (0..w * h)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect();
    let stripes: Vec<u8> = (0..w * h)
        .map(|i| if ((i % w) / 3) % 2 == 0 { 20 } else { 230 })
        .collect();
    let flat = vec![128u8; w * h];
    for (name, data) in [("rand", &rand), ("stripes", &stripes), ("flat", &flat)] {
        for fm in [
            None,
            Some(BarcodeFormat::DataMatrix),
            Some(BarcodeFormat::Aztec),
            Some(BarcodeFormat::Code128),
            Some(BarcodeFormat::Itf),
        ] {
            let mut o = ScanOptions {
                strategy: DecodeStrategy::Thorough,
                budget_ms: 40,
                ..ScanOptions::default()
            };
            if let Some(f) = fm {
                o.formats = vec![f];
            }
            let mut d = FrameDecoder::new(o).unwrap();
            let r = d
                .decode(&LumaFrame::packed(data, w as u32, h as u32))
                .unwrap();
            println!("{name} {fm:?} {:.1} ms", r.elapsed_ms);
        }
    }
}
