//! Printing: proto3 JSON with `--json`, otherwise short human text.
use crate::grpc::json::to_json;
use crate::grpc::pb;
use tonic_types::StatusExt;

/// Prints a message as JSON or with the human renderer.
pub fn show<M: prost::Message>(json: bool, name: &str, msg: &M, human: impl FnOnce(&M) -> String) {
    if json {
        println!("{}", to_json(name, msg));
    } else {
        print!("{}", human(msg));
    }
}

/// Every page of a list RPC, joined into one answer: `fetch` gets the page after a token (empty
/// for the first), `join` adds a page's items to the answer and gives its next page token.
pub async fn every_page<R: Default, Fut>(
    mut fetch: impl FnMut(String) -> Fut,
    mut join: impl FnMut(&mut R, R) -> String,
) -> anyhow::Result<R>
where
    Fut: std::future::Future<Output = anyhow::Result<R>>,
{
    let mut all = R::default();
    let mut token = String::new();
    loop {
        let page = fetch(std::mem::take(&mut token)).await?;
        token = join(&mut all, page);
        if token.is_empty() {
            return Ok(all);
        }
    }
}

/// A history step's name without the enum prefix (`SUBMITTED`).
pub fn step(v: i32) -> String {
    pb::Step::try_from(v)
        .map(|s| s.as_str_name().trim_start_matches("STEP_").to_string())
        .unwrap_or_else(|_| v.to_string())
}

fn state(v: i32) -> String {
    pb::ApplicationState::try_from(v)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("APPLICATION_STATE_")
                .to_string()
        })
        .unwrap_or_else(|_| v.to_string())
}

pub(super) fn ts(t: &Option<prost_types::Timestamp>) -> String {
    t.as_ref()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.seconds).ok())
        .map(|d| {
            let d = d.to_offset(time::macros::offset!(+8));
            format!("{} {:02}:{:02}", d.date(), d.hour(), d.minute())
        })
        .unwrap_or_default()
}

pub fn application(a: &pb::Application) -> String {
    let m = a.materials.clone().unwrap_or_default();
    let s = m.subject.unwrap_or_default();
    let r = m.resource.unwrap_or_default();
    let mut out = format!("application {}  state {}", a.id, state(a.state));
    if !a.due_date.is_empty() {
        out += &format!("  due {}", a.due_date);
    }
    out += &format!(
        "\n  subject   {} ({})\n  data      {}\n",
        s.name, a.subject_credit_code, r.name
    );
    let kind = pb::RegistrationType::try_from(a.registration_type)
        .map(|t| t.as_str_name().trim_start_matches("REGISTRATION_TYPE_"))
        .unwrap_or("?");
    if !a.target_code.is_empty() {
        out += &format!("  {:<9} on {}\n", kind.to_ascii_lowercase(), a.target_code);
    }
    if !a.code.is_empty() {
        out += &format!("  code      {}\n", a.code);
    }
    if !a.publicity_start.is_empty() {
        out += &format!("  publicity {} .. {}\n", a.publicity_start, a.publicity_end);
    }
    if !a.supplement_items.is_empty() {
        out += &format!("  supplement: {}\n", a.supplement_items.join("; "));
    }
    for o in &a.objections {
        let st = pb::ObjectionState::try_from(o.state)
            .map(|s| s.as_str_name())
            .unwrap_or("?");
        out += &format!(
            "  objection {} [{}] by {}: {}\n",
            o.id,
            st.trim_start_matches("OBJECTION_STATE_"),
            o.objector_name,
            o.reason
        );
    }
    for d in &a.decisions {
        out += &format!(
            "    {}  {:<24} log #{:<6} {}  {}\n",
            ts(&d.at),
            step(d.step),
            d.log_index,
            d.actor,
            d.reason
        );
    }
    out
}

