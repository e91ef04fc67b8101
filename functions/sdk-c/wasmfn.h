/* wasmfn capabilities for C guests (WAGI, next to WASI): key-value storage, outbound HTTP and config.
 *
 * The imports of the "wasmfn" module, byte for byte as functions/sdk/README.md ("Capabilities") documents them.
 * Every call returns an int32_t: >= 0 on success (a length, a count or a flag), a negative WASMFN_E_* code on
 * failure. A variable-length answer (a value, a page of keys, a response, an error's "code: message" text) is the
 * call's result: read it with wasmfn_result_len() and wasmfn_result_read() before the next capability call.
 * An empty store name (len 0) is the function's own store.
 *
 *   #include "../sdk-c/wasmfn.h"     then build with clang --target=wasm32-wasi as usual.
 */
#ifndef WASMFN_H
#define WASMFN_H

#include <stdint.h>
#include <string.h>

#define WASMFN_IMPORT(name) __attribute__((import_module("wasmfn"), import_name(#name)))

#define WASMFN_E_NOT_FOUND          (-1)
#define WASMFN_E_DENIED             (-2)
#define WASMFN_E_KEY_TOO_LARGE      (-3)
#define WASMFN_E_VALUE_TOO_LARGE    (-4)
#define WASMFN_E_TOO_MANY_CALLS     (-5)
#define WASMFN_E_STORE_FULL         (-6)
#define WASMFN_E_INVALID            (-7)
#define WASMFN_E_NOT_A_NUMBER       (-8)
#define WASMFN_E_FETCH_FAILED       (-9)
#define WASMFN_E_RESPONSE_TOO_LARGE (-10)
#define WASMFN_E_UNAVAILABLE        (-11)
#define WASMFN_E_TIMEOUT            (-12)

WASMFN_IMPORT(result_len) int32_t wasmfn_result_len(void);
WASMFN_IMPORT(result_read) void wasmfn_result_read(void *dest);

/* >= 0: the value's length (read it with wasmfn_result_read); WASMFN_E_NOT_FOUND when absent. */
WASMFN_IMPORT(kv_get) int32_t wasmfn_kv_get(const char *store, int32_t store_len, const char *key, int32_t key_len);
/* 0 when stored. */
WASMFN_IMPORT(kv_set) int32_t wasmfn_kv_set(const char *store, int32_t store_len, const char *key, int32_t key_len, const void *value, int32_t value_len);
/* 1 when the key was there, 0 when it was not. */
WASMFN_IMPORT(kv_delete) int32_t wasmfn_kv_delete(const char *store, int32_t store_len, const char *key, int32_t key_len);
/* 1 or 0. */
WASMFN_IMPORT(kv_exists) int32_t wasmfn_kv_exists(const char *store, int32_t store_len, const char *key, int32_t key_len);
/* >= 0: the page's length: u32 count, (u32 len, key)*, u32 cursor len, cursor (empty on the last page). */
WASMFN_IMPORT(kv_keys) int32_t wasmfn_kv_keys(const char *store, int32_t store_len, const char *prefix, int32_t prefix_len, const char *cursor, int32_t cursor_len, int32_t limit);
/* 0, with the counter's new value written at *out (8 bytes, little-endian). */
WASMFN_IMPORT(kv_increment) int32_t wasmfn_kv_increment(const char *store, int32_t store_len, const char *key, int32_t key_len, int64_t delta, int64_t *out);
/* request: str method, str url, u32 header count, (str name, str value)*, u32 body len, body (str = u32 len + bytes).
 * >= 0: the response's length: u32 status, u32 header count, (str, str)*, u32 body len, body. */
WASMFN_IMPORT(http_fetch) int32_t wasmfn_http_fetch(const void *request, int32_t request_len);
/* >= 0: the value's length; WASMFN_E_NOT_FOUND when the config has no variable or secret of that name. */
WASMFN_IMPORT(config_get) int32_t wasmfn_config_get(const char *name, int32_t name_len);

/* Conveniences over NUL-terminated strings, in the function's own store. */
static inline int32_t wasmfn_kv_incr(const char *key, int64_t delta, int64_t *out) {
  return wasmfn_kv_increment("", 0, key, (int32_t)strlen(key), delta, out);
}

/* Copies the result into buf (at most cap - 1 bytes) and ends it with NUL; the bytes copied. */
static inline int32_t wasmfn_result_string(int32_t len, char *buf, int32_t cap) {
  if (len < 0 || cap <= 0) return 0;
  int32_t n = wasmfn_result_len();
  if (n < cap) {
    wasmfn_result_read(buf);
  } else {
    /* Too long for buf: the host copies it all, so it goes through a buffer of its own size. */
    char tmp[n];
    wasmfn_result_read(tmp);
    memcpy(buf, tmp, (size_t)cap - 1);
    n = cap - 1;
  }
  buf[n] = 0;
  return n;
}

#endif
