//! RegistryService: the public registry. No token needed.
use super::convert::materials::timestamp;
use super::convert::{enums, views};
use super::pb::{self, registry_service_server::RegistryService};
use super::{page_after, run_flow, status};
use crate::domain::certificate::SignedCertificate;
use crate::domain::flow::{echo, Command};
use crate::domain::types::Actor;
use crate::engine::{Engine, SearchFilter};
use tonic::{Request, Response, Status};

pub struct Registry {
    pub engine: Engine,
    /// Scans (search, statistics) running at once, node-wide.
    pub scans: std::sync::Arc<tokio::sync::Semaphore>,
    /// Objections per caller (token, or address) and application (`quotas.objections_per_caller`),
    /// shared with the web form.
    pub objections: std::sync::Arc<super::ratelimit::RateLimiter<(String, String)>>,
}

type Res<T> = Result<Response<T>, Status>;

/// An objection from the public, as FileObjection and the web form take it.
pub struct Objecting {
    pub application_id: String,
    pub objector_name: String,
    pub objector_contact: String,
    pub reason: String,
    /// Retrying with the same id files once.
    pub request_id: String,
}

/// Files a public objection for gRPC and the web alike: one of the caller's daily objections on
/// that application (`caller`: its token or address, [`super::admission::Caller::key`]), then
/// the flow's command. The objection as filed.
pub async fn file_objection(
    engine: &Engine,
    objections: &super::ratelimit::RateLimiter<(String, String)>,
    caller: String,
    o: Objecting,
) -> Result<crate::domain::flow::Objection, Status> {
    objections.check(
        &(caller, o.application_id.trim().to_string()),
        "OBJECTIONS_PER_CALLER",
    )?;
    let actor = Actor::public(&o.objector_name);
    let command = Command::FileObjection {
        objection_id: String::new(),
        objector_name: o.objector_name,
        objector_contact: o.objector_contact,
        reason: o.reason,
    };
    let (app, objection_id) =
        run_flow(engine, actor, o.request_id, Some(o.application_id), command).await?;
    app.objections
        .into_iter()
        .find(|x| Some(&x.id) == objection_id.as_ref())
        .ok_or_else(|| Status::internal("the filed objection is missing"))
}

#[tonic::async_trait]
impl RegistryService for Registry {
    async fn get_record(&self, req: Request<pb::GetRecordRequest>) -> Res<pb::GetRecordResponse> {
        let (record, history) = self
            .engine
            .get_record(req.get_ref().code.trim())
            .map_err(status::status)?;
        Ok(Response::new(pb::GetRecordResponse {
            record: Some(views::record(&record, &history)),
        }))
    }

    async fn search_records(
        &self,
        req: Request<pb::SearchRecordsRequest>,
    ) -> Res<pb::SearchRecordsResponse> {
        let r = req.into_inner();
        let filter = SearchFilter {
            query: r.query,
            region: r.region,
            data_type: enums::data_type("data_type", r.data_type)?,
            industry: r.industry,
            status: enums::record_status("status", r.status)?,
            year: (r.registration_year != 0).then_some(r.registration_year),
        };
        let token = page_after(&r.page_token).to_string();
        let found = super::scan(&self.scans, &self.engine, move |e| {
            e.search(&filter, r.page_size, &token)
        })
        .await?;
        let f = found.facets;
        Ok(Response::new(pb::SearchRecordsResponse {
            records: found
                .page
                .items
                .iter()
                .map(|rec| views::record(rec, &[]))
                .collect(),
            next_page_token: found.page.next.unwrap_or_default(),
            total_size: f.total,
            by_region: counts(f.by_region),
            by_data_type: counts(f.by_data_type),
            by_industry: counts(f.by_industry),
            by_status: counts(f.by_status),
            by_registration_year: counts(f.by_year),
        }))
    }

