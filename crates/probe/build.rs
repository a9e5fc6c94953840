//! Builds the fault-catching memory accessor (c/access.c) on Linux. A CPU store or load through a
//! scenario's mapping may fault (SIGBUS beyond EOF or on ENOSPC in ->page_mkwrite, SIGSEGV on a
//! read-only or unmapped page) and the model says what a faulting access does; the probe must survive
//! it to compare. Recovering from a synchronous fault needs sigsetjmp/siglongjmp, which are only
//! well-defined when every frame they cross is C: so the access itself is C.
fn main() {
    println!("cargo:rerun-if-changed=c/access.c");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        cc::Build::new()
            .file("c/access.c")
            .warnings(true)
            .flag_if_supported("-Wextra")
            .compile("pinlab_access");
    }
}
