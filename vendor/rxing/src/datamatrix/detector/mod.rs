mod datamatrix_detector;
mod datamatrix_result;
pub use datamatrix_detector::*;
pub use datamatrix_result::*;
pub mod zxing_cpp_detector;
