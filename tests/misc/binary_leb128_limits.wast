;;! wasm2
;; Overlong LEB128 in memory limits must be malformed. Found by the spec runner: the parser
;; decoded with different features from the validator, so a 5-byte limit was accepted.
;; Fixed when translate_module gave the Parser the validator's features. Wasm 2.0 only:
;; with memory64, limits are u64 and these encodings are well-formed.
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\05\08\01"                          ;; memory section, 1 entry
    "\00\82\80\80\80\80\00"              ;; no max, minimum 2 with one byte too many
  )
  "integer representation too long")
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\05\0a\01"                          ;; memory section, 1 entry
    "\01\82\00"                          ;; minimum 2
    "\82\80\80\80\80\00"                 ;; maximum 2 with one byte too many
  )
  "integer representation too long")
;; The same limits, encoded with the longest valid LEB128, are fine.
(module binary
  "\00asm" "\01\00\00\00"
  "\05\07\01"                            ;; memory section, 1 entry
  "\00\82\80\80\80\00"                   ;; no max, minimum 2 in five bytes
)
