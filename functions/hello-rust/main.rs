// WAGI hello in Rust, std only: greets ?name= (default "world") and says how many body bytes arrived on stdin.
use std::env;
use std::io::{self, Read, Write};

fn main() {
    let name = env::args()
        .skip(1)
        .find_map(|a| a.strip_prefix("name=").filter(|v| !v.is_empty()).map(String::from))
        .unwrap_or_else(|| "world".to_string());
    let method = env::var("REQUEST_METHOD").unwrap_or_default();
    let mut body = Vec::new();
    io::stdin().read_to_end(&mut body).expect("read stdin");
    let mut out = io::stdout().lock();
    write!(out, "Content-Type: text/plain; charset=utf-8\n\n").unwrap();
    writeln!(out, "Hello, {name}! (from Rust: {method}, {} body bytes)", body.len()).unwrap();
}