pub fn record(r: &pb::Record) -> String {
    let st = pb::RecordStatus::try_from(r.status)
        .map(|s| s.as_str_name())
        .unwrap_or("?");
    let mut out = format!(
        "{}  v{}  {}\n  subject   {} ({})\n  data      {}\n  summary   {}\n  valid     {} .. {}\n",
        r.code,
        r.current_version,
        st.trim_start_matches("RECORD_STATUS_"),
        r.subject_name,
        r.subject_credit_code,
        r.data_name,
        r.summary,
        r.valid_from,
        r.valid_until
    );
    for v in &r.versions {
        let kind = pb::RegistrationType::try_from(v.registration_type)
            .map(|t| t.as_str_name().trim_start_matches("REGISTRATION_TYPE_"))
            .unwrap_or("?");
        out += &format!(
            "  version {}  {:<10} query code {}  assigned {}  valid until {}\n",
            v.version,
            kind.to_ascii_lowercase(),
            v.query_code,
            v.assigned_on,
            v.valid_until
        );
    }
    if !r.ended_on.is_empty() {
        out += &format!(
            "  ended     {} {} {}\n",
            r.ended_on,
            if r.ended_by_application.is_empty() {
                "by the institution:".to_string()
            } else {
                format!("by application {}", r.ended_by_application)
            },
            r.end_reason
        );
    }
    for d in &r.history {
        // The node whose log holds the step (its origin's last part).
        let log = d.log_origin.rsplit('/').next().unwrap_or_default();
        out += &format!(
            "    {}  {:<24} log {:<12} {}\n",
            ts(&d.at),
            step(d.step),
            format!("{log}#{}", d.log_index),
            d.reason
        );
    }
    out
}

pub fn certificate(c: &pb::Certificate) -> String {
    format!(
        "certificate {} v{}\n  query code  {}\n  subject     {} ({})\n  data        {}\n  valid       {} .. {}\n  issuer      {} (key {})\n  log index   {}\n",
        c.code, c.version, c.query_code, c.subject_name, c.subject_credit_code, c.data_name, c.valid_from, c.valid_until, c.issuer_node, c.issuer_key_id, c.log_index
    ) + if c.nationally_confirmed {
        "  national    confirmed (cosigned checkpoint kept)\n"
    } else {
        "  national    not confirmed yet\n"
    }
}

/// Turns an RPC error into a message naming the reason code and every bad field.
pub fn rpc_error(s: tonic::Status) -> anyhow::Error {
    let mut msg = format!("{:?}: {}", s.code(), s.message());
    if let Some(br) = s.get_details_bad_request() {
        for v in br.field_violations {
            msg += &format!("\n  - {}: {}", v.field, v.description);
        }
    }
    anyhow::anyhow!(msg)
}

pub fn statistics(s: &pb::GetStatisticsResponse) -> String {
    let mut out = format!(
        "{} records in the registry of {} on {}\n",
        s.records, s.node_id, s.as_of
    );
    for (title, counts) in [
        ("region", &s.by_region),
        ("data type", &s.by_data_type),
        ("industry", &s.by_industry),
        ("status", &s.by_status),
        ("registered", &s.registrations_by_month),
    ] {
        let parts: Vec<String> = counts
            .iter()
            .map(|c| format!("{} {}", c.key, c.count))
            .collect();
        out += &format!("  {title:<11} {}\n", parts.join(", "));
    }
    out
}

/// The provinces of the national book, one line each.
pub fn provinces(r: &pb::ListProvincesResponse) -> String {
    let mut out = format!(
        "{} provinces in the book of {}\n",
        r.provinces.len(),
        r.node_id
    );
    for p in &r.provinces {
        let who = match (p.node_id.as_str(), p.hosted) {
            ("", true) => "hosted by the national node".to_string(),
            ("", false) => "no node".to_string(),
            (id, _) => format!("node {id}"),
        };
        let confirmed = if p.confirmed_size == 0 {
            "no checkpoint confirmed yet".to_string()
        } else {
            format!(
                "confirmed {} entries, {} s behind, {} still to come",
                p.confirmed_size, p.seconds_behind, p.entries_behind
            )
        };
        let frozen = if p.frozen { ", FROZEN" } else { "" };
        out += &format!(
            "  {} {:>8} records  {who}: {confirmed}{frozen}\n",
            p.region, p.records
        );
    }
    out
}