    async fn list_publicity_notices(
        &self,
        req: Request<pb::ListPublicityNoticesRequest>,
    ) -> Res<pb::ListPublicityNoticesResponse> {
        let r = req.into_inner();
        let page = self
            .engine
            .publicity(r.page_size, page_after(&r.page_token))
            .map_err(status::status)?;
        Ok(Response::new(pb::ListPublicityNoticesResponse {
            notices: page.items.iter().map(views::notice).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn file_objection(
        &self,
        req: Request<pb::FileObjectionRequest>,
    ) -> Res<pb::FileObjectionResponse> {
        let caller = req
            .extensions()
            .get::<super::admission::Caller>()
            .map(super::admission::Caller::key)
            .unwrap_or_default();
        let r = req.into_inner();
        let objection = file_objection(
            &self.engine,
            &self.objections,
            caller,
            Objecting {
                application_id: r.application_id,
                objector_name: r.objector_name,
                objector_contact: r.objector_contact,
                reason: r.reason,
                request_id: r.request_id,
            },
        )
        .await?;
        Ok(Response::new(pb::FileObjectionResponse {
            objection: Some(views::objection(&objection)),
        }))
    }

    async fn get_certificate(
        &self,
        req: Request<pb::GetCertificateRequest>,
    ) -> Res<pb::GetCertificateResponse> {
        let r = req.into_inner();
        let view = match r.key {
            Some(pb::get_certificate_request::Key::Code(c)) => {
                self.engine.certificate(Some(c.trim()), r.version, None)
            }
            Some(pb::get_certificate_request::Key::QueryCode(q)) => {
                self.engine.certificate(None, 0, Some(&q))
            }
            None => {
                return Err(status::invalid(
                    "KEY_REQUIRED",
                    "give a code or a query code",
                ))
            }
        }
        .map_err(status::status)?;
        Ok(Response::new(pb::GetCertificateResponse {
            certificate: Some(views::certificate(&view)),
        }))
    }

    async fn verify_certificate(
        &self,
        req: Request<pb::VerifyCertificateRequest>,
    ) -> Res<pb::VerifyCertificateResponse> {
        let bytes = match req.into_inner().certificate {
            Some(pb::verify_certificate_request::Certificate::Signed(b)) => b,
            Some(pb::verify_certificate_request::Certificate::Armored(text)) => {
                match SignedCertificate::from_armored(&text) {
                    Ok(s) => s.as_bytes().to_vec(),
                    Err(e) => {
                        return Ok(Response::new(pb::VerifyCertificateResponse {
                            valid: false,
                            reason: e.reason().into(),
                            message: e.to_string(),
                            ..Default::default()
                        }))
                    }
                }
            }
            None => {
                return Err(status::invalid(
                    "CERTIFICATE_REQUIRED",
                    "give the signed bytes or the armored text",
                ))
            }
        };
        let v = self.engine.verify(bytes).map_err(status::status)?;
        Ok(Response::new(pb::VerifyCertificateResponse {
            valid: v.valid,
            reason: v.reason.into(),
            message: v.message,
            certificate: v.certificate.as_ref().map(views::certificate),
            status: v.status.map_or(0, enums::record_status_pb),
        }))
    }

    async fn get_statistics(
        &self,
        req: Request<pb::GetStatisticsRequest>,
    ) -> Res<pb::GetStatisticsResponse> {
        let province = req.into_inner().province;
        let province =
            match province.trim() {
                "" => None,
                p => Some(crate::domain::codes::Region::parse(p).map_err(|e| {
                    status::invalid(e.reason(), format!("province {}: {e}", echo(p)))
                })?),
            };
        // Kept counts: no pass over the records, so no search slot.
        let s = self.engine.statistics(province);
        Ok(Response::new(pb::GetStatisticsResponse {
            node_id: self.engine.config().node_id.clone(),
            as_of: self.engine.today().to_string(),
            records: s.records,
            by_region: counts(s.by_region),
            by_data_type: counts(s.by_data_type),
            by_industry: counts(s.by_industry),
            by_status: counts(s.by_status),
            registrations_by_month: counts(s.registrations_by_month),
        }))
    }

    async fn list_provinces(
        &self,
        _req: Request<pb::ListProvincesRequest>,
    ) -> Res<pb::ListProvincesResponse> {
        let now = self.engine.clock().now();
        let provinces = self.engine.provinces().map_err(status::status)?;
        Ok(Response::new(pb::ListProvincesResponse {
            node_id: self.engine.config().node_id.clone(),
            as_of: timestamp(now),
            provinces: provinces
                .into_iter()
                .map(|p| {
                    let (size, time) = p.confirmed.unwrap_or_default();
                    pb::ProvinceState {
                        entries_behind: p.entries_behind(),
                        seconds_behind: p.seconds_behind(now),
                        region: p.region,
                        node_id: p.node_id.unwrap_or_default(),
                        hosted: p.hosted,
                        records: p.records,
                        confirmed_size: size,
                        confirmed_checkpoint_time: timestamp(time),
                        held: p.held,
                        frozen: p.frozen,
                    }
                })
                .collect(),
        }))
    }

    async fn get_node_info(
        &self,
        _req: Request<pb::GetNodeInfoRequest>,
    ) -> Res<pb::GetNodeInfoResponse> {
        let cfg = self.engine.config();
        let key = self.engine.verifying_key();
        Ok(Response::new(pb::GetNodeInfoResponse {
            node_id: cfg.node_id.clone(),
            role: enums::node_role_pb(cfg.role),
            region: cfg.region.to_string(),
            public_key: key.to_bytes().to_vec(),
            key_id: hex::encode(crate::domain::certificate::key_id(&key)),
            version: env!("CARGO_PKG_VERSION").into(),
        }))
    }
}

fn counts(m: std::collections::BTreeMap<String, u64>) -> Vec<pb::Count> {
    m.into_iter()
        .map(|(key, count)| pb::Count { key, count })
        .collect()
}
