// WAGI echo in C: answers 201 with the request body, its content type, and its length in X-Echo-Length.
// A body of "fail" exits with status 3 to show how a non-zero exit is reported; stderr lines are the log.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t cap = 4096, len = 0;
  char *body = malloc(cap);
  size_t n;
  while (body && (n = fread(body + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) body = realloc(body, cap *= 2);
  }
  if (!body) {
    fprintf(stderr, "out of memory reading the body\n");
    return 1;
  }
  fprintf(stderr, "echoing %zu bytes\n", len);
  if (len == 4 && memcmp(body, "fail", 4) == 0) {
    fprintf(stderr, "asked to fail\n");
    exit(3);
  }
  const char *type = getenv("CONTENT_TYPE");
  printf("Status: 201 Created\n");
  printf("Content-Type: %s\n", type && *type ? type : "application/octet-stream");
  printf("X-Echo-Length: %zu\n\n", len);
  fwrite(body, 1, len, stdout);
  return 0;
}
