//! The real reference data of Bình Dương's 1022 system: agencies a call is routed to,
//! categories with priorities and SLA targets, routing rules, district populations.
//!
//! Sources: ../shared/data/binhduong-facts.md §2 (populations, 2024), §3 (the three groups
//! of contacts), §4 (agencies). Agency names are those before 1 July 2025. The SLA targets
//! are this project's proposal (emergencies in minutes, utilities in hours, administrative
//! matters in working days, after Đà Nẵng's 1022 rules and the ≤ 5 h COVID target) and are
//! data, editable per deployment.

use app::domain::routing::RoutingRule;
use app::types::{
    Agency, AgencyId, AgencyKind, Category, CategoryGroup, CategoryId, DistrictCode, SlaTarget, SlaUnit,
};

/// District populations (kehoachviet.com, 2024) by GSO code.
pub const POPULATION_2024: [(i64, i64); 9] = [
    (718, 331_652),
    (719, 95_574),
    (720, 115_985),
    (721, 312_239),
    (722, 92_544),
    (723, 382_085),
    (724, 489_508),
    (725, 614_850),
    (726, 67_917),
];
pub const POPULATION_YEAR: i32 = 2024;

/// The 9 districts' GSO codes.
pub const DISTRICTS: [i64; 9] = [718, 719, 720, 721, 722, 723, 724, 725, 726];

/// The 1022 center itself: information requests and the fallback for unrouted tickets.
pub const CENTER: AgencyId = AgencyId(1);

/// Agency id of a district People's Committee.
pub fn district_committee(code: i64) -> AgencyId {
    AgencyId(100 + (code - 717))
}

pub fn agencies() -> Vec<Agency> {
    let a = |id: i64, code: &str, vi: &str, en: &str, kind: AgencyKind, hotline: Option<&str>| Agency {
        id: AgencyId(id),
        code: code.into(),
        name_vi: vi.into(),
        name_en: en.into(),
        kind,
        hotline: hotline.map(Into::into),
        district: None,
    };
    let mut v = vec![
        a(
            1,
            "1022",
            "Trung tâm 1022 – Sở Thông tin và Truyền thông",
            "1022 Center – Dept. of Information and Communications",
            AgencyKind::Center,
            Some("1022"),
        ),
        a(
            2,
            "CA",
            "Công an tỉnh Bình Dương",
            "Provincial Police",
            AgencyKind::Police,
            Some("113"),
        ),
        a(
            3,
            "PCCC",
            "Phòng Cảnh sát PCCC và CNCH – Công an tỉnh",
            "Fire Prevention, Fighting and Rescue Police",
            AgencyKind::Fire,
            Some("114"),
        ),
        a(
            4,
            "CC115",
            "Hệ thống cấp cứu 115 (bệnh viện, trung tâm y tế)",
            "115 Emergency medical (hospitals, health centres)",
            AgencyKind::Medical,
            Some("115"),
        ),
        a(
            5,
            "SYT",
            "Sở Y tế",
            "Department of Health",
            AgencyKind::Department,
            None,
        ),
        a(
            6,
            "STNMT",
            "Sở Tài nguyên và Môi trường",
            "Department of Natural Resources and Environment",
            AgencyKind::Department,
            None,
        ),
        a(
            7,
            "SGTVT",
            "Sở Giao thông Vận tải",
            "Department of Transport",
            AgencyKind::Department,
            None,
        ),
        a(
            8,
            "SXD",
            "Sở Xây dựng",
            "Department of Construction",
            AgencyKind::Department,
            None,
        ),
        a(
            9,
            "SCT",
            "Sở Công Thương",
            "Department of Industry and Trade",
            AgencyKind::Department,
            None,
        ),
        a(
            10,
            "TTRA",
            "Thanh tra tỉnh",
            "Provincial Inspectorate",
            AgencyKind::Department,
            None,
        ),
        a(
            11,
            "PCBD",
            "Công ty Điện lực Bình Dương",
            "Bình Dương Power Company",
            AgencyKind::Utility,
            Some("19001006"),
        ),
        a(
            12,
            "BIWASE",
            "Biwase – Tổng Công ty Nước – Môi trường Bình Dương",
            "Biwase – Water and Environment Corporation",
            AgencyKind::Utility,
            None,
        ),
    ];
    let names = [
        (718, "Thủ Dầu Một", "Thành phố"),
        (719, "Bàu Bàng", "Huyện"),
        (720, "Dầu Tiếng", "Huyện"),
        (721, "Bến Cát", "Thành phố"),
        (722, "Phú Giáo", "Huyện"),
        (723, "Tân Uyên", "Thành phố"),
        (724, "Dĩ An", "Thành phố"),
        (725, "Thuận An", "Thành phố"),
        (726, "Bắc Tân Uyên", "Huyện"),
    ];
    for (code, name, kind) in names {
        v.push(Agency {
            id: district_committee(code),
            code: format!("UBND-{code}"),
            name_vi: format!("UBND {} {name}", kind.to_lowercase()),
            name_en: format!("{name} People's Committee"),
            kind: AgencyKind::District,
            hotline: None,
            district: Some(DistrictCode(code)),
        });
    }
    v
}

