//! `-W NAME[=y|n]`: switching WebAssembly proposals on or off from the command line, as
//! `wasmtime` does. `tarn run` and `tarn wast` share this parser, and the names are the
//! engine's own (`Config::proposal_names`), so there is one list of them.

use tarn::Config;

/// The help text's line for `-W`, listing the proposal names.
pub(crate) fn help() -> String {
    format!(
        "  -W NAME[=y|n][,...]  Switch a WebAssembly proposal on (y, the default) or off (n);\n\
         \x20                      repeatable. Proposals: {}",
        Config::proposal_names().join(", ")
    )
}

/// Applies one `-W` value, a comma-separated list of `NAME`, `NAME=y` or `NAME=n`.
///
/// # Errors
///
/// A message naming the unknown proposal or the malformed switch.
pub(crate) fn apply(config: &mut Config, spec: &str) -> Result<(), String> {
    for item in spec.split(',').filter(|item| !item.is_empty()) {
        let (name, enable) = match item.split_once('=') {
            None => (item, true),
            Some((name, "y" | "yes" | "true")) => (name, true),
            Some((name, "n" | "no" | "false")) => (name, false),
            Some((_, other)) => {
                return Err(format!(
                    "bad -W value `{item}`: expected y or n, got `{other}`"
                ));
            }
        };
        config.wasm_proposal(name, enable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_named_proposals_and_rejects_unknown_ones() {
        let mut config = Config::new();
        apply(&mut config, "tail-call=n,memory64=no").unwrap();
        assert_eq!(config.proposal_enabled("tail-call"), Some(false));
        assert_eq!(config.proposal_enabled("memory64"), Some(false));
        apply(&mut config, "tail-call").unwrap();
        assert_eq!(config.proposal_enabled("tail-call"), Some(true));
        let error = apply(&mut config, "threads=y").unwrap_err();
        assert!(
            error.contains("unknown WebAssembly proposal `threads`"),
            "{error}"
        );
        let error = apply(&mut config, "simd=maybe").unwrap_err();
        assert!(error.contains("expected y or n"), "{error}");
    }
}
