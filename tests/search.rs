//! The search index beside a real node's store: kept across a restart and a `kill -9`, rebuilt
//! by itself when damaged and by `sjdj-node reindex`, with counts per facet in the answer.
mod common;
use common::*;
use sjdj::grpc::pb;

/// What a keyword search finds: the codes, the count of everything found and its statuses.
async fn search(node: &Node, query: &str) -> (Vec<String>, u64, Vec<(String, u64)>) {
    let res = registry(node.channel().await)
        .search_records(pb::SearchRecordsRequest {
            query: query.into(),
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    let mut codes: Vec<String> = res.records.iter().map(|r| r.code.clone()).collect();
    codes.sort();
    let statuses = res
        .by_status
        .into_iter()
        .map(|c| (c.key, c.count))
        .collect();
    (codes, res.total_size, statuses)
}

/// The search once the index is built: a node building it beside its serving answers
/// `UNAVAILABLE` with reason `SEARCH_INDEX_BUILDING` until then, and nothing else.
async fn search_once_built(node: &Node, query: &str) -> (Vec<String>, u64, Vec<(String, u64)>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let res = registry(node.channel().await)
            .search_records(pb::SearchRecordsRequest {
                query: query.into(),
                ..Default::default()
            })
            .await;
        match res {
            Ok(_) => return search(node, query).await,
            Err(s) => {
                assert_eq!(
                    (s.code(), reason(&s).as_str()),
                    (tonic::Code::Unavailable, "SEARCH_INDEX_BUILDING"),
                    "{s:?}"
                );
                assert!(std::time::Instant::now() < deadline, "still building");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test]
async fn the_index_outlives_restarts_kills_and_damage() {
    let mut node = Node::dev().await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(node.registered().await.code);
    }
    codes.sort();
    let name = registry(node.channel().await)
        .get_record(pb::GetRecordRequest {
            code: codes[0].clone(),
        })
        .await
        .carried()
        .expect("record")
        .data_name;
    let keyword: String = name.chars().skip(1).take(3).collect();
    let expected = (codes.clone(), 3, vec![("VALID".to_string(), 3)]);
    // Found as soon as the registrations are acknowledged.
    assert_eq!(search(&node, &keyword).await, expected);
    assert_eq!(search(&node, "无此数据").await, (vec![], 0, vec![]));

    node.stop().await;
    node.restart().await;
    assert_eq!(search(&node, &keyword).await, expected, "after a restart");

    // Killed at once after a registration: what was acknowledged is found after the restart.
    let app = node.in_publicity().await;
    node.advance_days(40).await;
    let fourth = node.flow().await.get(&app.id).await.code;
    node.kill9();
    node.restart().await;
    let mut four = codes.clone();
    four.push(fourth);
    four.sort();
    assert_eq!(search(&node, &keyword).await.0, four, "after kill -9");

    // A damaged index is built again from the store beside the serving node: lookups are
    // answered at once, searches once it is built.
    node.stop().await;
    let index = node.data_dir().join("store").join("search");
    std::fs::write(index.join("meta.json"), b"{ damaged").unwrap();
    node.restart().await;
    let looked_up = registry(node.channel().await)
        .get_record(pb::GetRecordRequest {
            code: codes[0].clone(),
        })
        .await;
    assert!(looked_up.is_ok(), "{looked_up:?}");
    assert_eq!(
        search_once_built(&node, &keyword).await.0,
        four,
        "after damage"
    );

    // `sjdj-node reindex` on the stopped node builds it again; the node starts on it.
    node.stop().await;
    let dir = node.data_dir().to_str().unwrap().to_string();
    let (code, out) = node_cmd(&["reindex", "--data-dir", &dir]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("search index rebuilt: 4 records"), "{out}");
    node.restart().await;
    assert_eq!(search(&node, &keyword).await.0, four, "after reindex");
}

#[tokio::test]
async fn reindex_refuses_a_running_node_and_a_missing_store() {
    let node = Node::dev().await;
    let dir = node.data_dir().to_str().unwrap().to_string();
    let (code, out) = node_cmd(&["reindex", "--data-dir", &dir]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("a running node holds it locked"), "{out}");
    let missing = node.data_dir().join("nothing-here");
    let (code, out) = node_cmd(&["reindex", "--data-dir", missing.to_str().unwrap()]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("is not a directory"), "{out}");
}
