//! Swift Package Manager: the packages `Package.resolved` pins (formats 1 to 3).

use serde_json::Value as Json;

use super::{dep, Dep};

/// Each pin as a `swift` package named by its identity (format 2+) or package name
/// (format 1), with its version, else its revision. The lockfile lists every resolved
/// package, so none is known to be direct.
pub(super) fn resolved(text: &str) -> Result<Vec<Dep>, String> {
    let v: Json = super::json_of(text)?;
    let pins = v
        .get("pins")
        .or_else(|| v.get("object").and_then(|o| o.get("pins")))
        .and_then(Json::as_array)
        .ok_or("no `pins` list")?;
    let mut out = Vec::new();
    for pin in pins {
        let s = |k: &str| pin.get(k).and_then(Json::as_str);
        let Some(name) = s("identity").or(s("package")) else {
            continue;
        };
        let state = pin.get("state");
        let st = |k: &str| state.and_then(|st| st.get(k)).and_then(Json::as_str);
        let version = st("version").or(st("revision")).unwrap_or("");
        let source = s("location").or(s("repositoryURL")).unwrap_or("registry");
        out.push(dep(
            "swift",
            &name.to_ascii_lowercase(),
            version,
            source,
            false,
        ));
    }
    Ok(out)
}
