//! Tarn: the safe embedding API for compiling and running WebAssembly.
#![deny(unsafe_code)]
