;; Bytes that do not start with the `\0asm` magic are a malformed binary, not text. Found
;; by the stricter spec runner: `Module::validate` parsed them as the text format, so a
;; "magic header not detected" module was rejected for the wrong reason and the old runner
;; passed it. `Module::validate` now takes binaries only.
(assert_malformed (module binary "") "unexpected end")
(assert_malformed (module binary "\00asn\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "asm\00\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
