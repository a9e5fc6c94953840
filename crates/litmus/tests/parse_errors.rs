//! Malformed litmus files and the exact diagnostics they get, as insta snapshots of `render`.
//! Each snapshot holds the source and the rendered errors; each test also checks the number of
//! errors, so a snapshot cannot silently lose one.

use pinlab_model::design::PRESETS;
use pinlab_model::device::{DeviceKind, DEVICES};
use pinlab_model::fs::FsKind;

/// The model's registries grow (new filesystems, devices, presets) and their one-line summaries
/// get reworded; the snapshots show where such text goes, not its current content, so that a
/// change in `crates/model` does not break these tests.
fn redact(mut out: String) -> String {
    let presets: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    let mut reps = vec![
        (FsKind::names().join(", "), "<FsKind::names()>".to_string()),
        (
            DeviceKind::names().join(", "),
            "<DeviceKind::names()>".to_string(),
        ),
        (presets.join(", "), "<PRESETS>".to_string()),
    ];
    for d in DEVICES {
        reps.push((d.summary.to_string(), format!("<{} summary>", d.name)));
    }
    for (from, to) in reps {
        out = out.replace(&from, &to);
    }
    out
}

/// Parses `src` (which must fail), checks the error count and returns source + rendering.
fn rendered(name: &str, src: &str, expected_errors: usize) -> String {
    let diags = match pinlab_litmus::parse(&format!("{name}.litmus"), src) {
        Ok(s) => panic!("{name}: parsed, but must fail: {s:#?}"),
        Err(d) => d,
    };
    let out = diags.render(src);
    assert_eq!(diags.errors.len(), expected_errors, "{name}:\n{out}");
    assert!(!out.contains('\u{1b}'), "no ANSI colour");
    format!("----- source\n{src}----- errors\n{}", redact(out))
}

macro_rules! snap {
    ($name:ident, $errors:expr, $src:expr) => {
        #[test]
        fn $name() {
            let out = rendered(stringify!($name), $src, $errors);
            insta::with_settings!({ omit_expression => true }, {
                insta::assert_snapshot!(stringify!($name), out);
            });
        }
    };
}

snap!(
    unknown_fs,
    1,
    "litmus t
fs ext5 blocks=4
file f pages=1
thread a {
  fsync f
}
"
);

snap!(
    bad_mmap_keyword,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f sharde rw
thread a {
  store m[0] = A
}
"
);

snap!(
    page_index_out_of_range,
    1,
    "litmus t
fs xfs
file f pages=2
mmap m = f shared rw
thread a {
  store m[2] = A
}
"
);

snap!(
    handle_pinned_twice,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
device nic rdma
thread a {
  pin p = nic m[0..1] write
  unpin p
}
thread b {
  pin p = nic m[0..1]
}
"
);

snap!(
    dma_on_never_pinned_handle,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
device nic rdma
thread a {
  pin p = nic m[0..1] write
}
thread dev {
  dma q[0] = B
}
"
);

snap!(
    register_used_inconsistently,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
thread a {
  load m[0] -> A
  store m[0] = A
}
"
);

snap!(
    unknown_property_in_expect,
    1,
    "litmus t
fs ext4
file f pages=1
thread a {
  fsync f
}
expect legacy: unsafe(mkwrite-contract, durabilty)
"
);

snap!(
    unknown_design_in_expect,
    1,
    "litmus t
fs ext4
file f pages=1
thread a {
  fsync f
}
expect pin-wiat: hang
"
);

snap!(
    answer_in_the_wrong_case_and_misspelt,
    2,
    "litmus t
fs ext4
file f pages=1
thread a {
  fsync f
}
exists (disk f[0] = 0)
expect legacy: unsafe(durability) sometimes
expect pin-wait: safe Nevr
expect upstream: safe Always
"
);

snap!(
    answer_without_a_condition,
    1,
    "litmus t
fs ext4
file f pages=1
thread a {
  fsync f
}
expect legacy: safe Always
expect upstream: safe
"
);

snap!(
    longterm_on_dio,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
device d dio
thread a {
  pin p = d m[0..1] write longterm
}
"
);

snap!(
    missing_closing_brace,
    1,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
thread a {
  store m[0] = A
  fsync f

exists (disk f[0] = A)
"
);

snap!(
    unterminated_string,
    1,
    "litmus t
doc \"what happens when
fs ext4
file f pages=1
thread a {
  fsync f
}
"
);

snap!(
    disk_on_tmpfs,
    1,
    "litmus t
fs tmpfs
file f pages=1
mmap m = f shared rw
thread a {
  store m[0] = A
}
exists (disk f[0] = A)
"
);

snap!(
    three_errors_together,
    3,
    "litmus t
fs ext4
file f pages=1
mmap m = f shraed rw
device nic rdma
thread a {
  pin p = nic m[0..1] write
  dma p[1] = B
}
expect legacy: unsafe(mkwrite-contract, durabilty)
"
);

snap!(empty_file, 1, "# nothing but a comment\n");

snap!(
    op_outside_thread_and_unknown_op,
    2,
    "litmus t
fs ext4
file f pages=1
fsync f
thread a {
  fsnyc f
}
"
);

snap!(
    vmsplice_write_and_hugetlbfs_write,
    2,
    "litmus t
fs hugetlbfs
file f pages=1
mmap m = f shared rw
device v vmsplice
thread a {
  write f[0] = A
  pin p = v m[0..1] write
}
"
);

snap!(
    stray_characters,
    2,
    "litmus t
fs ext4
file f pages=1
mmap m = f shared rw
thread a {
  store m[0] = A;
}
exists (disk f[0] = A && disk f[0] = 0)
"
);

snap!(
    seal_on_tmpfs,
    1,
    "litmus t
fs tmpfs
file f pages=1
thread a {
  seal f write -> r
}
"
);

snap!(
    seal_register_tested_like_a_value_and_back,
    2,
    "litmus t
fs memfd
file f pages=1
mmap m = f shared rw
thread a {
  load m[0] -> v
  seal f write -> r
}
exists (r = A \\/ v = EBUSY)
"
);

snap!(
    seal_of_something_else_and_anon_protection,
    2,
    "litmus t
fs memfd
file f pages=1
anon a pages=1 readonly
thread t {
  seal f shrink -> r
}
"
);

snap!(
    misspelt_completion_and_fallocate_ops,
    3,
    "litmus t
fs ext4
file f pages=1
device nic rdma
thread app {
  fallocat f 0
  wait_for_complete done
}
thread dev {
  complete done
  wait done
}
"
);

snap!(
    wait_for_a_completion_nobody_completes,
    1,
    "litmus t
fs tmpfs
file f pages=1
mmap m = f shared rw
device nic rdma
thread app {
  pin p = nic m[0..1] write
  wait_for_completion dnoe
  unpin p
}
thread engine {
  dma p[0] = B
  complete done
}
"
);

snap!(
    completion_named_like_a_file_and_a_thread,
    3,
    "litmus t
fs xfs
file f pages=1
thread app {
  wait_for_completion f
}
thread engine {
  complete f
  complete app
}
"
);

snap!(
    fallocate_page_out_of_range,
    1,
    "litmus t
fs xfs
file f pages=2
thread a {
  fallocate f 8
}
"
);
