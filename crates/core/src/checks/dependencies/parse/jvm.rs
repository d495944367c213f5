//! JVM: Maven pom.xml, Gradle build scripts and version catalogs.

use super::*;

pub(super) fn pom(text: &str) -> Result<Vec<Dep>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    // One (groupId, artifactId, version) per open element naming an artifact Maven
    // downloads: a dependency, a build plugin (whose own <dependencies> nest inside it), a
    // build extension, the parent POM (inherited configuration, plugins and repositories).
    let mut frames: Vec<[String; 3]> = Vec::new();
    let coordinate = |n: &str| matches!(n, "dependency" | "plugin" | "extension" | "parent");
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?
        {
            Event::Start(e) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                if coordinate(&name) {
                    frames.push(Default::default());
                }
                stack.push(name);
            }
            Event::End(e) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                stack.pop();
                if !coordinate(&name) {
                    continue;
                }
                let Some([mut group, artifact, version]) = frames.pop() else {
                    continue;
                };
                if artifact.is_empty() {
                    continue;
                }
                // Maven's own plugins may leave their group out.
                if group.is_empty() && name == "plugin" {
                    group = "org.apache.maven.plugins".to_owned();
                }
                out.push(dep(
                    "maven",
                    &format!("{group}:{artifact}"),
                    &version,
                    "registry",
                    true,
                ));
            }
            Event::Text(t) => {
                let value = AsRef::<str>::as_ref(&t).trim().to_owned();
                let in_coordinate = stack.iter().rev().nth(1).is_some_and(|p| coordinate(p));
                let slot = match stack.last().map(String::as_str) {
                    Some("groupId") => 0,
                    Some("artifactId") => 1,
                    Some("version") => 2,
                    _ => continue,
                };
                if let Some(frame) = frames.last_mut().filter(|_| in_coordinate) {
                    frame[slot] = value;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

pub(super) fn gradle(text: &str) -> Vec<Dep> {
    // `implementation "g:a:v"`, `api("g:a:v")`, `testImplementation 'g:a:v'`,
    // `implementation(libs.foo)` (catalog aliases are reported by the catalog).
    const CONFIGS: &[&str] = &[
        "implementation",
        "api",
        "compileOnly",
        "runtimeOnly",
        "testImplementation",
        "testRuntimeOnly",
        "testCompileOnly",
        "androidTestImplementation",
        "kapt",
        "ksp",
        "annotationProcessor",
        "classpath",
        "compile",
        "testCompile",
        "debugImplementation",
        "releaseImplementation",
    ];
    let mut out = Vec::new();
    let mut in_plugins = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("plugins") && line.contains('{') {
            in_plugins = !line.contains('}');
            if let Some(p) = gradle_plugin(line.split_once('{').map_or("", |(_, r)| r)) {
                out.push(p);
            }
            continue;
        }
        if in_plugins {
            if line.starts_with('}') {
                in_plugins = false;
            } else if let Some(p) = gradle_plugin(line) {
                out.push(p);
            }
            continue;
        }
        if let Some(id) = line
            .strip_prefix("apply plugin:")
            .map(|r| r.trim().trim_matches(|c| c == '"' || c == '\''))
        {
            if id.contains('.') {
                out.push(dep("gradle-plugin", id, "", "registry", true));
            }
            continue;
        }
        // Any configuration, a plugin's own included (`checkstyle`, `detekt`,
        // `errorprone`): the word, then a quoted `group:artifact:version`. Unknown words
        // need the full three-part coordinate with a dotted group, so a task argument
        // like `println "a:b"` is not taken for a package.
        let word_len = line
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if word_len == 0 {
            continue;
        }
        let (word, rest) = line.split_at(word_len);
        if !rest.starts_with([' ', '(', '\t']) {
            continue;
        }
        let known = CONFIGS.contains(&word);
        let rest = rest.trim_start_matches([' ', '(', '\t']);
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let inner = &rest[1..];
        let Some(end) = inner.find(quote) else {
            continue;
        };
        let coord = &inner[..end];
        let parts: Vec<&str> = coord.split(':').collect();
        let plausible = parts.len() >= 2
            && parts[..2].iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            });
        if plausible && (known || (parts.len() >= 3 && parts[0].contains('.'))) {
            out.push(dep(
                "maven",
                &format!("{}:{}", parts[0], parts[1]),
                parts.get(2).copied().unwrap_or(""),
                "registry",
                true,
            ));
        }
    }
    out
}

/// One entry of a `plugins {}` block: `id "x.y" version "1"`, `id("x.y") version "1"`,
/// `kotlin("jvm") version "1.9.0"`. Gradle's core plugins (`java`, `application`:
/// no dot, no version) ship with Gradle and are not packages.
pub(super) fn gradle_plugin(line: &str) -> Option<Dep> {
    let line = line.trim().trim_end_matches('}').trim();
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim_start_matches(['(', ' ']);
        let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &s[1..];
        Some(inner[..inner.find(q)?].to_owned())
    };
    let (id, rest) = if let Some(r) = line.strip_prefix("id") {
        let id = quoted(r)?;
        let after = r.find(&id).map_or("", |i| &r[i + id.len() + 1..]);
        (id, after)
    } else if let Some(r) = line.strip_prefix("kotlin(") {
        let module = quoted(r)?;
        let after = r.find(&module).map_or("", |i| &r[i + module.len() + 1..]);
        (format!("org.jetbrains.kotlin.{module}"), after)
    } else {
        return None;
    };
    let version = rest
        .find("version")
        .and_then(|i| quoted(rest[i + "version".len()..].trim_start()))
        .unwrap_or_default();
    (id.contains('.') || !version.is_empty())
        .then(|| dep("gradle-plugin", &id, &version, "registry", true))
}

pub(super) fn version_catalog(text: &str) -> Result<Vec<Dep>, String> {
    let v = toml_of(text)?;
    let versions = v.get("versions").and_then(Toml::as_table);
    let mut out = Vec::new();
    for lib in v
        .get("libraries")
        .and_then(Toml::as_table)
        .into_iter()
        .flat_map(|t| t.values())
    {
        let (name, version) = match lib {
            Toml::String(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                if parts.len() < 2 {
                    continue;
                }
                (
                    format!("{}:{}", parts[0], parts[1]),
                    parts.get(2).copied().unwrap_or("").to_owned(),
                )
            }
            Toml::Table(t) => {
                let name = match (
                    t.get("module").and_then(Toml::as_str),
                    t.get("group").and_then(Toml::as_str),
                    t.get("name").and_then(Toml::as_str),
                ) {
                    (Some(m), _, _) => m.to_owned(),
                    (None, Some(g), Some(n)) => format!("{g}:{n}"),
                    _ => continue,
                };
                let version = match t.get("version") {
                    Some(Toml::String(s)) => s.clone(),
                    Some(Toml::Table(vt)) => vt
                        .get("ref")
                        .and_then(Toml::as_str)
                        .and_then(|r| versions.and_then(|vs| vs.get(r)).and_then(Toml::as_str))
                        .unwrap_or("")
                        .to_owned(),
                    _ => String::new(),
                };
                (name, version)
            }
            _ => continue,
        };
        out.push(dep("maven", &name, &version, "registry", true));
    }
    Ok(out)
}
