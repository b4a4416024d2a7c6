/* walk.c - recursively list a directory: one line per entry with its path
 * relative to the root, its type, and its size (files) or target (symlinks).
 * Entries are collected and sorted by path, so the output does not depend on
 * the order readdir returns them in. Symlinks are reported, never followed.
 *
 *   walk DIR
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
    char *path;     /* relative to the root */
    char type;      /* 'f' file, 'd' dir, 'l' symlink, '?' other */
    long long size; /* files only */
    char *target;   /* symlinks only */
};

static struct entry *entries;
static size_t count, capacity;
static int failed;

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + 1 + lb + 1);
    if (!s) {
        perror("malloc");
        exit(1);
    }
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static void add(struct entry e)
{
    if (count == capacity) {
        capacity = capacity ? capacity * 2 : 64;
        entries = realloc(entries, capacity * sizeof *entries);
        if (!entries) {
            perror("realloc");
            exit(1);
        }
    }
    entries[count++] = e;
}

/* Walks host directory `dir`, whose path relative to the root is `rel`
 * (NULL for the root itself). */
static void walk(const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "walk: opendir %s: %s\n", dir, strerror(errno));
        failed = 1;
        return;
    }
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *full = join(dir, de->d_name);
        char *path = rel ? join(rel, de->d_name) : strdup(de->d_name);
        struct stat st;
        struct entry e = {path, '?', 0, NULL};
        if (lstat(full, &st) != 0) {
            fprintf(stderr, "walk: lstat %s: %s\n", full, strerror(errno));
            failed = 1;
        } else if (S_ISREG(st.st_mode)) {
            e.type = 'f';
            e.size = (long long)st.st_size;
        } else if (S_ISDIR(st.st_mode)) {
            e.type = 'd';
            walk(full, path);
        } else if (S_ISLNK(st.st_mode)) {
            char buf[4096];
            ssize_t n = readlink(full, buf, sizeof buf - 1);
            e.type = 'l';
            if (n < 0) {
                fprintf(stderr, "walk: readlink %s: %s\n", full, strerror(errno));
                failed = 1;
                n = 0;
            }
            buf[n] = '\0';
            e.target = strdup(buf);
        }
        add(e);
        free(full);
        errno = 0;
    }
    if (errno != 0) {
        fprintf(stderr, "walk: readdir %s: %s\n", dir, strerror(errno));
        failed = 1;
    }
    closedir(d);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: walk DIR\n");
        return 2;
    }
    walk(argv[1], NULL);
    qsort(entries, count, sizeof *entries, by_path);

    for (size_t i = 0; i < count; i++) {
        const struct entry *e = &entries[i];
        switch (e->type) {
        case 'f': printf("file    %s (%lld bytes)\n", e->path, e->size); break;
        case 'd': printf("dir     %s/\n", e->path); break;
        case 'l': printf("symlink %s -> %s\n", e->path, e->target); break;
        default:  printf("other   %s\n", e->path); break;
        }
        free(e->path);
        free(e->target);
    }
    free(entries);
    printf("%zu entries\n", count);
    return failed;
}
