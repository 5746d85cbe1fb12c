//! The Chinese a page shows for the registry's codes: data types, statuses, steps, access modes
//! and the provinces of GB/T 2260.
use crate::domain::record::RecordStatus;
use crate::domain::types::{AccessMode, DataType, Role};

pub fn data_type(t: DataType) -> &'static str {
    t.label_zh()
}

/// A data type's digit as a facet key names it (`1`, `2`, `3`).
pub fn data_type_digit(digit: &str) -> String {
    digit
        .parse()
        .ok()
        .and_then(DataType::from_digit)
        .map_or_else(|| digit.to_string(), |t| data_type(t).to_string())
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::Clerk => "受理人员",
        Role::Reviewer => "审查人员",
        Role::Registrar => "登记机构负责人",
        Role::Auditor => "审计人员",
        Role::Admin => "管理员",
        Role::Registrant => "登记主体",
        Role::Public | Role::System => "系统",
    }
}

pub fn status(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Valid => "有效",
        RecordStatus::Expired => "已届满",
        RecordStatus::Deregistered => "已注销",
        RecordStatus::Revoked => "已撤销",
    }
}

/// A status as a facet key names it (`VALID`, …).
pub fn status_name(name: &str) -> String {
    RecordStatus::from_name(name).map_or_else(|| name.to_string(), |s| status(s).to_string())
}

pub fn access_mode(m: Option<AccessMode>) -> &'static str {
    m.map_or("未说明", AccessMode::label_zh)
}

/// A step of an application's history (`Decision.step`).
pub fn step(step: &str) -> &str {
    match step {
        "CREATED" => "创建申请",
        "EDITED" => "修改材料",
        "SUBMITTED" => "提交申请",
        "WITHDRAWN" => "撤回申请",
        "SUPPLEMENTED" => "补正材料",
        "ACCEPTED" => "受理",
        "RETURNED_FOR_SUPPLEMENT" => "退回补正",
        "ACCEPTANCE_REFUSED" => "不予受理",
        "REVIEW_PASSED" => "形式审查通过",
        "REVIEW_REFUSED" => "不予登记",
        "OBJECTION_FILED" => "提出异议",
        "OBJECTION_RESOLVED" => "异议处理",
        "REGISTERED" => "赋码登记",
        "DEREGISTERED" => "注销登记",
        "CLOSED" => "办结关闭",
        "CERTIFICATE_ISSUED" => "颁发证书",
        other => other,
    }
}

/// Provincial-level divisions of GB/T 2260, by code.
const PROVINCES: [(&str, &str); 34] = [
    ("110000", "北京市"),
    ("120000", "天津市"),
    ("130000", "河北省"),
    ("140000", "山西省"),
    ("150000", "内蒙古自治区"),
    ("210000", "辽宁省"),
    ("220000", "吉林省"),
    ("230000", "黑龙江省"),
    ("310000", "上海市"),
    ("320000", "江苏省"),
    ("330000", "浙江省"),
    ("340000", "安徽省"),
    ("350000", "福建省"),
    ("360000", "江西省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
    ("420000", "湖北省"),
    ("430000", "湖南省"),
    ("440000", "广东省"),
    ("450000", "广西壮族自治区"),
    ("460000", "海南省"),
    ("500000", "重庆市"),
    ("510000", "四川省"),
    ("520000", "贵州省"),
    ("530000", "云南省"),
    ("540000", "西藏自治区"),
    ("610000", "陕西省"),
    ("620000", "甘肃省"),
    ("630000", "青海省"),
    ("640000", "宁夏回族自治区"),
    ("650000", "新疆维吾尔自治区"),
    ("710000", "台湾省"),
    ("810000", "香港特别行政区"),
    ("820000", "澳门特别行政区"),
];

/// The province a region code lies in, by name (`440305` → 广东省); the code itself if unknown.
pub fn province(region: &str) -> String {
    let key = crate::domain::statistics::province_of(region);
    if key == "100000" {
        // The central namespace: the national node's own.
        return "全国".to_string();
    }
    PROVINCES
        .iter()
        .find(|(code, _)| *code == key)
        .map_or(key.clone(), |(_, name)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_reads_as_its_province_and_an_unknown_one_as_its_code() {
        assert_eq!(province("440305"), "广东省");
        assert_eq!(province("110000"), "北京市");
        assert_eq!(province("990000"), "990000");
    }

    #[test]
    fn facet_keys_read_in_chinese() {
        assert_eq!(data_type_digit("2"), "数据产品和服务");
        assert_eq!(data_type_digit("9"), "9");
        assert_eq!(status_name("REVOKED"), "已撤销");
        assert_eq!(step("REVIEW_PASSED"), "形式审查通过");
    }
}
