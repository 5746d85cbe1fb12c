//! The keyspace. Every key starts with a short ASCII prefix naming its family; numbers are
//! big-endian or zero-padded so that byte order is numeric order.
//!
//! | key | value |
//! |---|---|
//! | `app/{id}` | the application's current state without its materials (compact codec); in stores written before, its revision (u64 BE) |
//! | `appm/{id}` | the application's current materials (compact codec), written by the steps that change them |
//! | `appv/{id}/{revision u64 BE}` | stores written before only: the state after that revision (codec) |
//! | `ev/{index u64 BE}` | log entry `index` (its own versioned layout, `log::entry`) |
//! | `lt/{level}/{n u64 BE}` | log tree tile: hashes of level `8·level`, from `256·n` (`log::tree`) |
//! | `idx/state/{STATE}/{id}` | empty: applications by state |
//! | `idx/subject/{credit code}/{id}` | empty: applications by subject |
//! | `idx/pubend/{YYYY-MM-DD}/{id}` | empty: applications in publicity by last day |
//! | `rec/{code}` | public registry record (compact codec; JSON in stores written before) |
//! | `purge/{date}/{c or a}/{code or id}` | empty: purge that record's (or application's) contacts on or after the date |
//! | `purgeat/{c or a}/{code or id}` | the date it is scheduled under, so a reschedule removes the old key |
//! | `sev/{credit code}/{log index u64 BE}` | a subject's application events, for notification streams, with the openings of the entry's commitments (compact codec: `engine::Change`, then the openings; JSON in stores written before; see `engine::openings`) |
//! | `busy/{code}` | id of the change, correction, renewal or deregistration open on the code |
//! | `cert/{code}/{version u32 BE}` | signed certificate bytes (their own versioned layout) |
//! | `qc/{query code}` | `{code}/{version}` |
//! | `serial/{region}/{year}` | last serial minted (u32 BE) |
//! | `tok/{sha256 hex of token}` | token record (codec); the token itself is never stored |
//! | `tokid/{token id}` | sha256 hex of the token |
//! | `idem/{actor id}/{request id}` | first result of an idempotent write (compact codec; JSON in stores written before) |
//! | `att/{sha256 hex}` | attachment bytes |
//! | `meta/{name}` | counters (`next_event` = log size, `search_feed` = last position of the search index's feed), clock offset, `checkpoint` (signed note) |
//! | `trust/{node id}` | national: the node's trust-list record (codec, `sync::trust`) |
//! | `trustregion/{region}` | national: node id the namespace is delegated to |
//! | `trustkey/{key hex}` | national: node id the key belongs to (keys are never reused) |
//! | `hosted/{region}` | empty: the national node hosts this province namespace |
//! | `import/{code}` | empty: province: a code handed over whose record is still to import |
//! | `fed/{node id}/state` | national: what it holds of that node's log (codec) |
//! | `fed/{node id}/eb/{n u64 BE}` | national: the node's entries `16·n ..` as sent, an entry bundle (`engine::federation`): a zstd frame once full, raw while partial |
//! | `fed/{node id}/lt/{level}/{n u64 BE}` | national: tile of the node's mirrored tree |
//! | `fed/{node id}/receipt` | national: the last receipt given (cosigned checkpoint) |
//! | `fapp/{node id}/{id}` | national: a province's application folded from its log (compact codec; JSON in stores written before) |
//! | `fpub/{node id}/{id}` | empty: mirrored applications in publicity |
//! | `alarm/{n u64 BE}` | national: a raised alarm with its evidence (codec) |
//! | `rcpt/{size u64 BE}` | province: the national node's receipt for its checkpoint of `size` |
//! | `open/{index u64 BE}` | the openings of a log entry's commitments that is not a flow event (codec: `log::commitment::Opening`s), for the audit and the auditor role |
//! | `ixc/{feed position u64 BE}` | the codes of the records the group at that position of the search index's feed changed (compact codec: a list of strings) |
//! | `ixc/{feed position u64 BE}/{code}` | stores written before only: empty, record `code` changed in the group at that position |
//! | `tally/{province}\0{facet}\0{value}` | a kept count of the registry's records (u64 BE), `domain::statistics::Tally`; `meta/tally` says they are kept |
//! | `use/draft/{id}` | bytes a draft's edits stored, counted as the state each left (u64 BE): quota |
//! | `use/att/{credit code}` | bytes of attachments a subject's registrants uploaded first (u64 BE): quota |

