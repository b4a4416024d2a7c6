/*
 * The one piece of C in Tarn: the frame that enters compiled code. It calls sigsetjmp and
 * then the callee's array-call entry itself, so between the jump buffer and compiled code
 * there is no Rust frame at all: a trap that longjmps back here skips only compiled code,
 * the C frame below, and the Rust frame that raised (a libcall's `raise`, or the fault
 * resume point), neither of which holds anything that needs dropping or a
 * `catch_unwind`. `catch_traps` (traphandlers.rs) is the only caller.
 *
 * The signal mask is not saved here (saving it would cost a system call per entry): a
 * fault returns from the signal handler through the kernel, which restores the mask,
 * before anything jumps back, and `raise` is never called from a handler.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

typedef bool (*tarn_array_call_fn)(void *callee_vmctx, void *caller_vmctx, void *values,
                                   size_t len);

/*
 * Stores a jump buffer in *jmp_buf_out and calls callee(callee_vmctx, caller_vmctx,
 * values, len). Returns 1 when it returned true, 0 when it returned false, and -1 when
 * tarn_longjmp jumped back here.
 */
int tarn_enter_wasm(void **jmp_buf_out, tarn_array_call_fn callee, void *callee_vmctx,
                    void *caller_vmctx, void *values, size_t len) {
    sigjmp_buf buf;
    if (sigsetjmp(buf, 0) != 0) {
        return -1;
    }
    *jmp_buf_out = &buf;
    return callee(callee_vmctx, caller_vmctx, values, len) ? 1 : 0;
}

/* Returns to the tarn_enter_wasm frame that stored `jmp_buf`. Never returns. */
void tarn_longjmp(void *jmp_buf) {
    siglongjmp(*(sigjmp_buf *)jmp_buf, 1);
}
