//! Renderers: one module per output format.

pub mod human;
pub mod json;

use std::io::IsTerminal;

use crate::args::ColorChoice;

/// How human output looks.
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    pub fn detect(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Style { color }
    }
}
