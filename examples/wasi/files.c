/* files.c - the file-system calls real programs make, one step per line:
 * mkdir, fopen/fprintf (write, append), fread, fseek/ftell, open/lseek,
 * pread/pwrite, ftruncate, fsync, rename, symlink/readlink, stat/lstat,
 * unlink and rmdir. It removes everything it made.
 *
 *   files DIR     (DIR must exist and must not hold "tarn-files-test")
 *
 * Exit status 0 when every step gave the expected result; 1 at the first one
 * that did not, after printing what happened (with errno and strerror).
 * Only sizes and types are printed, never times, inode numbers or modes.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir, *data, *renamed, *link_path;

static void fail(const char *step)
{
    int e = errno;
    printf("%s: FAILED: errno %d (%s)\n", step, e, strerror(e));
    exit(1);
}

static void mismatch(const char *step, const char *what)
{
    printf("%s: FAILED: %s\n", step, what);
    exit(1);
}

/* `rc` must be -1 with errno one of `want1`/`want2` (POSIX allows either
 * for some calls); prints the step with a fixed description of the error. */
static void expect_error(const char *step, int rc, int want1, int want2, const char *desc)
{
    if (rc != -1)
        mismatch(step, "succeeded, but it should have failed");
    if (errno != want1 && errno != want2)
        fail(step);
    printf("%s: fails as expected (%s)\n", step, desc);
}

static char *join(const char *a, const char *b)
{
    char *s = malloc(strlen(a) + 1 + strlen(b) + 1);
    if (!s)
        fail("malloc");
    sprintf(s, "%s/%s", a, b);
    return s;
}

static const char *type_of(mode_t m)
{
    if (S_ISREG(m)) return "file";
    if (S_ISDIR(m)) return "dir";
    if (S_ISLNK(m)) return "symlink";
    return "other";
}

/* Prints bytes with \n, \0 and other non-printables escaped. */
static void print_escaped(const char *buf, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n') fputs("\\n", stdout);
        else if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 32 || c >= 127) printf("\\x%02x", c);
        else putchar(c);
    }
    putchar('"');
}

static void expect_bytes(const char *step, const char *got, size_t n,
                         const char *want, size_t want_n)
{
    printf("%s: %zu bytes: ", step, n);
    print_escaped(got, n);
    putchar('\n');
    if (n != want_n || memcmp(got, want, n) != 0)
        mismatch(step, "unexpected contents");
}

static void expect_offset(const char *step, int fd, off_t want)
{
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0)
        fail(step);
    printf("%s: offset %lld\n", step, (long long)pos);
    if (pos != want)
        mismatch(step, "unexpected offset");
}

/* stat (follow = 1) or lstat (follow = 0) a path and check type and size;
 * want_size < 0 means "do not check or print the size" (directories). */
