use super::*;

/// Every built-in rule matches each of its examples and none of its negative examples,
/// through the full scanner (keyword prefilter, windows, filters).
#[test]
fn every_rule_matches_its_examples_and_not_its_negatives() {
    let scanner = builtin_scanner();
    let mut failures = Vec::new();
    for (i, rule) in scanner.rules().iter().enumerate() {
        assert!(!rule.examples.is_empty(), "{} has no examples", rule.id);
        assert!(
            !rule.negative_examples.is_empty(),
            "{} has no negative examples",
            rule.id
        );
        let path = rule_test_path(rule);
        for ex in &rule.examples {
            if !scanner
                .scan_all(ex.as_bytes(), path)
                .iter()
                .any(|m| m.rule == i)
            {
                failures.push(format!("{}: example not matched: {ex:?}", rule.id));
            }
        }
        for neg in &rule.negative_examples {
            if scanner
                .scan_all(neg.as_bytes(), path)
                .iter()
                .any(|m| m.rule == i)
            {
                failures.push(format!("{}: negative example matched: {neg:?}", rule.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rules restricted to some paths are tested on a path they accept.
fn rule_test_path(rule: &SecretRule) -> Option<&'static str> {
    [
        "nuget.config",
        "settings.xml",
        "gradle.properties",
        "build.gradle",
        "main.tf",
        "config.php",
        "76561198000000000.maFile",
        "conf/buildAgent.properties",
        ".carbonblack/credentials.cbc",
    ]
    .into_iter()
    .find(|p| rule.applies_to(Some(p)))
}

/// build.rs turns the packs into code; the TOML parser custom rules go through must
/// read the same rules from them, field for field and in the same order.
#[test]
fn generated_packs_equal_the_parsed_toml() {
    let mut parsed = Vec::new();
    for (name, text) in spec::PACKS {
        let pack: spec::Pack = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        parsed.extend(pack.rule);
    }
    let generated = builtin_specs();
    assert_eq!(generated.len(), parsed.len());
    for (g, p) in generated.iter().zip(&parsed) {
        assert_eq!(g, p, "rule {}", p.id.get_ref());
    }
}

#[test]
fn every_builtin_rule_compiles_with_validation() {
    for spec in builtin_specs() {
        if let Err(e) = SecretRule::compile(spec) {
            panic!("{}: {}", e.id, e.message);
        }
    }
}

#[test]
fn there_are_at_least_500_rules_with_unique_ids() {
    let specs = builtin_specs();
    assert!(specs.len() >= 500, "only {} rules", specs.len());
    let mut ids: Vec<&str> = specs.iter().map(|s| s.id.get_ref().as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate rule ids");
}

#[test]
fn entropy_is_bits_per_byte() {
    assert_eq!(shannon_entropy(b""), 0.0);
    assert_eq!(shannon_entropy(b"aaaa"), 0.0);
    assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
}

#[test]
fn line_index_counts_lines_from_offsets() {
    let data = b"a\nbb\n\nccc";
    let mut idx = LineIndex::new(data);
    assert_eq!(idx.locate(0), (1, 0));
    assert_eq!(idx.locate(3), (2, 2));
    assert_eq!(idx.locate(7), (4, 6));
    // Going backwards restarts rather than miscounting.
    assert_eq!(idx.locate(2), (2, 2));
}

#[test]
fn no_panic_on_arbitrary_bytes() {
    let scanner = builtin_scanner();
    let mut data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    data.extend_from_slice(b"\xff\xfeghp_\x00AKIA\xc3\x28token=\xe2\x82");
    let _ = scanner.scan(&data, Some("x"));
    let _ = scanner.scan(b"", None);
    let _ = scanner.scan(b"-----BEGIN", None);
}

/// Scanning only near some lines finds exactly the secrets a whole-file scan finds that
/// touch those lines: every rule's examples are laid out in a large file between filler
/// lines (multi-line keys included), and each example's line, plus lines far from any
/// example, is taken in turn as "the added line".
#[test]
fn scanning_near_added_lines_equals_the_whole_scan_restricted_to_them() {
    let scanner = builtin_scanner();
    let mut data = Vec::new();
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    let mut push_line = |data: &mut Vec<u8>, text: &[u8]| {
        let start = data.len();
        data.extend_from_slice(text);
        lines.push(start..data.len());
        data.push(b'\n');
    };
    for (i, rule) in scanner.rules().iter().enumerate() {
        if !rule.applies_to(None) {
            continue;
        }
        for ex in &rule.examples {
            for l in ex.as_bytes().split(|&b| b == b'\n') {
                push_line(&mut data, l);
            }
            // Filler of varying length, some of it longer than a window.
            for f in 0..(i % 7) * 9 {
                push_line(
                    &mut data,
                    format!("static int filler_{i}_{f}(void) {{ return {f}; }}").as_bytes(),
                );
            }
        }
    }
    let whole = scanner.scan(&data, None);
    assert!(
        whole.len() > 100,
        "the layout should hold many secrets, not {}",
        whole.len()
    );
    for (n, line) in lines.iter().enumerate() {
        let has_secret = whole
            .iter()
            .any(|m| m.secret.start < line.end + 1 && m.secret.end > line.start);
        // Every line with a secret, and a sample of the others.
        if !has_secret && n % 16 != 0 {
            continue;
        }
        let added = line.start..line.end.max(line.start + 1);
        let near = std::slice::from_ref(&added);
        let mut expect: Vec<_> = whole
            .iter()
            .filter(|m| m.secret.start < near[0].end && m.secret.end > near[0].start)
            .cloned()
            .collect();
        let mut got: Vec<_> = scanner
            .scan_near(&data, near, None)
            .into_iter()
            .filter(|m| m.secret.start < near[0].end && m.secret.end > near[0].start)
            .collect();
        expect.sort_by_key(|m| (m.secret.start, m.rule));
        got.sort_by_key(|m| (m.secret.start, m.rule));
        assert_eq!(
            got,
            expect,
            "line {n}: {:?}",
            String::from_utf8_lossy(&data[line.clone()])
        );
    }
}

/// A multi-line rule with a `span` looks that far from its keyword and no farther, and
/// a `span` out of place or out of bounds is an error.
#[test]
fn span_bounds_how_far_a_multiline_rule_reaches() {
    let pack = |extra: &str| -> spec::Pack {
        toml::from_str(&format!(
            "[[rule]]\nid = \"t/cmd\"\nname = \"cmd\"\nkeywords = [\"deploy-cmd\"]\n\
             regex = '''deploy-cmd(?:[^\\n]|\\\\\\n)*?--token=(?P<secret>[a-z]{{24}})'''\n{extra}\n"
        ))
        .unwrap_or_else(|e| panic!("{extra}: {e}"))
    };
    for (extra, why) in [
        ("span = 1024", "for `multiline` rules"),
        ("multiline = true\nspan = 10", "64 to 65536"),
        ("multiline = true\nspan = 100000", "64 to 65536"),
    ] {
        match SecretRule::compile(&pack(extra).rule[0]) {
            Ok(_) => panic!("{extra} compiled"),
            Err(e) => assert!(e.message.contains(why), "{extra}: {}", e.message),
        }
    }
    let scanner = |extra: &str| {
        let rule =
            SecretRule::compile(&pack(extra).rule[0]).unwrap_or_else(|e| panic!("{}", e.message));
        Scanner::new(vec![rule])
    };
    let short = scanner("multiline = true\nspan = 256");
    let long = scanner("multiline = true");
    let command = |lines: usize| {
        let mut text = String::from("#!/bin/sh\ndeploy-cmd \\\n");
        for i in 0..lines {
            text.push_str(&format!("  --option-number-{i}=some-value \\\n"));
        }
        let token = text.len() + 10;
        text.push_str("  --token=qzkxwmvjrtplbnhcgfdyeusa\necho done\n");
        (text, token)
    };
    // The token three lines down: both find it, from the whole file or from its line.
    let (text, token) = command(3);
    for s in [&short, &long] {
        assert_eq!(s.scan(text.as_bytes(), None).len(), 1);
        let near = token..token + 24;
        let near = std::slice::from_ref(&near);
        assert_eq!(s.scan_near(text.as_bytes(), near, None).len(), 1);
    }
    // Forty lines down, past 256 bytes: only the default 16 KiB reach gets there.
    let (text, token) = command(40);
    let near = token..token + 24;
    let near = std::slice::from_ref(&near);
    assert_eq!(long.scan_near(text.as_bytes(), near, None).len(), 1);
    assert!(short.scan(text.as_bytes(), None).is_empty());
    assert!(short.scan_near(text.as_bytes(), near, None).is_empty());
}

/// The keyword index build.rs made for the built-in rules is the one the scanner would
/// make from them at run time (same keywords, same lower-casing, same order).
#[test]
fn the_built_in_keyword_index_is_the_run_time_one() {
    let rules: Vec<SecretRule> = super::builtin_rules().collect();
    let lists: Vec<&[std::borrow::Cow<'static, str>]> =
        rules.iter().map(|r| &r.keywords[..]).collect();
    let at_run_time = super::keyword_index::build(&lists);
    assert_eq!(super::spec::builtin_keyword_index(), at_run_time);
    assert!(at_run_time.keywords.len() > 1000);
}
