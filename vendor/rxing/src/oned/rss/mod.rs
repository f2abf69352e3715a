pub mod expanded;

mod finder_pattern;
pub use finder_pattern::*;

mod pair;
pub use pair::*;

mod data_character;
pub use data_character::*;

pub mod rss_utils;

mod abstract_rss_reader;
pub use abstract_rss_reader::*;

mod rss_14_reader;
pub use rss_14_reader::*;
