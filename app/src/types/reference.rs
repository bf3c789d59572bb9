//! Reference data: agencies, categories and their SLA targets, districts.

use serde::{Deserialize, Serialize};

use super::ids::{AgencyId, CategoryId, DistrictCode};

/// The three groups of contacts the real 1022 takes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CategoryGroup {
    /// Cứu hộ khẩn cấp: 113 security, 114 fire and rescue, 115 medical.
    Emergency,
    /// Thủ tục hành chính: administrative procedures, information, social relief.
    Administrative,
    /// Phản ánh hiện trường: infrastructure, urban order, environment, traffic, utilities, fraud, officials.
    FieldReport,
}

impl CategoryGroup {
    pub const ALL: [CategoryGroup; 3] = [Self::Emergency, Self::Administrative, Self::FieldReport];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Emergency => "emergency",
            Self::Administrative => "administrative",
            Self::FieldReport => "field_report",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Short CSS-friendly key used for marker colours.
    pub fn css(self) -> &'static str {
        match self {
            Self::Emergency => "g-em",
            Self::Administrative => "g-ad",
            Self::FieldReport => "g-fr",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Emergency => 0,
            Self::Administrative => 1,
            Self::FieldReport => 2,
        }
    }
}

/// How an SLA target is counted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SlaUnit {
    /// Wall-clock minutes, around the clock (emergencies).
    Minutes,
    /// Wall-clock hours, around the clock (utilities).
    Hours,
    /// Working days on the Vietnamese working week (Mon–Fri, minus public holidays).
    WorkingDays,
}

impl SlaUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minutes => "minutes",
            Self::Hours => "hours",
            Self::WorkingDays => "working_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "minutes" => Some(Self::Minutes),
            "hours" => Some(Self::Hours),
            "working_days" => Some(Self::WorkingDays),
            _ => None,
        }
    }
}

/// One SLA target: an amount of a unit, counted from the ticket's creation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlaTarget {
    pub amount: u32,
    pub unit: SlaUnit,
}

/// A kind of report, with its priority and SLA targets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Category {
    pub id: CategoryId,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub group: CategoryGroup,
    /// 1 (highest) … 4.
    pub priority: u8,
    pub response_target: SlaTarget,
    pub resolution_target: SlaTarget,
}

/// The kind of organisation an agency is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Police,
    Fire,
    Medical,
    Department,
    Utility,
    District,
    Center,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::Fire => "fire",
            Self::Medical => "medical",
            Self::Department => "department",
            Self::Utility => "utility",
            Self::District => "district",
            Self::Center => "center",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Police,
            Self::Fire,
            Self::Medical,
            Self::Department,
            Self::Utility,
            Self::District,
            Self::Center,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An agency a ticket is routed to.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Agency {
    pub id: AgencyId,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: AgencyKind,
    /// Public hotline, when one is published.
    pub hotline: Option<String>,
    /// For a district People's Committee: the district it serves.
    pub district: Option<DistrictCode>,
}

/// A district-level unit (without its geometry).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct District {
    pub code: DistrictCode,
    pub name_vi: String,
    pub full_name_vi: String,
    pub name_ascii: String,
    pub area_km2: f64,
    pub population: i64,
    pub population_year: i32,
}
