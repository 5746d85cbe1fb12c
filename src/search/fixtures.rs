//! Random records for the tests of the index and of what feeds it: the same ones on every run.
use crate::domain::record::{Record, RecordStatus, RecordVersion};
use crate::domain::types::{DataType, RegistrationType};
use time::macros::date;

/// A small deterministic generator: the same records and queries on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "公共", "数据", "资源", "交通", "出行", "气象", "观测", "医疗", "卫生", "统计", "登记", "目录",
    "开放", "共享", "企业", "信用", "信息", "平台", "服务", "广东", "深圳", "市", "省", "局", "库",
    "A", "b", " ", "·", "2026",
];

pub fn text(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| *rng.pick(WORDS)).collect()
}

pub fn record(rng: &mut Rng, n: usize) -> Record {
    let regions = ["440305", "440100", "110105", "310000", "320500"];
    let industries = ["", "交通运输", "卫生", "气象"];
    let status = *rng.pick(&[
        RecordStatus::Valid,
        RecordStatus::Valid,
        RecordStatus::Deregistered,
        RecordStatus::Revoked,
    ]);
    let assigned = date!(2024 - 01 - 01) + time::Duration::days(rng.below(1000) as i64);
    let valid_until = assigned + time::Duration::days(365 * 3);
    let code = format!("{}{:06}X{:09}", regions[n % regions.len()], n % 997, n);
    Record {
        code: code.clone(),
        current_version: 1,
        status,
        subject_name: text(rng, 3),
        subject_credit_code: format!("91440300{n:010}"),
        data_type: *rng.pick(&[
            DataType::PublicDataResource,
            DataType::DataProductOrService,
            DataType::OpenDataResource,
        ]),
        region: rng.pick(&regions).to_string(),
        industry: rng.pick(&industries).to_string(),
        data_name: text(rng, 4),
        summary: text(rng, 12),
        access_mode: None,
        valid_from: assigned,
        valid_until,
        versions: vec![RecordVersion {
            version: 1,
            registration_type: RegistrationType::Initial,
            application_id: format!("a{n}"),
            query_code: format!("q{n}"),
            assigned_on: assigned,
            valid_from: assigned,
            valid_until,
        }],
        issuer_node: "gd".into(),
        ended: None,
    }
}
