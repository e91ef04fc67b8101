// WAGI static file server in C: GET /fn/<name>/<path> answers the deployed file <path> (read-only, at "/"),
// "/" answers index.html. /tmp is writable, empty at the start of every call: GET .../tmp-roundtrip writes a file
// there and reads it back. Paths are confined by the host: "..", absolute symlinks and the like lead nowhere.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *content_type(const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot && strcmp(dot, ".html") == 0) return "text/html; charset=utf-8";
  if (dot && strcmp(dot, ".css") == 0) return "text/css";
  if (dot && strcmp(dot, ".json") == 0) return "application/json";
  if (dot && strcmp(dot, ".txt") == 0) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

static int tmp_roundtrip(void) {
  FILE *f = fopen("/tmp/probe.txt", "w");
  if (!f) {
    printf("Status: 500\nContent-Type: text/plain\n\ncannot write /tmp\n");
    return 0;
  }
  fputs("written in /tmp", f);
  fclose(f);
  char buf[64] = {0};
  f = fopen("/tmp/probe.txt", "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  printf("Content-Type: text/plain\n\n%.*s\n", (int)n, buf);
  return 0;
}

int main(void) {
  const char *path = getenv("PATH_INFO");
  if (!path || strcmp(path, "/") == 0 || path[0] == '\0') path = "/index.html";
  if (strcmp(path, "/tmp-roundtrip") == 0) return tmp_roundtrip();
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("Status: 404\nContent-Type: text/plain\n\nno file %s\n", path);
    return 0;
  }
  printf("Content-Type: %s\n\n", content_type(path));
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  return 0;
}