/// The openings of log entry `index`'s commitments, when it is not a flow event (a flow event's
/// are kept in its subject's event record).
pub fn openings(index: u64) -> Vec<u8> {
    let mut k = b"open/".to_vec();
    k.extend_from_slice(&index.to_be_bytes());
    k
}

/// Bytes stored while application `id` is a draft (`quotas.draft_bytes`).
pub fn draft_usage(id: &str) -> Vec<u8> {
    format!("use/draft/{id}").into_bytes()
}

/// Bytes of attachments first uploaded for a subject (`quotas.attachment_bytes_per_subject`).
pub fn attachment_usage(subject: &str) -> Vec<u8> {
    format!("use/att/{subject}").into_bytes()
}

pub const APP_PREFIX: &[u8] = b"app/";

pub fn app(id: &str) -> Vec<u8> {
    format!("app/{id}").into_bytes()
}

pub fn app_materials(id: &str) -> Vec<u8> {
    format!("appm/{id}").into_bytes()
}

pub fn app_version(id: &str, revision: u64) -> Vec<u8> {
    let mut k = format!("appv/{id}/").into_bytes();
    k.extend_from_slice(&revision.to_be_bytes());
    k
}

pub const EVENT_PREFIX: &[u8] = b"ev/";

pub fn event(index: u64) -> Vec<u8> {
    let mut k = EVENT_PREFIX.to_vec();
    k.extend_from_slice(&index.to_be_bytes());
    k
}

