//! The graph-file loader must refuse any input with an error, never panic.
//! Both entry points: the full file (header, checksum) and the body decoder
//! behind the checksum, which random bytes would otherwise never reach.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = corridor_graph::RoadGraph::from_bytes(data);
    let _ = corridor_graph::decode_body(data);
});
