//! Public commands: no token needed.
use super::client::Client;
use super::output::{self, rpc_error, show};
use super::Global;
use crate::grpc::{pb, Carries};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum RegistryCmd {
    /// A record by unified code, with versions and history.
    Get { code: String },
    /// Search by keyword (Chinese substrings work) and filters.
    Search {
        #[arg(default_value = "")]
        query: String,
        #[arg(long, default_value = "")]
        region: String,
        /// 1, 2 or 3.
        #[arg(long)]
        data_type: Option<i32>,
        #[arg(long, default_value = "")]
        industry: String,
        /// The year the code was assigned.
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, default_value_t = 20)]
        limit: i32,
    },
    /// Current publicity notices (公示).
    Notices {
        #[arg(long, default_value_t = 50)]
        limit: i32,
    },
    /// File an objection (异议) to an application in publicity.
    Object {
        application: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        contact: String,
        #[arg(long)]
        reason: String,
    },
    /// The node's identity and public key.
    Info,
    /// Statistics for disclosure: records by region, data type, industry, status, and
    /// registrations per month (the national node: every province's).
    Stats {
        /// Only the records of this region's province (XX0000).
        #[arg(long, default_value = "")]
        province: String,
    },
    /// The national node: the provinces of its book, with their records and the last
    /// checkpoint of each province's log it confirmed, and how far behind that is.
    Provinces,
}

pub async fn run(cmd: RegistryCmd, g: &Global) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let mut r = c.registry();
    match cmd {
        RegistryCmd::Get { code } => {
            let rec = r
                .get_record(c.req(pb::GetRecordRequest { code })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let rec = rec.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.Record", &rec, output::record);
        }
        RegistryCmd::Search {
            query,
            region,
            data_type,
            industry,
            year,
            limit,
        } => {
            let req = pb::SearchRecordsRequest {
                query,
                region,
                data_type: data_type.unwrap_or(0),
                industry,
                status: 0,
                page_size: limit,
                page_token: String::new(),
                registration_year: year.unwrap_or(0),
            };
            let res = r
                .search_records(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.SearchRecordsResponse", &res, |res| {
                res.records
                    .iter()
                    .map(|rec| format!("{}  {}  {}\n", rec.code, rec.subject_name, rec.data_name))
                    .collect()
            });
        }
        RegistryCmd::Notices { limit } => {
            let res = r
                .list_publicity_notices(c.req(pb::ListPublicityNoticesRequest {
                    page_size: limit,
                    page_token: String::new(),
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(
                g.json,
                "sjdj.v1.ListPublicityNoticesResponse",
                &res,
                |res| {
                    res.notices
                        .iter()
                        .map(|n| {
                            format!(
                                "{}  {} .. {}\n{}\n",
                                n.application_id, n.publicity_start, n.publicity_end, n.text
                            )
                        })
                        .collect()
                },
            );
        }
        RegistryCmd::Object {
            application,
            name,
            contact,
            reason,
        } => {
            let req = pb::FileObjectionRequest {
                request_id: c.request_id(),
                application_id: application,
                objector_name: name,
                objector_contact: contact,
                reason,
            };
            let o = r
                .file_objection(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let o = o.carried().map_err(rpc_error)?;
            show(g.json, "sjdj.v1.Objection", &o, |o| {
                format!("objection {} filed\n", o.id)
            });
        }
        RegistryCmd::Stats { province } => {
            let s = r
                .get_statistics(c.req(pb::GetStatisticsRequest { province })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(
                g.json,
                "sjdj.v1.GetStatisticsResponse",
                &s,
                output::statistics,
            );
        }
        RegistryCmd::Provinces => {
            let p = r
                .list_provinces(c.req(pb::ListProvincesRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(
                g.json,
                "sjdj.v1.ListProvincesResponse",
                &p,
                output::provinces,
            );
        }
        RegistryCmd::Info => {
            let info = r
                .get_node_info(c.req(pb::GetNodeInfoRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.GetNodeInfoResponse", &info, |i| {
                format!(
                    "node {} ({}, region {})\npublic key {}\nkey id {}\n",
                    i.node_id,
                    pb::NodeRole::try_from(i.role)
                        .map_or("?", |r| r.as_str_name())
                        .trim_start_matches("NODE_ROLE_")
                        .to_ascii_lowercase(),
                    i.region,
                    hex::encode(&i.public_key),
                    i.key_id
                )
            });
        }
    }
    Ok(())
}
