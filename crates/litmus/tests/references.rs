//! The repository's documents cite only what a clone holds. The README, `docs/*.md`, the catalog
//! (`litmus/*.litmus`), the JSON schemas and the Rust sources must not point outside the
//! repository (`../`, or the project's own notes that live beside it); every relative link in the
//! README and `docs/*.md` must reach a file of the repository, and a `#anchor` a heading there;
//! every `docs/NAME.md#anchor` citation (in the catalog, the code and the documents) must reach a
//! heading of that document; and every catalog file that cites a seed thread must say, in its
//! `# Sources` block, which section of `docs/sources.md` describes that thread.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Files of `dir` (relative to the root) whose names end with `ext`, sorted.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    v.sort();
    v
}

/// Every `*.rs` file under `dir`, recursively, skipping build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn markdown_files() -> Vec<PathBuf> {
    let mut v = vec![root().join("README.md")];
    v.extend(files("docs", ".md"));
    v
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// The text of a markdown file outside fenced code blocks, line by line (code lines blanked, so
/// line numbers stay right).
fn prose_lines(md: &str) -> Vec<String> {
    let mut fenced = false;
    md.lines()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
                String::new()
            } else if fenced {
                String::new()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// GitHub's anchor for a heading's text: markup dropped, lower case, spaces to hyphens, and
/// anything but letters, digits, `-` and `_` removed.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    // [text](target) -> text
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(close) = rest[mid..].find(')').map(|i| mid + i) else {
            break;
        };
        text.push_str(&rest[..open]);
        text.push_str(&rest[open + 1..mid]);
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown document's headings (`foo`, then `foo-1` for a repeated one).
fn anchors(md: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for l in prose_lines(md) {
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && l[hashes..].starts_with(' ') {
            let s = slug(&l[hashes..]);
            let n = seen.entry(s.clone()).or_insert(0);
            out.push(if *n == 0 {
                s.clone()
            } else {
                format!("{s}-{n}")
            });
            *n += 1;
        }
    }
    out
}

/// The targets of the inline links `[text](target)` of one line, code spans left out.
fn link_targets(line: &str) -> Vec<String> {
    // Drop code spans: `...`.
    let mut plain = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            plain.push(c);
        }
    }
    let mut out = Vec::new();
    let mut rest = plain.as_str();
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) => {
                out.push(after[..j].trim().to_string());
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

/// `docs/NAME.md#anchor` citations in `text`: (document, anchor).
fn doc_citations(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("docs/") {
        let rest = &text[i + "docs/".len()..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        if !name.ends_with(".md") || !rest[name_len..].starts_with('#') {
            continue;
        }
        let a = &rest[name_len + 1..];
        let a_len = a
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(a.len());
        // `docs/NAME.md#ANCHOR` in prose is a placeholder, not a citation.
        let placeholder = |s: &str| s.chars().any(|c| c.is_ascii_uppercase());
        if a_len > 0 && !placeholder(name) && !placeholder(&a[..a_len]) {
            out.push((name.to_string(), a[..a_len].to_string()));
        }
    }
    out
}

/// Words that name the project's notes kept outside the repository (assembled here so that this
/// file does not name them itself).
fn outside_names() -> Vec<String> {
    vec![
        ["shared", "/seeds"].concat(),
        ["shared", "/research"].concat(),
        ["research", "/kernel-gup"].concat(),
        ["research", "/real-kernel"].concat(),
        ["kernel-gup", ".md"].concat(),
        ["real-kernel", ".md"].concat(),
        ["DESIGN", " §"].concat(),
        ["DESIGN", ".md"].concat(),
    ]
}

#[test]
fn no_document_points_outside_the_repository() {
    let mut texts: Vec<PathBuf> = markdown_files();
    texts.extend(files("litmus", ".litmus"));
    texts.extend(files("schemas", ".json"));
    assert!(texts.len() > 20, "found only {} documents", texts.len());
    let mut problems = Vec::new();
    for f in &texts {
        let text = read(f);
        for (n, line) in text.lines().enumerate() {
            if line.contains("../") {
                problems.push(format!(
                    "{}:{}: a path outside the repository: {line}",
                    rel(f),
                    n + 1
                ));
            }
            cites_outside(f, n, line, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Records a problem for each name of a note outside the repository that `line` (line `n`,
/// 0-based, of `f`) cites.
fn cites_outside(f: &std::path::Path, n: usize, line: &str, problems: &mut Vec<String>) {
    for w in outside_names() {
        if line.contains(&w) {
            problems.push(format!(
                "{}:{}: `{w}` is not in the repository: {line}",
                rel(f),
                n + 1
            ));
        }
    }
}

#[test]
fn no_source_file_cites_the_notes_outside_the_repository() {
    let mut rs = Vec::new();
    rust_files(&root().join("crates"), &mut rs);
    assert!(rs.len() > 20, "found only {} Rust files", rs.len());
    let mut problems = Vec::new();
    for f in &rs {
        for (n, line) in read(f).lines().enumerate() {
            cites_outside(f, n, line, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let root = root();
    let mut problems = Vec::new();
    let mut links = 0;
    for f in markdown_files() {
        let text = read(&f);
        let dir = f.parent().unwrap().to_path_buf();
        for (n, line) in prose_lines(&text).iter().enumerate() {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                links += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    f.clone()
                } else {
                    dir.join(path)
                };
                let Ok(file) = file.canonicalize() else {
                    problems.push(format!("{}:{}: `{target}`: no such file", rel(&f), n + 1));
                    continue;
                };
                if !file.starts_with(&root) {
                    problems.push(format!(
                        "{}:{}: `{target}` is outside the repository",
                        rel(&f),
                        n + 1
                    ));
                    continue;
                }
                if let Some(a) = anchor {
                    if file.extension().is_some_and(|x| x == "md")
                        && !anchors(&read(&file)).iter().any(|h| h == a)
                    {
                        problems.push(format!(
                            "{}:{}: `{target}`: {} has no heading with that anchor",
                            rel(&f),
                            n + 1,
                            rel(&file)
                        ));
                    }
                }
            }
        }
    }
    assert!(links > 20, "found only {links} relative links");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_repository_path_the_readme_and_docs_name_exists() {
    let root = root();
    let mut problems = Vec::new();
    for f in markdown_files() {
        for (n, line) in prose_lines(&read(&f)).iter().enumerate() {
            for (i, span) in line.split('`').enumerate() {
                // Odd pieces are inside a code span.
                let top = ["crates/", "docs/", "litmus/", "schemas/", ".ci/"];
                if i % 2 == 0
                    || !top.iter().any(|t| span.starts_with(t))
                    || span.contains(' ')
                    || span.contains('*')
                    || span.contains('#')
                    || span.chars().any(|c| c.is_ascii_uppercase())
                {
                    continue;
                }
                if !root.join(span).exists() {
                    problems.push(format!("{}:{}: `{span}` does not exist", rel(&f), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_docs_citation_reaches_a_heading() {
    let root = root();
    let mut texts: Vec<PathBuf> = markdown_files();
    texts.extend(files("litmus", ".litmus"));
    texts.extend(files("schemas", ".json"));
    rust_files(&root.join("crates"), &mut texts);
    let mut cache: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut cited = 0;
    for f in &texts {
        for (n, line) in read(f).lines().enumerate() {
            for (doc, anchor) in doc_citations(line) {
                cited += 1;
                let heads = cache.entry(doc.clone()).or_insert_with(|| {
                    fs::read_to_string(root.join("docs").join(&doc))
                        .ok()
                        .map(|t| anchors(&t))
                });
                match heads {
                    None => {
                        problems.push(format!("{}:{}: docs/{doc} does not exist", rel(f), n + 1))
                    }
                    Some(h) if !h.contains(&anchor) => problems.push(format!(
                        "{}:{}: docs/{doc}#{anchor}: no heading with that anchor",
                        rel(f),
                        n + 1
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(cited > 100, "found only {cited} citations");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The seed threads as docs/sources.md's table lists them: number -> anchor.
fn seed_anchors() -> BTreeMap<String, String> {
    let doc = read(&root().join("docs/sources.md"));
    let heads = anchors(&doc);
    let mut out = BTreeMap::new();
    for l in doc.lines() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        // | 000 | [lameter-2019](#lameter-2019) | ...
        if cells.len() > 3 && cells[1].len() == 3 && cells[1].chars().all(|c| c.is_ascii_digit()) {
            let a = cells[2]
                .split("](#")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .unwrap_or_else(|| panic!("no anchor in {l}"));
            assert!(
                heads.iter().any(|h| h == a),
                "docs/sources.md: seed {} links #{a}, which is no heading",
                cells[1]
            );
            out.insert(cells[1].to_string(), a.to_string());
        }
    }
    assert_eq!(
        out.len(),
        5,
        "docs/sources.md lists five seed threads: {out:?}"
    );
    out
}

#[test]
fn every_seed_a_catalog_file_cites_has_its_source_line() {
    let seeds = seed_anchors();
    const BLOCK: &str = "# Sources (the seed threads cited above):";
    let mut problems = Vec::new();
    for f in files("litmus", ".litmus") {
        let text = read(&f);
        let (body, block) = match text.find(BLOCK) {
            Some(i) => (&text[..i], &text[i..]),
            None => (text.as_str(), ""),
        };
        let lower = body.to_lowercase();
        let mut cited: Vec<&String> = seeds
            .keys()
            .filter(|n| lower.contains(&format!("seed {n}")))
            .collect();
        cited.dedup();
        for n in &cited {
            let want = format!("# - seed {n}: docs/sources.md#{}", seeds[*n]);
            if !block.lines().any(|l| l.starts_with(&want)) {
                problems.push(format!(
                    "{}: cites seed {n} but has no line `{want} (...)` at its end",
                    rel(&f)
                ));
            }
        }
        for l in block.lines().skip(1) {
            if !cited
                .iter()
                .any(|n| l.starts_with(&format!("# - seed {n}: ")))
            {
                problems.push(format!(
                    "{}: `{l}` lists a seed the file does not cite",
                    rel(&f)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_slugs_are_githubs() {
    assert_eq!(
        slug("What a real kernel does, measured"),
        "what-a-real-kernel-does-measured"
    );
    assert_eq!(slug("Kara, LSF/MM 2018"), "kara-lsfmm-2018");
    assert_eq!(
        slug("`fs KIND [blocks=N] [integrity]`"),
        "fs-kind-blocksn-integrity"
    );
    assert_eq!(slug("io_uring and O_DIRECT"), "io_uring-and-o_direct");
    assert_eq!(
        anchors("# A\n```\n# not a heading\n```\n## A\n"),
        ["a", "a-1"]
    );
    assert_eq!(
        link_targets("see [x](a.md#b) and `[y](c.md)` and [z](d.md)"),
        ["a.md#b", "d.md"]
    );
    assert_eq!(
        doc_citations(
            "(docs/sources.md#fs-dax: x; docs/model.md#properties) docs/sources.md#ANCHOR docs/x"
        ),
        [
            ("sources.md".to_string(), "fs-dax".to_string()),
            ("model.md".to_string(), "properties".to_string())
        ]
    );
}
