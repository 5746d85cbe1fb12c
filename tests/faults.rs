//! The fault campaign, short: ten kill -9s of the national node or the province at random
//! points of the whole flow, the sweep, a backup and the sync, each followed by the audit of
//! the dead store and the checks of what must survive (`src/bin/sjdj-faults/campaign.rs`;
//! `sjdj-faults --rounds N` runs it longer).
#[path = "../src/bin/sjdj-faults/campaign.rs"]
mod campaign;
#[path = "../src/bin/sjdj-faults/procs.rs"]
mod procs;

#[tokio::test(flavor = "multi_thread")]
async fn ten_kill_9s_lose_nothing_acknowledged_mint_nothing_twice_and_fork_nothing() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let o = campaign::Options {
        rounds: 10,
        seed,
        node_bin: env!("CARGO_BIN_EXE_sjdj-node").into(),
        writers: 4,
        max_round_ms: 800,
    };
    let r = campaign::run_campaign(&o)
        .await
        .unwrap_or_else(|e| panic!("seed {seed} (again: sjdj-faults --seed {seed} --rounds 10 --writers 4 --max-round-ms 800): {e:#}"));
    assert_eq!(r.rounds, 10);
    assert_eq!(r.kills.values().sum::<usize>(), 10);
    assert_eq!(r.audits, 12, "every killed store and both at the end");
    assert!(r.acknowledged > 0 && r.codes > 0, "{r:?}");
}
