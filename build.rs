//! Generates the gRPC code from `proto/` with protox, a pure-Rust protobuf compiler, so the build
//! needs no system `protoc`. The encoded descriptor set is kept for server reflection.
use prost::Message;
use std::{env, fs, path::PathBuf};

const PROTOS: &[&str] = &[
    "proto/sjdj/v1/types.proto",
    "proto/sjdj/v1/registration.proto",
    "proto/sjdj/v1/review.proto",
    "proto/sjdj/v1/registry.proto",
    "proto/sjdj/v1/admin.proto",
    "proto/sjdj/v1/transparency.proto",
    "proto/sjdj/v1/federation.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("sjdj_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
