//! Builds the setjmp/longjmp shim that lets a trap return to `catch_traps`; Rust cannot
//! call `setjmp` itself because the function returns twice.

fn main() {
    println!("cargo:rerun-if-changed=src/traphandlers/setjmp.c");
    cc::Build::new()
        .file("src/traphandlers/setjmp.c")
        .warnings(true)
        .compile("tarn_setjmp");
}
