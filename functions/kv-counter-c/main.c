/* A counter in C through wasmfn.h: WASI for the CGI response, the wasmfn imports for the key-value store. */
#include <stdio.h>
#include <inttypes.h>
#include "../sdk-c/wasmfn.h"

int main(void) {
  int64_t count = 0;
  int32_t rc = wasmfn_kv_incr("count", 1, &count);
  if (rc < 0) {
    char why[256];
    wasmfn_result_string(rc, why, sizeof why);
    printf("Status: 503\r\nContent-Type: text/plain\r\n\r\nkv error: %s\n", why);
    return 0;
  }
  printf("Content-Type: text/plain\r\n\r\n%" PRId64, count);
  return 0;
}
