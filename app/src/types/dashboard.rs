//! What the dashboard page needs, computed on the server for one period.

use serde::{Deserialize, Serialize};

use super::ids::{AgencyId, DistrictCode, TicketId};
use super::reference::CategoryGroup;
use super::ticket::TicketSummary;

/// The period selector's choices (local days in Asia/Ho_Chi_Minh).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Period {
    #[serde(rename = "today")]
    Today,
    #[serde(rename = "7d")]
    Days7,
    #[default]
    #[serde(rename = "30d")]
    Days30,
}

impl Period {
    pub const ALL: [Period; 3] = [Self::Today, Self::Days7, Self::Days30];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Days7 => "7d",
            Self::Days30 => "30d",
        }
    }

    /// Parses the URL form; anything else is `None` (the page then falls back to the default).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Number of local calendar days the period covers, today included.
    pub fn days(self) -> i64 {
        match self {
            Self::Today => 1,
            Self::Days7 => 7,
            Self::Days30 => 30,
        }
    }
}

/// A ticket drawn as a point on the map (already projected into map units).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MapMarker {
    pub id: TicketId,
    pub x: f32,
    pub y: f32,
    pub group: CategoryGroup,
    /// Open and past its resolution due time.
    pub overdue: bool,
    /// Epoch ms.
    pub created_at: i64,
}

/// Per-agency response and resolution figures for the period. Durations are in seconds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AgencyStats {
    pub agency_id: AgencyId,
    pub code: String,
    pub name_vi: String,
    pub tickets: u64,
    pub open: u64,
    pub response_median_s: Option<f64>,
    pub response_p90_s: Option<f64>,
    pub resolution_median_s: Option<f64>,
    pub resolution_p90_s: Option<f64>,
    /// Share of decided tickets answered within the first-response target (0–1).
    pub response_within_sla: Option<f64>,
    /// Share of decided tickets resolved within the resolution target (0–1).
    pub resolution_within_sla: Option<f64>,
}

/// Headline figures.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Headline {
    /// Created since local midnight today.
    pub today: u64,
    /// Open now, whatever their age.
    pub open: u64,
    /// Open now and past their resolution due time.
    pub overdue: u64,
    /// Tickets created in the selected period.
    pub in_period: u64,
    /// Tickets in the period per category group, in `CategoryGroup::ALL` order.
    pub by_group: [u64; 3],
}

/// Ticket count per district for the period.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DistrictCount {
    pub code: DistrictCode,
    pub tickets: u64,
}

/// Everything the dashboard shows for one period.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Dashboard {
    pub period: Period,
    /// Epoch ms at which the figures were computed.
    pub now: i64,
    /// Start of the period (local midnight, epoch ms).
    pub from: i64,
    pub headline: Headline,
    pub markers: Vec<MapMarker>,
    /// How many tickets of the period have a location in the province (the heat layer shows all of them).
    pub located: u64,
    pub agencies: Vec<AgencyStats>,
    pub districts: Vec<DistrictCount>,
    pub latest: Vec<TicketSummary>,
    /// URL of the heat layer image for this period (served by the app itself).
    pub heat_url: String,
    /// Tickets per km² at the top of the heat legend.
    pub heat_max_per_km2: f64,
}
