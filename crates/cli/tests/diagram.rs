//! The pictures: `explain --format svg` and `report`, as a reader of the diagram and a reviewer
//! of the HTML file rely on them. The browser test (browser.rs) clicks through the report.

mod common;
use common::{pinlab, root};

fn svg_of(file: &str, design: &str, extra: &[&str]) -> String {
    let mut args = vec!["explain", file, "--design", design, "--format", "svg"];
    args.extend_from_slice(extra);
    let o = pinlab(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every `<text>` of the picture, in document order.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

#[test]
fn svg_of_the_redirty_race_has_the_lanes_arrows_and_highlight_a_reader_needs() {
    let svg = svg_of(
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "legacy",
        &[],
    );
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let t = texts(&doc);
    // One lane per thread and device, one per page frame, one per disk block.
    for lane in ["app", "flusher", "nic", "page #0", "disk block 0"] {
        assert!(t.iter().any(|x| x == lane), "no lane `{lane}` in {t:?}");
    }
    // Kernel function names on the arrows: the fault's ->page_mkwrite, writeback's submit and
    // the DMA into the frame.
    for call in [
        "page_mkwrite [ext4]",
        "folio_mkclean(#0)",
        "folio_start_writeback(#0)",
        "DMA write #0: A -> B",
    ] {
        assert!(
            t.iter().any(|x| x.starts_with(call)),
            "no arrow labelled `{call}`"
        );
    }
    // The page lane shows the page's flags, references and PTE as they change.
    assert!(t.iter().any(|x| x == "writeback|private|fs-clean"));
    assert!(t.iter().any(|x| x == "PTE m[0] ro"));
    assert!(t.iter().any(|x| x.starts_with("refcount 3 · pins 1")));
    // The step that broke mkwrite-contract is highlighted with the property's meaning, and it
    // is the DMA step: the callout comes after the DMA arrow and before the next step's box.
    let callout = t
        .iter()
        .position(|x| x.starts_with("mkwrite-contract violated: a page the filesystem had clean"))
        .expect("the highlighted property");
    let dma = t
        .iter()
        .position(|x| x.starts_with("DMA write #0: A -> B"))
        .unwrap();
    assert!(dma < callout);
    assert!(
        !t[dma..callout].iter().any(|x| x.starts_with("fsync f")),
        "the callout belongs to the DMA step"
    );
    // A red highlight band exists (fill of the highlighted step).
    assert!(doc
        .descendants()
        .any(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#fef2f2")));
}

#[test]
fn svg_snapshots_of_two_catalog_traces() {
    let a = svg_of(
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "legacy",
        &[],
    );
    insta::assert_snapshot!("svg-redirty-legacy", a);
    let b = svg_of(
        "litmus/btrfs-dio-dma-during-writeback.litmus",
        "legacy",
        &["-p", "stable-writes"],
    );
    roxmltree::Document::parse(&b).expect("well-formed XML");
    assert!(b.contains("bio completes: block 1 = B; folio_end_writeback(#0)"));
    insta::assert_snapshot!("svg-btrfs-stable-writes-legacy", b);
}

#[test]
fn svg_goes_to_the_file_named_by_o_and_is_the_same_bytes_every_time() {
    let dir = root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("trace.svg");
    let _ = std::fs::remove_file(&out);
    let o = pinlab(&[
        "explain",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "pin-wait",
        "--format",
        "svg",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty(), "with -o nothing goes to stdout");
    let written = std::fs::read_to_string(&out).unwrap();
    let again = svg_of(
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "pin-wait",
        &[],
    );
    assert_eq!(written, again);
    // A hang ends with the waiting threads and bounded-wait highlighted.
    assert!(written.contains("waits forever in `fsync f`"));
    assert!(written.contains("bounded-wait violated: a thread waits forever"));
}

#[test]
fn explain_svg_to_an_unwritable_path_is_a_clear_error() {
    let o = pinlab(&[
        "explain",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "legacy",
        "--format",
        "svg",
        "-o",
        "/nonexistent-dir/trace.svg",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("cannot write /nonexistent-dir/trace.svg"), "{e}");
}

/// The report's cells and their details, as the page's script and its reader use them.
#[test]
fn report_is_self_contained_and_has_a_detail_with_trace_and_diagram_for_every_cell() {
    let o = pinlab(&["report", "-o", "-"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = String::from_utf8(o.stdout).unwrap();
    // Self-contained: nothing is loaded from anywhere.
    for bad in ["src=\"http", "href=\"http", "@import", "url(http", "<link "] {
        assert!(!html.contains(bad), "the report loads `{bad}`");
    }
    // One cell per scenario × preset, each with its detail template.
    let m = pinlab(&["matrix", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&m.stdout).unwrap();
    let scenarios = v["scenarios"].as_array().unwrap();
    let designs = v["designs"].as_array().unwrap();
    let cells = html.matches("<td class=\"cell v-").count();
    assert_eq!(cells, scenarios.len() * designs.len());
    assert_eq!(html.matches("<template id=\"c").count(), cells);
    // Each matrix cell says the same verdict as `pinlab matrix`, and each template that shows a
    // trace carries the text and a well-formed diagram.
    for s in scenarios {
        for c in s["cells"].as_array().unwrap() {
            let cell = format!(
                "data-scenario=\"{}\" data-design=\"{}\"",
                s["scenario"].as_str().unwrap(),
                c["design"].as_str().unwrap()
            );
            let at = html.find(&cell).unwrap_or_else(|| panic!("no cell {cell}"));
            let tail = &html[at..];
            let title_end = tail.find("</button>").unwrap();
            let verdict = c["verdict"].as_str().unwrap();
            assert!(
                tail[..title_end].contains(&format!(": {verdict}\"")),
                "cell {cell} does not say {verdict}"
            );
            // Several properties violated: the list links each to its own trace.
            let violated = c["violated"].as_array().unwrap();
            if violated.len() > 1 {
                let id = tail.split("data-detail=\"").nth(1).unwrap();
                let id = &id[..id.find('"').unwrap()];
                let start = html.find(&format!("<template id=\"{id}\">")).unwrap();
                let detail = &html[start..start + html[start..].find("</template>").unwrap()];
                for p in violated {
                    let p = p.as_str().unwrap();
                    for want in [
                        format!("<a href=\"#{id}-{p}\">"),
                        format!("<h3 id=\"{id}-{p}\">"),
                        format!("shortest execution violating {p}:"),
                        format!("-p {p}</p>"),
                    ] {
                        assert!(detail.contains(&want), "{cell}: no {want} in its detail");
                    }
                }
                assert_eq!(
                    detail.matches("<pre class=\"trace-text\">").count(),
                    violated.len(),
                    "{cell}: a trace per violated property"
                );
            }
        }
    }
    let mut diagrams = 0;
    let mut rest = html.as_str();
    while let Some(i) = rest.find("<svg ") {
        let end = rest[i..].find("</svg>").unwrap() + i + "</svg>".len();
        roxmltree::Document::parse(&rest[i..end]).expect("every diagram is well-formed XML");
        diagrams += 1;
        rest = &rest[end..];
    }
    // A trace per violated property where there are several, else one per cell that is not safe.
    let traces: usize = scenarios
        .iter()
        .flat_map(|s| s["cells"].as_array().unwrap())
        .filter(|c| c["verdict"] != "safe")
        .map(|c| c["violated"].as_array().unwrap().len().max(1))
        .sum();
    assert_eq!(diagrams, traces, "one diagram per trace");
    assert_eq!(html.matches("<pre class=\"trace-text\">").count(), traces);
    // A section per design with its seed source, and the run's statistics.
    for d in designs {
        assert!(html.contains(&format!("id=\"design-{}\"", d.as_str().unwrap())));
    }
    assert!(html.contains("<section id=\"statistics\">"));
    assert!(html.contains(&format!(
        "<dt>states explored</dt><dd>{}</dd>",
        v["totals"]["states"]
    )));
}

#[test]
fn report_writes_the_file_named_by_o_and_exits_1_on_a_disagreeing_expect_line() {
    let dir = root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let lit = dir.join("report-wrong.litmus");
    std::fs::write(
        &lit,
        "litmus wrong\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  unpin p dirty\n}\n# deliberately wrong, to see the report flag it\nexpect legacy: safe\n",
    )
    .unwrap();
    let out = dir.join("report-wrong.html");
    let o = pinlab(&[
        "report",
        lit.to_str().unwrap(),
        "-d",
        "legacy,upstream",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("class=\"cell v-unsafe mismatch\""));
    assert!(html.contains("<strong>disagrees</strong> with <code>expect legacy: safe</code>"));
    assert_eq!(html.matches("<td class=\"cell v-").count(), 2);
}

#[test]
fn a_safe_cell_has_no_diagram_and_says_so_on_stderr_without_writing_a_file() {
    let dir = root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("safe.svg");
    let _ = std::fs::remove_file(&out);
    for format in ["svg", "json"] {
        let o = pinlab(&[
            "explain",
            "litmus/ext4-rdma-redirty-after-writeback.litmus",
            "-d",
            "gup-bounce",
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to explain"));
        assert!(!out.exists(), "no {format} file for a safe cell");
    }
}

#[test]
fn explain_json_carries_the_page_and_block_states_the_diagram_draws() {
    let o = pinlab(&[
        "explain",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "legacy",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    // Step 3 is writeback: it starts writeback of frame 0, write-protects its PTE and
    // allocates block 0 (delalloc).
    assert_eq!(steps[2]["op"], "writeback f");
    let page = &steps[2]["pages"][0];
    assert_eq!(page["frame"], 0);
    assert_eq!(page["owner"], "cache");
    assert_eq!(
        page["flags"],
        serde_json::json!(["writeback", "private", "fs-clean"])
    );
    assert_eq!(page["ptes"][0]["writable"], false);
    assert_eq!(
        steps[2]["blocks"],
        serde_json::json!([{"block": 0, "content": "0", "used": true}])
    );
    // Step 4, the DMA: the frame's content changes behind the filesystem's back, the pin is
    // still held, and nothing on disk moves.
    let dma = &steps[3]["pages"][0];
    assert_eq!(dma["content"], "B");
    assert_eq!(dma["refcount"], 3);
    assert_eq!(dma["pins"], 1);
    assert!(steps[3]["blocks"].as_array().unwrap().is_empty());
    // The diagram shows the same state.
    let svg = svg_of(
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "legacy",
        &[],
    );
    assert!(svg.contains(">f[0] (page cache) = B<"));
    assert!(svg.contains(">refcount 3 · pins 1<"));
}

#[test]
fn a_check_cut_short_never_reads_as_nothing_went_wrong() {
    let o = pinlab(&[
        "explain",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "gup-bounce",
        "--max-states",
        "3",
    ]);
    // Not an answer, whatever the format: said on stderr, exit 1, nothing on stdout.
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let out = String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("incomplete"), "{out}");
    assert!(out.contains("state limit") && !out.contains("no execution violates"));
    let o = pinlab(&[
        "report",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "-d",
        "gup-bounce",
        "--max-states",
        "3",
        "-o",
        "-",
    ]);
    let html = String::from_utf8_lossy(&o.stdout);
    assert!(html.contains("class=\"cell v-incomplete"));
    assert!(html.contains("stopped at the state limit"));
    assert!(html.contains("<dt>checks cut short by a limit</dt><dd>1</dd>"));
}