/// A tile of the log's Merkle tree.
pub fn tile(level: u8, n: u64) -> Vec<u8> {
    let mut k = format!("lt/{level}/").into_bytes();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub fn state_prefix(state: &str) -> Vec<u8> {
    format!("idx/state/{state}/").into_bytes()
}

pub fn state_index(state: &str, id: &str) -> Vec<u8> {
    format!("idx/state/{state}/{id}").into_bytes()
}

pub fn subject_prefix(credit_code: &str) -> Vec<u8> {
    format!("idx/subject/{credit_code}/").into_bytes()
}

pub fn subject_index(credit_code: &str, id: &str) -> Vec<u8> {
    format!("idx/subject/{credit_code}/{id}").into_bytes()
}

pub const PUBLICITY_END_PREFIX: &str = "idx/pubend/";

pub fn publicity_end(date: time::Date, id: &str) -> Vec<u8> {
    format!("{PUBLICITY_END_PREFIX}{date}/{id}").into_bytes()
}

pub const RECORD_PREFIX: &[u8] = b"rec/";

pub const RECORD_CHANGE_PREFIX: &[u8] = b"ixc/";

/// The group at position `seq` of the search index's feed: its value names the records it
/// changed. One key a group, not one a record: at a million records a key each was a million
/// keys, about 90,000 of sled's pages held in memory.
pub fn record_changes(seq: u64) -> Vec<u8> {
    let mut k = RECORD_CHANGE_PREFIX.to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The key stores written before gave each record changed at feed position `seq`.
pub fn record_change_before(seq: u64, code: &str) -> Vec<u8> {
    let mut k = record_changes(seq);
    k.push(b'/');
    k.extend_from_slice(code.as_bytes());
    k
}

pub const TALLY_PREFIX: &[u8] = b"tally/";

/// A kept count: province, facet and value, NUL between them (none of them holds one).
pub fn tally(province: &str, facet: &str, value: &str) -> Vec<u8> {
    format!("tally/{province}\0{facet}\0{value}").into_bytes()
}

/// Its province, facet and value.
pub fn tally_parts(key: &[u8]) -> Option<(&str, &str, &str)> {
    let rest = std::str::from_utf8(key.strip_prefix(TALLY_PREFIX)?).ok()?;
    let mut parts = rest.splitn(3, '\0');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

pub fn record(code: &str) -> Vec<u8> {
    format!("rec/{code}").into_bytes()
}

pub const PURGE_PREFIX: &str = "purge/";

/// Retention: what to purge on `date`: `kind` `c` a record's applications, `a` one application.
pub fn purge(date: &str, kind: char, id: &str) -> Vec<u8> {
    format!("purge/{date}/{kind}/{id}").into_bytes()
}

pub fn purge_at(kind: char, id: &str) -> Vec<u8> {
    format!("purgeat/{kind}/{id}").into_bytes()
}

/// A subject's application events in log order: what its notification stream reads.
pub fn subject_event(credit_code: &str, index: u64) -> Vec<u8> {
    let mut k = subject_events_prefix(credit_code);
    k.extend_from_slice(&index.to_be_bytes());
    k
}

pub fn subject_events_prefix(credit_code: &str) -> Vec<u8> {
    format!("sev/{credit_code}/").into_bytes()
}

/// One application at a time per code: the one open on it, until it ends.
pub fn code_busy(code: &str) -> Vec<u8> {
    format!("busy/{code}").into_bytes()
}

pub fn certificate(code: &str, version: u32) -> Vec<u8> {
    let mut k = format!("cert/{code}/").into_bytes();
    k.extend_from_slice(&version.to_be_bytes());
    k
}

pub fn query_code(qc: &str) -> Vec<u8> {
    format!("qc/{qc}").into_bytes()
}

pub fn serial(region: &str, year: i32) -> Vec<u8> {
    format!("serial/{region}/{year}").into_bytes()
}

pub fn token(hash_hex: &str) -> Vec<u8> {
    format!("tok/{hash_hex}").into_bytes()
}

pub const TOKEN_ID_PREFIX: &[u8] = b"tokid/";

pub fn token_id(id: &str) -> Vec<u8> {
    format!("tokid/{id}").into_bytes()
}

pub fn idempotency(actor: &str, request_id: &str) -> Vec<u8> {
    format!("idem/{actor}/{request_id}").into_bytes()
}

pub fn attachment(sha256_hex: &str) -> Vec<u8> {
    format!("att/{sha256_hex}").into_bytes()
}

pub fn meta(name: &str) -> Vec<u8> {
    format!("meta/{name}").into_bytes()
}

pub fn trust(node_id: &str) -> Vec<u8> {
    format!("trust/{node_id}").into_bytes()
}

pub const TRUST_PREFIX: &[u8] = b"trust/";

pub fn trust_region(region: &str) -> Vec<u8> {
    format!("trustregion/{region}").into_bytes()
}

pub fn trust_key(key_hex: &str) -> Vec<u8> {
    format!("trustkey/{key_hex}").into_bytes()
}

pub const HOSTED_PREFIX: &[u8] = b"hosted/";

pub fn hosted(region: &str) -> Vec<u8> {
    format!("hosted/{region}").into_bytes()
}

pub const IMPORT_PREFIX: &[u8] = b"import/";

pub fn import(code: &str) -> Vec<u8> {
    format!("import/{code}").into_bytes()
}

pub fn serial_prefix(region: &str) -> Vec<u8> {
    format!("serial/{region}/").into_bytes()
}

pub fn fed_state(node_id: &str) -> Vec<u8> {
    format!("fed/{node_id}/state").into_bytes()
}

/// Entries of a mirrored log are kept 16 to a key (`engine::federation::BUNDLE`), in bundles
/// like tlog-tiles' entry bundles: one store key per 16 entries instead of one per entry.
pub fn fed_bundle(node_id: &str, n: u64) -> Vec<u8> {
    let mut k = format!("fed/{node_id}/eb/").into_bytes();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub fn fed_tile(node_id: &str, level: u8, n: u64) -> Vec<u8> {
    let mut k = format!("fed/{node_id}/lt/{level}/").into_bytes();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub fn fed_receipt(node_id: &str) -> Vec<u8> {
    format!("fed/{node_id}/receipt").into_bytes()
}

pub fn fed_app(id: &str) -> Vec<u8> {
    format!("fapp/{id}").into_bytes()
}

pub const FED_PUBLICITY_PREFIX: &[u8] = b"fpub/";

pub fn fed_publicity(id: &str) -> Vec<u8> {
    format!("fpub/{id}").into_bytes()
}

pub const ALARM_PREFIX: &[u8] = b"alarm/";

pub fn alarm(n: u64) -> Vec<u8> {
    let mut k = ALARM_PREFIX.to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub const RECEIPT_PREFIX: &[u8] = b"rcpt/";

pub fn receipt(size: u64) -> Vec<u8> {
    let mut k = RECEIPT_PREFIX.to_vec();
    k.extend_from_slice(&size.to_be_bytes());
    k
}

/// The part of a key after its prefix, as text (ids in index keys).
pub fn suffix<'a>(key: &'a [u8], prefix: &[u8]) -> &'a str {
    key.strip_prefix(prefix)
        .and_then(|s| std::str::from_utf8(s).ok())
        .unwrap_or_default()
}
