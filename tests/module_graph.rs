//! The module graph points one way: no module of `src/` uses a sibling that
//! uses it back (directly or through a longer loop), at any level of the
//! tree (`db` and `maintenance`, `codec::choose` and `codec::dict`).
//!
//! The graph is read from the source: every `use` tree and every inline
//! `crate::`/`super::`/`self::` path, resolved to the deepest module it
//! names. An edge joins the two children of the paths' closest common
//! ancestor (so `db::open -> maintenance::rewrite` is `db -> maintenance`,
//! `codec::dict -> codec::bits` is `dict -> bits`); a module using its own
//! parent or child is not an edge. Unit tests are left out: a file's
//! `#[cfg(test)] mod` at column 0 and everything after it (the tests sit at
//! the bottom of each file in this tree) and files named `tests.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type ModPath = Vec<String>;

/// Every module file under `src/`, keyed by its module path.
fn modules(src: &Path) -> BTreeMap<ModPath, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut segs: ModPath = rel.iter().map(|s| s.to_str().unwrap().to_owned()).collect();
            match segs.last().map(String::as_str) {
                Some("lib") if segs.len() == 1 => segs.clear(),
                Some("mod") => {
                    segs.pop();
                }
                Some("tests") => continue,
                _ => {}
            }
            out.insert(segs, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The source without comments and without the trailing unit-test module.
fn non_test_code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut code = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("#[cfg(test)]") {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty() && !l.starts_with("#["));
            if next.is_some_and(|l| l.starts_with("mod ") || l.starts_with("pub(crate) mod ")) {
                break;
            }
        }
        let line = line.split("//").next().unwrap();
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Expands a `use` tree (`crate::{a::X, b::{Y, Z}}`) into its paths.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Some(open) = tree.find('{') else {
        let mut p = prefix.clone();
        p.extend(
            tree.split("::").filter(|s| !s.is_empty()).map(|s| s.split(" as ").next().unwrap().to_owned()),
        );
        out.push(p);
        return;
    };
    let head: Vec<String> = tree[..open].split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let (mut depth, mut start) = (0, 0);
    let mut parts = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let n = prefix.len();
    prefix.extend(head);
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        expand_into(part, prefix, out);
    }
    prefix.truncate(n);
}

/// Resolves a path written in module `at` to the deepest known module it
/// names; `None` for paths outside the crate.
fn resolve(at: &ModPath, path: &[String], known: &BTreeSet<ModPath>) -> Option<ModPath> {
    let (mut base, rest) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (at.clone(), &path[1..]),
        Some("super") => {
            let mut base = at.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some(first) => {
            let mut child = at.clone();
            child.push(first.to_owned());
            if !known.contains(&child) {
                return None;
            }
            (at.clone(), path)
        }
        None => return None,
    };
    for seg in rest {
        base.push(seg.clone());
        if !known.contains(&base) {
            base.pop();
            break;
        }
    }
    Some(base)
}

/// The module paths one file refers to.
fn references(at: &ModPath, code: &str, known: &BTreeSet<ModPath>) -> BTreeSet<ModPath> {
    let mut paths: Vec<Vec<String>> = Vec::new();
    // `use` trees, which may be relative to the current module.
    for stmt in code.split(';') {
        let s = stmt.trim_start();
        let s = s.strip_prefix("pub(crate) ").or_else(|| s.strip_prefix("pub ")).unwrap_or(s);
        if let Some(tree) = s.strip_prefix("use ") {
            paths.extend(expand_use(tree));
        }
    }
    // Inline paths anywhere in the code.
    for anchor in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(anchor) {
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
                continue;
            }
            let tail: String =
                code[i..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            paths.push(tail.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect());
        }
    }
    paths.iter().filter_map(|p| resolve(at, p, known)).collect()
}

/// Edges between sibling modules, grouped by their common parent.
fn sibling_edges(mods: &BTreeMap<ModPath, String>) -> BTreeMap<ModPath, BTreeSet<(String, String)>> {
    let known: BTreeSet<ModPath> = mods.keys().cloned().collect();
    let mut groups: BTreeMap<ModPath, BTreeSet<(String, String)>> = BTreeMap::new();
    for (at, text) in mods {
        for target in references(at, &non_test_code(text), &known) {
            let common = at.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < at.len() && common < target.len() {
                groups
                    .entry(at[..common].to_vec())
                    .or_default()
                    .insert((at[common].clone(), target[common].clone()));
            }
        }
    }
    groups
}

/// A loop in `edges`, if there is one.
fn find_cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        adj.entry(a).or_default().push(b);
    }
    fn visit<'a>(
        n: &'a str,
        adj: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|m| *m == n).unwrap();
                let mut cycle: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(n.to_owned());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        path.push(n);
        for next in adj.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, adj, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    let nodes: Vec<&str> = adj.keys().copied().collect();
    nodes.into_iter().find_map(|n| visit(n, &adj, &mut state, &mut Vec::new()))
}

#[test]
fn no_module_uses_a_sibling_that_uses_it_back() {
    let mods = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(mods.len() > 40, "found only {} modules", mods.len());
    let groups = sibling_edges(&mods);
    // The graph of the top level, for the record (`cargo test -- --nocapture`).
    let top = &groups[&Vec::new()];
    let mut by_module: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in top {
        by_module.entry(a).or_default().push(b);
    }
    for (a, bs) in &by_module {
        println!("{a} -> {}", bs.join(" "));
    }
    // The check must see the edges it claims to check.
    assert!(top.contains(&("db".into(), "wal".into())), "{top:?}");
    assert!(groups[&vec!["codec".to_owned()]].iter().any(|(a, _)| a == "choose"));
    let cycles: Vec<String> = groups
        .iter()
        .filter_map(|(parent, edges)| {
            find_cycle(edges).map(|c| format!("in crate::{}: {}", parent.join("::"), c.join(" -> ")))
        })
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn use_trees_and_relative_paths_resolve() {
    let known: BTreeSet<ModPath> =
        [vec![], vec!["codec"], vec!["codec", "dict"], vec!["codec", "bits"], vec!["db"]]
            .into_iter()
            .map(|v| v.into_iter().map(str::to_owned).collect())
            .collect();
    let at: ModPath = vec!["codec".into(), "dict".into()];
    let code = "use super::{bits::{Cursor, pool}, Level};\nuse std::io;\nfn f() { crate::db::x(); }\n";
    let refs = references(&at, code, &known);
    let names: BTreeSet<String> = refs.iter().map(|p| p.join("::")).collect();
    assert_eq!(names, ["codec", "codec::bits", "db"].into_iter().map(str::to_owned).collect());
    let edges: BTreeSet<(String, String)> =
        [("a", "b"), ("b", "c"), ("c", "a")].into_iter().map(|(a, b)| (a.into(), b.into())).collect();
    assert_eq!(find_cycle(&edges).unwrap().len(), 4);
}
