// A counter in Rust: std (WASI) for the CGI response, and the "wasmfn" module's imports for the key-value store,
// declared here with the signatures functions/sdk/README.md documents (functions/sdk-c/wasmfn.h holds the same
// for C).
use std::io::Write;

#[link(wasm_import_module = "wasmfn")]
extern "C" {
    /// 0, with the counter's new value written at `out`; a negative code on failure (the text is the result).
    fn kv_increment(store: *const u8, store_len: i32, key: *const u8, key_len: i32, delta: i64, out: *mut i64) -> i32;
    fn result_len() -> i32;
    fn result_read(dest: *mut u8);
}

/// The last call's result as text ("code: message" after a failure).
fn result_text() -> String {
    let n = unsafe { result_len() };
    let mut buf = vec![0u8; n.max(0) as usize];
    unsafe { result_read(buf.as_mut_ptr()) };
    String::from_utf8_lossy(&buf).into_owned()
}

/// Adds `delta` to `key` in the function's own store (an empty store name).
fn increment(key: &str, delta: i64) -> Result<i64, String> {
    let mut value = 0i64;
    let rc = unsafe { kv_increment(std::ptr::null(), 0, key.as_ptr(), key.len() as i32, delta, &mut value) };
    if rc < 0 { Err(result_text()) } else { Ok(value) }
}

fn main() {
    let mut out = std::io::stdout().lock();
    match increment("count", 1) {
        Ok(count) => write!(out, "Content-Type: text/plain\n\n{count}").unwrap(),
        Err(why) => write!(out, "Status: 503\nContent-Type: text/plain\n\nkv error: {why}\n").unwrap(),
    }
}
