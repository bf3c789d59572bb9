//! Routing as data: which agency must act on a ticket of a category in a place.
//!
//! A rule matches when each of its set fields (category, district, commune) equals the
//! ticket's; the most specific matching rule wins (a category counts more than a place, a
//! commune more than a district), ties go to the lower rule id. A rule with no fields set is
//! the fallback.

use serde::{Deserialize, Serialize};

use crate::types::{AgencyId, CategoryId, CommuneCode, DistrictCode};

/// One routing rule.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RoutingRule {
    pub id: i64,
    pub category: Option<CategoryId>,
    pub district: Option<DistrictCode>,
    pub commune: Option<CommuneCode>,
    pub agency: AgencyId,
}

impl RoutingRule {
    fn specificity(&self) -> u32 {
        self.category.map_or(0, |_| 100) + self.commune.map_or(0, |_| 10) + self.district.map_or(0, |_| 1)
    }

    fn matches(&self, cat: CategoryId, district: Option<DistrictCode>, commune: Option<CommuneCode>) -> bool {
        self.category.is_none_or(|c| c == cat)
            && self.district.is_none_or(|d| Some(d) == district)
            && self.commune.is_none_or(|c| Some(c) == commune)
    }
}

/// The agency for a ticket, or `None` when no rule (not even a fallback) matches.
pub fn evaluate(
    rules: &[RoutingRule],
    category: CategoryId,
    district: Option<DistrictCode>,
    commune: Option<CommuneCode>,
) -> Option<AgencyId> {
    rules
        .iter()
        .filter(|r| r.matches(category, district, commune))
        .max_by(|a, b| a.specificity().cmp(&b.specificity()).then(b.id.cmp(&a.id)))
        .map(|r| r.agency)
}

/// The fallback agency (the rule with no field set): where tickets from outside the province
/// wait for triage.
pub fn fallback(rules: &[RoutingRule]) -> Option<AgencyId> {
    rules
        .iter()
        .filter(|r| r.category.is_none() && r.district.is_none() && r.commune.is_none())
        .min_by_key(|r| r.id)
        .map(|r| r.agency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, cat: Option<i64>, d: Option<i64>, c: Option<i64>, agency: i64) -> RoutingRule {
        RoutingRule {
            id,
            category: cat.map(CategoryId),
            district: d.map(DistrictCode),
            commune: c.map(CommuneCode),
            agency: AgencyId(agency),
        }
    }

    #[test]
    fn most_specific_rule_wins() {
        let rules = vec![
            rule(1, None, None, None, 99),         // fallback: the 1022 center
            rule(2, Some(5), None, None, 10),      // category default
            rule(3, Some(5), Some(724), None, 11), // category in Dĩ An
            rule(4, Some(5), Some(724), Some(25942), 12),
            rule(5, None, Some(718), None, 13), // anything else in Thủ Dầu Một
        ];
        let e = |c, d: Option<i64>, m: Option<i64>| {
            evaluate(&rules, CategoryId(c), d.map(DistrictCode), m.map(CommuneCode))
                .unwrap()
                .0
        };
        assert_eq!(e(5, Some(724), Some(25942)), 12);
        assert_eq!(e(5, Some(724), Some(1)), 11);
        assert_eq!(e(5, Some(718), None), 10, "a category beats a place");
        assert_eq!(e(6, Some(718), None), 13);
        assert_eq!(e(6, None, None), 99, "outside the province → fallback");
        assert_eq!(evaluate(&rules[1..2], CategoryId(6), None, None), None);
        assert_eq!(fallback(&rules), Some(AgencyId(99)));
        assert_eq!(fallback(&rules[1..]), None);
    }

    #[test]
    fn ties_go_to_lower_id() {
        let rules = vec![rule(7, Some(1), None, None, 2), rule(3, Some(1), None, None, 1)];
        assert_eq!(evaluate(&rules, CategoryId(1), None, None), Some(AgencyId(1)));
    }
}
