/*
 * The one piece of C in Tarn: a frame that calls sigsetjmp and then the Rust body, so a
 * trap can longjmp back here. `catch_traps` (traphandlers.rs) is the only caller.
 *
 * The signal mask is not saved: our handlers use SA_NODEFER, so no signal stays blocked
 * when a handler jumps out.
 */
#include <setjmp.h>

typedef void (*tarn_body_fn)(void *payload);

/* Runs body(payload). Returns 1 if it returned, 0 if tarn_longjmp jumped back here. */
int tarn_setjmp_call(void **jmp_buf_out, tarn_body_fn body, void *payload) {
    sigjmp_buf buf;
    if (sigsetjmp(buf, 0) != 0) {
        return 0;
    }
    *jmp_buf_out = &buf;
    body(payload);
    return 1;
}

/* Returns to the tarn_setjmp_call frame that stored `jmp_buf`. Never returns. */
void tarn_longjmp(void *jmp_buf) {
    siglongjmp(*(sigjmp_buf *)jmp_buf, 1);
}
