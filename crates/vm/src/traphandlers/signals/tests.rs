//! Tests of signal chaining.
