//! The whole country on one machine: a national node and 31 province nodes with their real
//! GB/T 2260 region codes, a registration in every province, and the national book complete
//! within seconds of the last one — every province's records in it, each feed taken up to that
//! province's latest checkpoint, which the national node verified and confirmed.
mod common;

use common::{eventually, CarriedAnswer, Node, Spec};
use sjdj::domain::codes::PROVINCES;
use sjdj::grpc::pb;

#[tokio::test(flavor = "multi_thread")]
async fn a_national_node_and_31_provinces_keep_one_book() {
    // Every province here calls from 127.0.0.1, which the national node's per-address limit of
    // node calls counts as one peer; in the country each has its own address.
    let national = Spec::national()
        .drill()
        .set("federation.peer_rate_per_second", 10_000)
        .set("federation.peer_burst", 10_000)
        .start()
        .await;
    let mut provinces = Vec::new();
    for (id, region) in PROVINCES {
        provinces.push(province(id, region, &national).await);
    }
    let mut codes = Vec::new();
    for (p, (_, region)) in provinces.iter().zip(PROVINCES) {
        // A subject of the province's capital city.
        let app = p.registered_for(&format!("{}0100", &region[..2])).await;
        assert_eq!(
            &app.code[1..7],
            region,
            "minted in the province's namespace"
        );
        codes.push(app.code);
    }
    let last = std::time::Instant::now();
    // Each province's latest checkpoint, now that it has registered.
    let mut sizes = Vec::new();
    for p in &provinces {
        let mut log =
            pb::transparency_service_client::TransparencyServiceClient::new(p.channel().await);
        let cp = log
            .get_checkpoint(pb::GetCheckpointRequest {})
            .await
            .unwrap()
            .into_inner();
        sizes.push(cp.size);
    }
    let book = eventually(60, "every province's checkpoint confirmed", || async {
        let mut reg =
            pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
        let list = reg
            .list_provinces(pb::ListProvincesRequest {})
            .await
            .unwrap()
            .into_inner();
        let complete = PROVINCES.iter().zip(&sizes).all(|((id, _), size)| {
            list.provinces.iter().any(|p| {
                p.node_id == *id && p.confirmed_size >= *size && p.held == p.confirmed_size
            })
        });
        complete.then_some(list)
    })
    .await;
    let took = last.elapsed();
    eprintln!("the national book was complete {took:?} after the last registration");
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    let rows: Vec<(&str, &str, u64, bool)> = book
        .provinces
        .iter()
        .map(|p| (p.region.as_str(), p.node_id.as_str(), p.records, p.frozen))
        .collect();
    let expected: Vec<(&str, &str, u64, bool)> = PROVINCES
        .iter()
        .map(|(id, region)| (*region, *id, 1, false))
        .collect();
    assert_eq!(rows, expected);
    // Every province's record in the book, as the province issued it.
    let mut reg = pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
    for (code, (id, _)) in codes.iter().zip(PROVINCES) {
        let r = reg
            .get_record(pb::GetRecordRequest { code: code.clone() })
            .await
            .carried()
            .unwrap();
        assert_eq!(r.issuer_node, id);
        assert!(r
            .history
            .iter()
            .all(|d| d.log_origin.ends_with(&format!("/{id}"))));
    }
    let stats = reg
        .get_statistics(pb::GetStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.records, 31);
    assert_eq!(stats.by_region.len(), 31);
}

/// A province node delegated its region, pushing every 500 ms (31 of them share 2 cores).
async fn province(id: &str, region: &str, national: &Node) -> Node {
    let spec = Spec::province(id, region)
        .drill()
        .federated(national, 1000)
        .set("federation.push_interval_ms", 500);
    Node::delegated(spec, id, region, national).await
}
