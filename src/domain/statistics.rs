//! Statistics for public disclosure (DESIGN §7): counts of the registry's records by region
//! (province of the subject), data type, industry and status on the day, and registrations by
//! the month their code was assigned. A fold over records, so a node counts its own registry and
//! the national node, whose registry holds every province's records, counts the national one.
use super::codes::Region;
use super::record::Record;
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
    pub records: u64,
    /// By the province (`XX0000`) of the subject's region.
    pub by_region: BTreeMap<String, u64>,
    /// By data type digit (`1`, `2`, `3`).
    pub by_data_type: BTreeMap<String, u64>,
    pub by_industry: BTreeMap<String, u64>,
    /// By status on the day counted (`VALID`, `EXPIRED`, `DEREGISTERED`, `REVOKED`).
    pub by_status: BTreeMap<String, u64>,
    /// Codes assigned per month (`YYYY-MM`, of version 1), ended ones included.
    pub registrations_by_month: BTreeMap<String, u64>,
}

impl Statistics {
    /// Counts one record as it stands on `today`.
    pub fn add(&mut self, r: &Record, today: Date) {
        let bump = |m: &mut BTreeMap<String, u64>, k: String| *m.entry(k).or_default() += 1;
        self.records += 1;
        let region = Region::parse(&r.region)
            .map(|g| g.province().to_string())
            .unwrap_or_else(|_| r.region.clone());
        bump(&mut self.by_region, region);
        bump(&mut self.by_data_type, r.data_type.digit().to_string());
        let industry = if r.industry.is_empty() {
            "未填".to_string()
        } else {
            r.industry.clone()
        };
        bump(&mut self.by_industry, industry);
        bump(&mut self.by_status, r.status_on(today).name().to_string());
        if let Some(first) = r.versions.first() {
            let d = first.assigned_on;
            bump(
                &mut self.registrations_by_month,
                format!("{:04}-{:02}", d.year(), u8::from(d.month())),
            );
        }
    }
}
