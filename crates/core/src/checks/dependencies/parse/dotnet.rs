//! .NET: project files and packages.lock.json.

use super::*;

pub(super) fn csproj(text: &str) -> Result<Vec<Dep>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    let mut in_version = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?
        {
            Event::Start(e) | Event::Empty(e)
                if AsRef::<str>::as_ref(&e.name()) == "PackageReference" =>
            {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| AsRef::<str>::as_ref(&a.key) == k)
                        .map(|a| a.value.to_string())
                };
                let name = attr("Include")
                    .or_else(|| attr("Update"))
                    .unwrap_or_default();
                let version = attr("Version").unwrap_or_default();
                if !name.is_empty() {
                    out.push(dep("nuget", &name, &version, "registry", true));
                    open = Some((name, version));
                }
            }
            Event::Start(e) if AsRef::<str>::as_ref(&e.name()) == "Version" && open.is_some() => {
                in_version = true
            }
            Event::Text(t) if in_version => {
                if let Some(last) = out.last_mut() {
                    last.version = AsRef::<str>::as_ref(&t).trim().to_owned();
                }
            }
            Event::End(e) if AsRef::<str>::as_ref(&e.name()) == "Version" => in_version = false,
            Event::End(e) if AsRef::<str>::as_ref(&e.name()) == "PackageReference" => open = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

pub(super) fn nuget_lock(text: &str) -> Result<Vec<Dep>, String> {
    let v = json_of(text)?;
    let mut out = Vec::new();
    // The same package under several target frameworks is one package.
    let mut seen = std::collections::HashSet::new();
    for framework in v
        .get("dependencies")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for (name, p) in framework.as_object().into_iter().flatten() {
            let kind = p.get("type").and_then(Json::as_str).unwrap_or("");
            if kind == "Project" {
                continue;
            }
            let version = p.get("resolved").and_then(Json::as_str).unwrap_or("");
            if seen.insert((name.as_str(), version)) {
                out.push(dep("nuget", name, version, "registry", false));
            }
        }
    }
    Ok(out)
}
