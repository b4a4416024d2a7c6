/* hello.c - the WASI quickstart: greet, show the arguments and $GREETING,
 * and with `--read PATH` print that file.
 *
 *   hello [ARGS...] [--read PATH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "%s: read error\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    printf("Hello from WebAssembly!\n");

    /* argv[0] is left out: it is the program's path, which differs per host. */
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: %s\n", i, argv[i]);

    const char *greeting = getenv("GREETING");
    if (greeting)
        printf("GREETING: %s\n", greeting);
    else
        printf("GREETING is not set\n");

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--read") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "--read needs a path\n");
                return 2;
            }
            printf("--- %s ---\n", argv[i + 1]);
            fflush(stdout);
            return print_file(argv[i + 1]);
        }
    }
    return 0;
}
