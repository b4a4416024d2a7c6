/* exit_code.c - print a message with no trailing newline, then exit() with
 * the status given as argv[1] (0-125). Checks that stdio is flushed on exit
 * and that the status reaches the host.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: exit_code STATUS\n");
        return 2;
    }
    char *end;
    long status = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || status < 0 || status > 125) {
        fprintf(stderr, "exit_code: status must be a number from 0 to 125\n");
        return 2;
    }
    /* No newline, and stdout is a pipe or file in tests, so this sits in the
     * stdio buffer until exit() flushes it. */
    printf("exiting with status %ld", status);
    exit((int)status);
}
