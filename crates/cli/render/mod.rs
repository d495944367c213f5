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

/// A one-line progress counter on stderr, only when stderr is a terminal.
pub struct Progress {
    label: &'static str,
    enabled: bool,
}

impl Progress {
    pub fn new(style: &Style, label: &'static str) -> Progress {
        let _ = style;
        Progress {
            label,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    pub fn update(&self, done: usize, total: usize) {
        if self.enabled {
            eprint!("\r{}: {done}/{total}", self.label);
        }
    }

    pub fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}