fn t(amount: u32, unit: SlaUnit) -> SlaTarget {
    SlaTarget { amount, unit }
}

/// Categories, with the agency each goes to by default (`None`: the district's committee).
pub fn categories() -> Vec<(Category, Option<AgencyId>)> {
    use CategoryGroup::*;
    use SlaUnit::*;
    let c = |id: i64, code: &str, vi: &str, en: &str, group, priority, resp, resol| Category {
        id: CategoryId(id),
        code: code.into(),
        name_vi: vi.into(),
        name_en: en.into(),
        group,
        priority,
        response_target: resp,
        resolution_target: resol,
    };
    vec![
        (
            c(
                1,
                "fire",
                "Cháy, nổ (114)",
                "Fire, explosion (114)",
                Emergency,
                1,
                t(5, Minutes),
                t(120, Minutes),
            ),
            Some(AgencyId(3)),
        ),
        (
            c(
                2,
                "rescue",
                "Cứu nạn, cứu hộ (114)",
                "Rescue (114)",
                Emergency,
                1,
                t(10, Minutes),
                t(240, Minutes),
            ),
            Some(AgencyId(3)),
        ),
        (
            c(
                3,
                "medical",
                "Cấp cứu y tế (115)",
                "Medical emergency (115)",
                Emergency,
                1,
                t(5, Minutes),
                t(60, Minutes),
            ),
            Some(AgencyId(4)),
        ),
        (
            c(
                4,
                "security",
                "An ninh, trật tự (113)",
                "Public security (113)",
                Emergency,
                1,
                t(10, Minutes),
                t(180, Minutes),
            ),
            Some(AgencyId(2)),
        ),
        (
            c(
                5,
                "traffic_accident",
                "Tai nạn giao thông",
                "Traffic accident",
                Emergency,
                1,
                t(10, Minutes),
                t(180, Minutes),
            ),
            Some(AgencyId(2)),
        ),
        (
            c(
                6,
                "information",
                "Hỏi đáp, cung cấp thông tin",
                "Information request",
                Administrative,
                4,
                t(30, Minutes),
                t(8, Hours),
            ),
            Some(CENTER),
        ),
        (
            c(
                7,
                "admin_procedure",
                "Thủ tục hành chính",
                "Administrative procedure",
                Administrative,
                3,
                t(1, WorkingDays),
                t(5, WorkingDays),
            ),
            None,
        ),
        (
            c(
                8,
                "social_relief",
                "Hỗ trợ an sinh xã hội",
                "Social relief",
                Administrative,
                2,
                t(4, Hours),
                t(2, WorkingDays),
            ),
            None,
        ),
        (
            c(
                9,
                "infrastructure",
                "Hạ tầng giao thông, đô thị",
                "Roads and urban infrastructure",
                FieldReport,
                3,
                t(1, WorkingDays),
                t(5, WorkingDays),
            ),
            Some(AgencyId(7)),
        ),
        (
            c(
                10,
                "urban_order",
                "Trật tự đô thị, xây dựng",
                "Urban order, construction",
                FieldReport,
                3,
                t(1, WorkingDays),
                t(5, WorkingDays),
            ),
            None,
        ),
        (
            c(
                11,
                "environment",
                "Ô nhiễm môi trường",
                "Environmental pollution",
                FieldReport,
                3,
                t(1, WorkingDays),
                t(7, WorkingDays),
            ),
            Some(AgencyId(6)),
        ),
        (
            c(
                12,
                "traffic_order",
                "Trật tự an toàn giao thông",
                "Traffic order and safety",
                FieldReport,
                2,
                t(2, Hours),
                t(24, Hours),
            ),
            Some(AgencyId(2)),
        ),
        (
            c(
                13,
                "power",
                "Sự cố điện",
                "Power outage, electrical hazard",
                FieldReport,
                2,
                t(1, Hours),
                t(8, Hours),
            ),
            Some(AgencyId(11)),
        ),
        (
            c(
                14,
                "water",
                "Cấp thoát nước, ngập",
                "Water supply, drainage, flooding",
                FieldReport,
                2,
                t(2, Hours),
                t(24, Hours),
            ),
            Some(AgencyId(12)),
        ),
        (
            c(
                15,
                "trade_fraud",
                "Gian lận thương mại, hàng giả",
                "Trade fraud, counterfeit goods",
                FieldReport,
                3,
                t(1, WorkingDays),
                t(10, WorkingDays),
            ),
            Some(AgencyId(9)),
        ),
        (
            c(
                16,
                "official_complaint",
                "Phản ánh cán bộ, công chức",
                "Complaint about officials",
                FieldReport,
                3,
                t(2, WorkingDays),
                t(15, WorkingDays),
            ),
            Some(AgencyId(10)),
        ),
        (
            c(
                17,
                "health",
                "Y tế (không khẩn cấp)",
                "Health (non-emergency)",
                FieldReport,
                3,
                t(1, WorkingDays),
                t(5, WorkingDays),
            ),
            Some(AgencyId(5)),
        ),
        (
            c(
                18,
                "construction_safety",
                "An toàn công trình xây dựng",
                "Construction site safety",
                FieldReport,
                2,
                t(4, Hours),
                t(3, WorkingDays),
            ),
            Some(AgencyId(8)),
        ),
    ]
}

