/* cat.c - copy standard input to standard output in chunks, like `cat`,
 * then report the number of bytes copied on standard error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char buf[4096];
    unsigned long long total = 0;

    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "cat: read: %s\n", strerror(errno));
            return 1;
        }
        /* write() may take less than asked: loop until the chunk is out. */
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "cat: write: %s\n", strerror(errno));
                return 1;
            }
            off += w;
        }
        total += (unsigned long long)n;
    }
    fprintf(stderr, "cat: %llu bytes\n", total);
    return 0;
}
