/* SIMD kernels for the benchmarks, built to kernels.wasm by build.sh with
 * `clang --target=wasm32 -O2 -msimd128`. The loops are plain C that clang vectorises
 * (byte_scan, saxpy_bits) or GCC/Clang vector extensions (shuffle_blocks); the native
 * versions in ../src/simd_kernels.rs compute the same values the same way.
 *
 * Each export takes one int and returns a 64-bit checksum. Buffers are filled on the
 * first call, so timed calls measure the loop alone. */
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
#define memcpy __builtin_memcpy

#define SCAN_BYTES (1 << 20)
#define SAXPY_LEN (1 << 16)
#define SHUFFLE_BYTES (1 << 16)

static unsigned char scan_buf[SCAN_BYTES];
static float xs[SAXPY_LEN], ys[SAXPY_LEN];
static unsigned char shuffle_buf[SHUFFLE_BYTES];
static int filled;

static uint64_t next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static void fill(void)
{
    if (filled)
        return;
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < SCAN_BYTES; i++)
        scan_buf[i] = (unsigned char)(next(&state) % 26 + 'a');
    for (int i = 0; i < SAXPY_LEN; i++) {
        xs[i] = (float)(i % 1000) * 0.5f;
        ys[i] = (float)(i % 7);
    }
    for (int i = 0; i < SHUFFLE_BYTES; i++)
        shuffle_buf[i] = (unsigned char)next(&state);
    filled = 1;
}

/* How many bytes of a 1 MiB buffer equal `c`. */
__attribute__((export_name("byte_scan"))) int64_t byte_scan(int c)
{
    fill();
    uint32_t count = 0;
    unsigned char needle = (unsigned char)c;
    for (int i = 0; i < SCAN_BYTES; i++)
        count += scan_buf[i] == needle;
    return count;
}

/* a * x[i] + y[i] over 64 Ki floats (a = n / 4), the results' bits summed. */
__attribute__((export_name("saxpy_bits"))) int64_t saxpy_bits(int n)
{
    fill();
    float a = (float)n * 0.25f;
    uint32_t sum = 0;
    for (int i = 0; i < SAXPY_LEN; i++) {
        float z = a * xs[i] + ys[i];
        uint32_t bits;
        memcpy(&bits, &z, sizeof bits);
        sum += bits;
    }
    return sum;
}

typedef unsigned char v16 __attribute__((vector_size(16)));

/* `rounds` passes over 64 KiB in pairs of 16-byte blocks: interleave the pair's bytes,
 * reverse the first result, rotate the second by 5 bytes; then the bytes' sum. */
__attribute__((export_name("shuffle_blocks"))) int64_t shuffle_blocks(int rounds)
{
    fill();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < SHUFFLE_BYTES; i += 32) {
            v16 a, b;
            memcpy(&a, shuffle_buf + i, 16);
            memcpy(&b, shuffle_buf + i + 16, 16);
            v16 lo = __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6,
                                             22, 7, 23);
            v16 hi = __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29,
                                             14, 30, 15, 31);
            v16 rev = __builtin_shufflevector(lo, lo, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
                                              3, 2, 1, 0);
            v16 rot = __builtin_shufflevector(hi, hi, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0,
                                              1, 2, 3, 4);
            memcpy(shuffle_buf + i, &rev, 16);
            memcpy(shuffle_buf + i + 16, &rot, 16);
        }
    }
    uint64_t sum = 0;
    for (int i = 0; i < SHUFFLE_BYTES; i++)
        sum += shuffle_buf[i];
    return (int64_t)sum;
}
