//! Helm charts: the sub-charts a `Chart.yaml` depends on.

use serde::Deserialize;

use super::{dep, Dep};

#[derive(Deserialize)]
struct Chart {
    #[serde(default)]
    dependencies: Vec<ChartDep>,
}

#[derive(Deserialize)]
struct ChartDep {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    repository: String,
}

/// `dependencies:` of a Chart.yaml (Helm 3) as `helm` packages; the source is the chart
/// repository (a `file://` one is the repository's own chart).
pub(super) fn chart(text: &str) -> Result<Vec<Dep>, String> {
    let chart: Chart = super::yaml_as(text)?;
    Ok(chart
        .dependencies
        .into_iter()
        .filter(|d| !d.repository.starts_with("file://"))
        .map(|d| {
            let source = if d.repository.is_empty() {
                "registry".to_owned()
            } else {
                d.repository
            };
            dep("helm", &d.name, &d.version, &source, true)
        })
        .collect())
}
