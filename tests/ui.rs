//! Compile-time behaviour of the macros: what compiles, and the errors of what does not.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/events/*.rs");
    t.compile_fail("tests/ui/handler/*.rs");
}