/// Routing rules: each category to its agency; categories handled by district committees
/// go to the committee of the ticket's district, and to the 1022 center outside the
/// province; anything unmatched falls back to the center.
pub fn routing_rules() -> Vec<RoutingRule> {
    let mut rules = vec![RoutingRule {
        id: 1,
        category: None,
        district: None,
        commune: None,
        agency: CENTER,
    }];
    let mut next = 2;
    for (cat, agency) in categories() {
        match agency {
            Some(agency) => {
                rules.push(RoutingRule {
                    id: next,
                    category: Some(cat.id),
                    district: None,
                    commune: None,
                    agency,
                });
                next += 1;
            }
            None => {
                for d in DISTRICTS {
                    rules.push(RoutingRule {
                        id: next,
                        category: Some(cat.id),
                        district: Some(DistrictCode(d)),
                        commune: None,
                        agency: district_committee(d),
                    });
                    next += 1;
                }
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::routing::evaluate;

    #[test]
    fn routing_set_is_sensible() {
        let rules = routing_rules();
        let route = |cat: i64, d: Option<i64>| evaluate(&rules, CategoryId(cat), d.map(DistrictCode), None);
        assert_eq!(route(1, Some(724)), Some(AgencyId(3)), "fire → PCCC");
        assert_eq!(route(3, Some(720)), Some(AgencyId(4)), "medical → 115");
        assert_eq!(
            route(7, Some(724)),
            Some(district_committee(724)),
            "admin in Dĩ An → UBND Dĩ An"
        );
        assert_eq!(
            route(7, None),
            Some(CENTER),
            "admin outside the province → 1022 center triage"
        );
        let ids: std::collections::HashSet<_> = agencies().iter().map(|a| a.id).collect();
        assert_eq!(ids.len(), 21);
        assert!(rules.iter().all(|r| ids.contains(&r.agency)));
    }
}
