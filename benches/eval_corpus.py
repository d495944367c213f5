#!/usr/bin/env python3
"""Recall and false-positive rate of scopecheck's secret rules on a labelled corpus.

Each JSONL row has `text`, `expect` ("match" | "nomatch"), optional `path` and `rule`.
Every row becomes one file (named by its `path`, else input.txt) in its own directory;
one `scopecheck scan --format json` run judges them all. A row counts as detected when
any secret finding (`secret/...`) lands in its file.

With --families, recall and false positives are also reported per rule family: the
built-in pack (crates/core/src/rules/<family>.toml) holding the rule that names the row's
provider (`secret/<rule>`), or `unmapped` when no built-in rule has that name.

usage: benches/eval_corpus.py [CORPUS.jsonl] [--bin target/release/scopecheck] [--misses N] [--families]
"""
import argparse, collections, json, os, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("corpus", nargs="?", default=os.path.join(os.path.dirname(__file__), "../../shared/corpora/gitleaks_cases.jsonl"))
ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "../target/release/scopecheck"))
ap.add_argument("--misses", type=int, default=0, help="print this many misses and false positives per source rule")
ap.add_argument("--families", action="store_true", help="recall and false positives per rule family")
args = ap.parse_args()

rows = [json.loads(l) for l in open(args.corpus)]
with tempfile.TemporaryDirectory() as tmp:
    for i, r in enumerate(rows):
        d = os.path.join(tmp, f"case{i:05d}")
        os.makedirs(d)
        name = os.path.basename(r.get("path") or "input.txt") or "input.txt"
        with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(r["text"])
    out = subprocess.run([args.bin, "scan", tmp, "--format", "json", "--no-ignore", "--default-policy"],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"scopecheck failed ({out.returncode}):\n{out.stderr}")
    report = json.loads(out.stdout)

hits = collections.defaultdict(set)
for f in report["findings"]:
    if f["rule"].startswith("secret/"):
        hits[int(f["path"].split("/")[0][4:])].add(f["rule"])

tp = fn = fp = tn = 0
fp_same_rule = 0
per_rule = collections.defaultdict(lambda: [0, 0, 0, 0])  # tp fn fp tn
for i, r in enumerate(rows):
    found = bool(hits.get(i))
    k = r.get("rule", "?")
    if r["expect"] == "match":
        if found: tp += 1; per_rule[k][0] += 1
        else: fn += 1; per_rule[k][1] += 1
    else:
        if found: fp += 1; per_rule[k][2] += 1
        else: tn += 1; per_rule[k][3] += 1
        # Rule-aware: the row's own rule (same name) or a generic rule fired.
        if any(h == "secret/" + k or h.startswith("secret/generic-") for h in hits.get(i, ())):
            fp_same_rule += 1

if args.misses:
    shown = collections.Counter()
    for i, r in enumerate(rows):
        k = r.get("rule", "?")
        bad = (r["expect"] == "match") != bool(hits.get(i))
        if bad and shown[k] < args.misses:
            shown[k] += 1
            kind = "MISS" if r["expect"] == "match" else "FP  "
            print(f"{kind} [{k}] {sorted(hits.get(i, []))} {r['text'][:160]!r}")
    print()
    for k, (a, b, c, d) in sorted(per_rule.items(), key=lambda x: -(x[1][1] + x[1][2])):
        if b or c:
            print(f"  {k}: missed {b}/{a + b}, false positives {c}/{c + d}")

print(f"recall: {tp}/{tp + fn} = {100 * tp / max(1, tp + fn):.1f}%")
print(f"false-positive rate (any secret finding): {fp}/{fp + tn} = {100 * fp / max(1, fp + tn):.1f}%")
print(f"false-positive rate (the row's own rule or a generic rule): {fp_same_rule}/{fp + tn} = {100 * fp_same_rule / max(1, fp + tn):.1f}%")

if args.families:
    import glob, re
    family_of = {}
    rules_dir = os.path.join(os.path.dirname(__file__), "../crates/core/src/rules")
    for pack in sorted(glob.glob(os.path.join(rules_dir, "*.toml"))):
        fam = os.path.basename(pack)[:-5]
        for m in re.finditer(r'^id = "secret/([^"]+)"', open(pack).read(), re.M):
            family_of[m.group(1)] = fam
    fam = collections.defaultdict(lambda: [0, 0, 0, 0])
    for k, counts in per_rule.items():
        f = family_of.get(k, "unmapped")
        for j in range(4):
            fam[f][j] += counts[j]
    print()
    print("| family | recall | false positives |")
    print("|---|---|---|")
    for f, (a, b, c, d) in sorted(fam.items()):
        recall = f"{a}/{a + b} = {100 * a / (a + b):.1f}%" if a + b else "-"
        fps = f"{c}/{c + d}" if c + d else "-"
        print(f"| {f} | {recall} | {fps} |")

