// Test fixture for `wasmfn run`: argv[1] names an action, the rest are its operands. A failed file operation
// prints "error: <strerror>" on stderr and exits 1.
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *op = argv[1];
  if (strcmp(op, "cat") == 0 && argc == 3) {
    FILE *f = fopen(argv[2], "r");
    if (!f) return fail(argv[2]);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
  }
  if (strcmp(op, "cat-each") == 0 || strcmp(op, "write-each") == 0) {
    // One line per path: "<path>: <content>" or "<path>: error <strerror>"; the exit code is the failures' count.
    int writing = op[0] == 'w', failures = 0;
    for (int i = 2; i < argc; i++) {
      FILE *f = fopen(argv[i], writing ? "w" : "r");
      if (!f) {
        printf("%s: error %s\n", argv[i], strerror(errno));
        failures++;
        continue;
      }
      char buf[256] = {0};
      if (writing) fputs("pwned", f);
      else fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      printf("%s: %s\n", argv[i], writing ? "written" : buf);
    }
    return failures;
  }
  if (strcmp(op, "write") == 0 && argc == 4) {
    FILE *f = fopen(argv[2], "w");
    if (!f) return fail(argv[2]);
    fputs(argv[3], f);
    return fclose(f) == 0 ? 0 : fail(argv[2]);
  }
  if (strcmp(op, "ls") == 0 && argc == 3) {
    DIR *d = opendir(argv[2]);
    if (!d) return fail(argv[2]);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) printf("%s\n", e->d_name);
    }
    closedir(d);
    return 0;
  }
  if (strcmp(op, "stdin") == 0) {
    char buf[4096];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) total += n;
    printf("%zu bytes\n", total);
    return 0;
  }
  if (strcmp(op, "env") == 0 && argc == 3) {
    const char *v = getenv(argv[2]);
    printf("%s\n", v ? v : "(unset)");
    return 0;
  }
  if (strcmp(op, "args") == 0) {
    for (int i = 0; i < argc; i++) printf("%s\n", argv[i]);
    return 0;
  }
  if (strcmp(op, "exit") == 0 && argc == 3) return atoi(argv[2]);
  if (strcmp(op, "spin") == 0) {
    volatile unsigned long x = 0;
    for (;;) x++;
  }
  if (strcmp(op, "sleep") == 0) {
    sleep(60);
    return 0;
  }
  if (strcmp(op, "alloc") == 0 && argc == 3) {
    size_t mb = (size_t)atoi(argv[2]);
    char *p = malloc(mb * 1024 * 1024);
    if (!p) abort();
    memset(p, 1, mb * 1024 * 1024);
    printf("%d\n", p[mb * 1024 * 1024 - 1]);
    return 0;
  }
  return 2;
}
