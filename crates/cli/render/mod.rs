//! Renderers: one module per output format.

pub mod formats;
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

/// A one-line progress counter on stderr (done / total, percent, rate), only when stderr
/// is a terminal: a hook's or CI's log stays clean.
pub struct Progress {
    label: &'static str,
    enabled: bool,
    started: std::time::Instant,
}

impl Progress {
    pub fn new(style: &Style, label: &'static str) -> Progress {
        let _ = style;
        Progress {
            label,
            enabled: std::io::stderr().is_terminal(),
            started: std::time::Instant::now(),
        }
    }

    pub fn update(&self, done: usize, total: usize) {
        if self.enabled {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            let percent = (done * 100).checked_div(total).unwrap_or(100);
            eprint!(
                "\r\x1b[2K{}: {done}/{total} objects ({percent}%), {:.0}/s",
                self.label,
                done as f64 / secs
            );
        }
    }

    pub fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Renders `report` in `format` (the one place every command goes through).
pub fn render(
    format: crate::args::Format,
    report: &scopecheck_core::Report,
    origin: &scopecheck_core::Origin,
    policy: &str,
    style: &Style,
) -> String {
    use crate::args::Format;
    match format {
        Format::Human => human::report(report, policy, style),
        Format::Json => json::report(report, origin, policy),
        Format::Sarif => formats::sarif(report),
        Format::Junit => formats::junit(report),
        Format::Github => formats::github(report),
        Format::Markdown => formats::markdown(report, policy),
    }
}

/// Prints the report: to stdout in `format`, or, with `--output FILE`, the format to the
/// file and the human report to stdout (so a pipeline log stays readable).
pub fn emit(
    format: crate::args::Format,
    output: Option<&std::path::Path>,
    report: &scopecheck_core::Report,
    origin: &scopecheck_core::Origin,
    policy: &str,
    style: &Style,
) -> Result<(), crate::error::CliError> {
    match output {
        None => print!("{}", render(format, report, origin, policy, style)),
        Some(path) => {
            crate::cmd::write_atomic(
                path,
                render(format, report, origin, policy, style).as_bytes(),
            )?;
            print!("{}", human::report(report, policy, style));
        }
    }
    Ok(())
}
