//! Fuzz generators and oracles for Tarn, as an ordinary library that builds on stable.
#![forbid(unsafe_code)]
