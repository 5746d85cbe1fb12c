//! DCAT-AP 3 in JSON-LD, for harvesters: a record as a `dcat:Dataset`
//! (`/records/{code}/dcat.jsonld`), and the node's registry as a `dcat:Catalog` of them
//! (`/catalog.jsonld`), paged as a Hydra partial collection.
use super::error::WebError;
use super::page::query;
use super::{labels, Web};
use crate::domain::record::Record;
use crate::engine::SearchFilter;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

/// Datasets in one page of the catalogue.
const CATALOG_PAGE: i32 = 100;

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "adms": "http://www.w3.org/ns/adms#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "hydra": "http://www.w3.org/ns/hydra/core#",
    })
}

fn zh(text: &str) -> Value {
    json!({ "@value": text, "@language": "zh" })
}

fn date(d: impl ToString) -> Value {
    json!({ "@value": d.to_string(), "@type": "xsd:date" })
}

/// A record as a `dcat:Dataset`, its page at `base`.
pub fn dataset(r: &Record, base: &str) -> Value {
    let page = format!("{base}/records/{}", r.code);
    let mut v = json!({
        "@id": format!("{page}#dataset"),
        "@type": "dcat:Dataset",
        "dct:identifier": r.code,
        "dct:title": zh(&r.data_name),
        "dct:description": zh(&r.summary),
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": zh(&r.subject_name),
            "dct:identifier": r.subject_credit_code,
        },
        "dct:spatial": zh(&labels::province(&r.region)),
        "dcat:keyword": [zh(labels::data_type(r.data_type)), zh(&r.industry)],
        "dcat:landingPage": { "@id": page },
        "dcat:version": r.current_version.to_string(),
        "adms:status": zh(labels::status(r.status)),
    });
    if let (Some(first), Some(last)) = (r.versions.first(), r.versions.last()) {
        v["dct:issued"] = date(first.assigned_on);
        v["dct:modified"] = date(last.assigned_on);
    }
    v
}

fn jsonld(v: Value) -> Response {
    let mut r = v.to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ld+json"),
    );
    r
}

pub async fn record(
    State(web): State<Web>,
    Path(code): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, WebError> {
    let (r, _) = web.engine.get_record(&code)?;
    let mut v = dataset(&r, &web.base_url(&headers, &uri));
    v["@context"] = context();
    Ok(jsonld(v))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogParams {
    page: String,
}

pub async fn catalog(
    State(web): State<Web>,
    Query(p): Query<CatalogParams>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, WebError> {
    let base = web.base_url(&headers, &uri);
    let token = p.page.clone();
    // Every record, by code: the search with no keyword, off the async threads.
    let found = crate::grpc::scan(&web.scans, &web.engine, move |e| {
        e.search(&SearchFilter::default(), CATALOG_PAGE, &token)
    })
    .await?;
    let cfg = web.engine.config();
    let here = format!("{base}/catalog.jsonld{}", query(&[("page", &p.page)]));
    let mut view = json!({ "@id": here, "@type": "hydra:PartialCollectionView" });
    if let Some(next) = &found.page.next {
        view["hydra:next"] = json!(format!("{base}/catalog.jsonld{}", query(&[("page", next)])));
    }
    Ok(jsonld(json!({
        "@context": context(),
        "@id": format!("{base}/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": zh(&format!("公共数据资源登记簿（{}）", cfg.node_id)),
        "dct:description": zh("本节点登记的公共数据资源，每条记录一个数据集，含已注销、已撤销的记录。"),
        "dct:publisher": { "@type": "foaf:Agent", "foaf:name": cfg.node_id },
        "dct:spatial": zh(&labels::province(&cfg.region.to_string())),
        "foaf:homepage": { "@id": format!("{base}/") },
        "hydra:totalItems": found.facets.total,
        "hydra:view": view,
        "dcat:dataset": found.page.items.iter().map(|r| dataset(r, &base)).collect::<Vec<_>>(),
    })))
}
