//! Tests of catch_traps with hand-assembled code.
