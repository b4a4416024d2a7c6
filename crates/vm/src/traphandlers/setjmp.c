/*
 * The one piece of C in Tarn: the frame that enters compiled code. It sets a jump
 * buffer and then calls the callee's array-call entry itself, so between the jump buffer
 * and compiled code there is no Rust frame at all: a trap that jumps back here skips
 * only compiled code, the C frame below, and the Rust frame that raised (a libcall's
 * `raise`, or the fault resume point), neither of which holds anything that needs
 * dropping or a `catch_unwind`. `catch_traps` (traphandlers.rs) is the only caller.
 *
 * The jump buffer is the compiler's own (`__builtin_setjmp`): it holds the frame
 * pointer, the stack pointer and the resume address, and the compiler saves every
 * callee-saved register in this function's frame, which the jump returns into. That
 * costs a few stores on every call into wasm, where libc's `sigsetjmp` costs a call and
 * some thirty instructions. The signal mask is not saved either way: a fault returns
 * from the signal handler through the kernel, which restores the mask, before anything
 * jumps back, and `raise` is never called from a handler.
 */
#include <stdbool.h>
#include <stddef.h>

typedef bool (*tarn_array_call_fn)(void *callee_vmctx, void *caller_vmctx, void *values,
                                   size_t len);

/* Five words, as `__builtin_setjmp` requires. */
typedef void *tarn_jmp_buf[5];

/*
 * Stores a jump buffer in *jmp_buf_out and calls callee(callee_vmctx, caller_vmctx,
 * values, len). Returns 1 when it returned true, 0 when it returned false, and -1 when
 * tarn_longjmp jumped back here.
 */
int tarn_enter_wasm(void **jmp_buf_out, tarn_array_call_fn callee, void *callee_vmctx,
                    void *caller_vmctx, void *values, size_t len) {
    tarn_jmp_buf buf;
    if (__builtin_setjmp(buf) != 0) {
        return -1;
    }
    *jmp_buf_out = (void *)buf;
    return callee(callee_vmctx, caller_vmctx, values, len) ? 1 : 0;
}

/* Returns to the tarn_enter_wasm frame that stored `jmp_buf`. Never returns. */
void tarn_longjmp(void *jmp_buf) {
    __builtin_longjmp((void **)jmp_buf, 1);
}