static void expect_stat(const char *step, const char *path, int follow,
                        const char *want_type, long long want_size)
{
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
        fail(step);
    const char *type = type_of(st.st_mode);
    if (want_size >= 0)
        printf("%s: %s, %lld bytes\n", step, type, (long long)st.st_size);
    else
        printf("%s: %s\n", step, type);
    if (strcmp(type, want_type) != 0)
        mismatch(step, "unexpected type");
    if (want_size >= 0 && st.st_size != want_size)
        mismatch(step, "unexpected size");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    dir = join(argv[1], "tarn-files-test");
    data = join(dir, "data.txt");
    renamed = join(dir, "renamed.txt");
    link_path = join(dir, "link.txt");
    char buf[64];
    int n;

    /* Directories. */
    if (mkdir(dir, 0755) != 0)
        fail("mkdir tarn-files-test");
    printf("mkdir tarn-files-test: ok\n");
    expect_error("mkdir tarn-files-test again", mkdir(dir, 0755), EEXIST, EEXIST, "exists");
    expect_stat("stat tarn-files-test", dir, 1, "dir", -1);

    /* stdio: write, append, read back. */
    FILE *f = fopen(data, "w");
    if (!f)
        fail("fopen data.txt w");
    n = fprintf(f, "hello\n");
    if (n < 0 || fclose(f) != 0)
        fail("write data.txt");
    printf("write data.txt: %d bytes\n", n);

    f = fopen(data, "a");
    if (!f)
        fail("fopen data.txt a");
    n = fprintf(f, "world\n");
    if (n < 0 || fclose(f) != 0)
        fail("append data.txt");
    printf("append data.txt: %d bytes\n", n);
    expect_stat("stat data.txt", data, 1, "file", 12);

    f = fopen(data, "r");
    if (!f)
        fail("fopen data.txt r");
    size_t got = fread(buf, 1, sizeof buf, f);
    if (ferror(f))
        fail("fread data.txt");
    expect_bytes("fread data.txt", buf, got, "hello\nworld\n", 12);

    /* fseek/ftell on the same stream. */
    if (fseek(f, 0, SEEK_END) != 0)
        fail("fseek end");
    long pos = ftell(f);
    printf("fseek end, ftell: %ld\n", pos);
    if (pos != 12)
        mismatch("ftell", "unexpected position");
    if (fseek(f, 6, SEEK_SET) != 0)
        fail("fseek 6");
    if (!fgets(buf, sizeof buf, f))
        fail("fgets");
    pos = ftell(f);
    printf("fseek 6, fgets: ");
    print_escaped(buf, strlen(buf));
    printf(", ftell: %ld\n", pos);
    if (strcmp(buf, "world\n") != 0 || pos != 12)
        mismatch("fgets", "unexpected line or position");
    fclose(f);

    /* File descriptors: lseek, read, pread/pwrite, ftruncate, fsync. */
    int fd = open(data, O_RDWR);
    if (fd < 0)
        fail("open data.txt O_RDWR");
    printf("open data.txt O_RDWR: ok\n");
    off_t off = lseek(fd, 0, SEEK_END);
    printf("lseek end: %lld\n", (long long)off);
    if (off != 12)
        mismatch("lseek end", "unexpected offset");
    if (lseek(fd, 2, SEEK_SET) != 2)
        fail("lseek 2");
    expect_offset("lseek 2", fd, 2);

    ssize_t w = pwrite(fd, "WORLD", 5, 6);
    if (w < 0)
        fail("pwrite");
    printf("pwrite 5 bytes at 6: %zd\n", w);
    expect_offset("after pwrite", fd, 2);
    ssize_t r = pread(fd, buf, sizeof buf, 0);
    if (r < 0)
        fail("pread");
    expect_bytes("pread at 0", buf, (size_t)r, "hello\nWORLD\n", 12);
    expect_offset("after pread", fd, 2);

    r = read(fd, buf, 3);
    if (r < 0)
        fail("read");
    expect_bytes("read 3", buf, (size_t)r, "llo", 3);
    expect_offset("after read", fd, 5);

    if (ftruncate(fd, 5) != 0)
        fail("ftruncate 5");
    struct stat st;
    if (fstat(fd, &st) != 0)
        fail("fstat");
    printf("ftruncate 5, fstat: %s, %lld bytes\n", type_of(st.st_mode), (long long)st.st_size);
    if (st.st_size != 5)
        mismatch("ftruncate 5", "unexpected size");
    if (ftruncate(fd, 8) != 0)
        fail("ftruncate 8");
    r = pread(fd, buf, sizeof buf, 0);
    if (r < 0)
        fail("pread after ftruncate 8");
    expect_bytes("ftruncate 8, pread", buf, (size_t)r, "hello\0\0\0", 8);
    if (fsync(fd) != 0)
        fail("fsync");
    printf("fsync: ok\n");
    if (close(fd) != 0)
        fail("close");
    printf("close: ok\n");

    expect_error("open data.txt O_CREAT|O_EXCL",
                 open(data, O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, EEXIST, "exists");
    expect_error("open missing.txt", open(join(dir, "missing.txt"), O_RDONLY),
                 ENOENT, ENOENT, "no such file");

    /* rename. */
    if (rename(data, renamed) != 0)
        fail("rename data.txt renamed.txt");
    printf("rename data.txt renamed.txt: ok\n");
    expect_error("stat data.txt", stat(data, &st), ENOENT, ENOENT, "no such file");
    expect_stat("stat renamed.txt", renamed, 1, "file", 8);

    /* symlink / readlink. */
    if (symlink("renamed.txt", link_path) != 0)
        fail("symlink link.txt -> renamed.txt");
    printf("symlink link.txt -> renamed.txt: ok\n");
    r = readlink(link_path, buf, sizeof buf);
    if (r < 0)
        fail("readlink link.txt");
    expect_bytes("readlink link.txt", buf, (size_t)r, "renamed.txt", 11);
    expect_stat("lstat link.txt", link_path, 0, "symlink", -1);
    expect_stat("stat link.txt", link_path, 1, "file", 8);
    fd = open(link_path, O_RDONLY);
    if (fd < 0)
        fail("open link.txt");
    r = read(fd, buf, 5);
    if (r < 0)
        fail("read link.txt");
    expect_bytes("read through link.txt", buf, (size_t)r, "hello", 5);
    close(fd);

    /* Clean up. */
    expect_error("rmdir tarn-files-test (not empty)", rmdir(dir), ENOTEMPTY, EEXIST,
                 "not empty");
    if (unlink(link_path) != 0)
        fail("unlink link.txt");
    printf("unlink link.txt: ok\n");
    expect_error("lstat link.txt", lstat(link_path, &st), ENOENT, ENOENT, "no such file");
    expect_stat("stat renamed.txt", renamed, 1, "file", 8);
    if (unlink(renamed) != 0)
        fail("unlink renamed.txt");
    printf("unlink renamed.txt: ok\n");
    if (rmdir(dir) != 0)
        fail("rmdir tarn-files-test");
    printf("rmdir tarn-files-test: ok\n");
    expect_error("stat tarn-files-test", stat(dir, &st), ENOENT, ENOENT, "no such file");

    printf("all steps passed\n");
    return 0;
}
