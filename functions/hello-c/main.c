// WAGI hello in C: greets ?name= (default "world"), using only the C library. Query arguments arrive as argv
// ("name=Ada"), the request as CGI environment variables; the response is headers, a blank line, the body.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *name = "world";
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "name=", 5) == 0 && argv[i][5] != '\0') name = argv[i] + 5;
  }
  const char *method = getenv("REQUEST_METHOD");
  const char *path = getenv("PATH_INFO");
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("Hello, %s! (from C: %s %s)\n", name, method ? method : "?", path ? path : "/");
  return 0;
}
