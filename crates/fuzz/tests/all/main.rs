//! The fuzz crate's one integration binary: every oracle on seeded inputs, the committed
//! regression inputs, and property tests of the public API that suit proptest better
//! than a fuzzer.

mod differential;
mod grow;
mod regressions;
mod smoke;
mod values;
