//! Proto3 JSON, both ways, through the descriptor set compiled into the binary: the CLI reads
//! and prints exactly the JSON that grpcurl and other gRPC tools use for the same messages.
use super::FILE_DESCRIPTOR_SET;
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use std::sync::OnceLock;

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("the compiled-in descriptor set decodes")
    })
}

/// Renders a message as pretty proto3 JSON (enum names, RFC 3339 timestamps, base64 bytes).
pub fn to_json<M: Message>(name: &str, msg: &M) -> String {
    let desc = pool()
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("{name} is in the descriptor set"));
    let dynamic = DynamicMessage::decode(desc, msg.encode_to_vec().as_slice())
        .expect("a message re-decodes as itself");
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::pretty(&mut out);
    dynamic
        .serialize_with_options(&mut ser, &SerializeOptions::new().skip_default_fields(true))
        .expect("JSON serialisation of a valid message");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Parses proto3 JSON into a message, naming what is wrong when it does not fit.
pub fn from_json<M: Message + Default>(name: &str, text: &str) -> Result<M, String> {
    let desc = pool()
        .get_message_by_name(name)
        .ok_or_else(|| format!("{name} is not a known message"))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let dynamic = DynamicMessage::deserialize(desc, &mut de)
        .map_err(|e| format!("not a valid {name} in proto3 JSON: {e}"))?;
    de.end()
        .map_err(|e| format!("trailing data after the JSON: {e}"))?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| format!("{name}: {e}"))
}

/// One materials message in proto3 JSON (as `sjdj app create --materials` reads it), as the
/// domain's materials; what does not fit is named.
pub fn materials(text: &str) -> Result<crate::domain::materials::Materials, String> {
    let wire: super::pb::Materials = from_json("sjdj.v1.Materials", text)?;
    wire.try_into()
        .map_err(|s: tonic::Status| s.message().to_string())
}
