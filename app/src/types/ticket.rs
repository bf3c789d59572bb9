//! Tickets: status, channel, the detail view and its history.

use serde::{Deserialize, Serialize};

use super::ids::{AgencyId, CategoryId, CommuneCode, DistrictCode, TicketId};
use super::reference::CategoryGroup;

/// Lifecycle state of a ticket. Legal transitions live in `domain::lifecycle`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    Assigned,
    Acknowledged,
    InProgress,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    Reopened,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 9] = [
        Self::New,
        Self::Assigned,
        Self::Acknowledged,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::Rejected,
        Self::Duplicate,
        Self::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Assigned => "assigned",
            Self::Acknowledged => "acknowledged",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still waiting for an agency to finish: counts towards backlog and overdue.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Resolved | Self::Closed | Self::Rejected | Self::Duplicate
        )
    }

    pub fn index(self) -> u8 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    pub fn from_index(i: u8) -> Self {
        Self::ALL.get(i as usize).copied().unwrap_or(Self::New)
    }
}

/// How the report reached the center.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Zalo,
    Web,
    Email,
    App,
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Self::Phone,
        Self::Zalo,
        Self::Web,
        Self::Email,
        Self::App,
        Self::Open311,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Zalo => "zalo",
            Self::Web => "web",
            Self::Email => "email",
            Self::App => "app",
            Self::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One immutable entry of a ticket's history.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// Epoch milliseconds (UTC).
    pub at: i64,
    pub actor: String,
    pub from: Option<TicketStatus>,
    pub to: TicketStatus,
    pub note: Option<String>,
}

/// A ticket as the dashboard's detail panel shows it. Personal data is masked.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TicketDetail {
    pub id: TicketId,
    pub code: String,
    pub channel: Channel,
    pub category_id: CategoryId,
    pub category_name_vi: String,
    pub category_name_en: String,
    pub group: CategoryGroup,
    pub priority: u8,
    pub description: String,
    /// Reporter's phone, masked except for the last three digits.
    pub reporter_masked: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub district: Option<DistrictCode>,
    pub district_name: Option<String>,
    pub commune: Option<CommuneCode>,
    pub commune_name: Option<String>,
    pub agency_id: Option<AgencyId>,
    pub agency_name_vi: Option<String>,
    pub status: TicketStatus,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub history: Vec<HistoryEntry>,
    /// Optimistic-concurrency version: send it back with a change.
    pub version: i64,
    pub notes: Vec<Note>,
    pub parent_id: Option<TicketId>,
    pub duplicate_of: Option<TicketId>,
    /// Tickets spawned from this one for other agencies (one report, several agencies).
    pub children: Vec<TicketSummary>,
}

impl TicketDetail {
    /// How many child tickets are done (resolved or closed), out of how many.
    pub fn children_done(&self) -> (usize, usize) {
        let done = self
            .children
            .iter()
            .filter(|c| matches!(c.status, TicketStatus::Resolved | TicketStatus::Closed))
            .count();
        (done, self.children.len())
    }
}

/// A note on a ticket.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Note {
    pub at: i64,
    pub actor: String,
    pub body: String,
    /// Shown to the citizen on the status page.
    pub public: bool,
}

/// What a citizen sees of a ticket by its code: no personal data, no internal notes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PublicTicket {
    pub code: String,
    pub category_name_vi: String,
    pub category_name_en: String,
    pub status: TicketStatus,
    pub created_at: i64,
    pub district_name: Option<String>,
    pub agency_name_vi: Option<String>,
    pub resolution_due_at: Option<i64>,
    /// Status changes (time and new status only).
    pub steps: Vec<(i64, TicketStatus)>,
    pub public_notes: Vec<(i64, String)>,
}

impl PublicTicket {
    /// The citizen's view of a ticket.
    pub fn from_detail(d: &TicketDetail) -> Self {
        Self {
            code: d.code.clone(),
            category_name_vi: d.category_name_vi.clone(),
            category_name_en: d.category_name_en.clone(),
            status: d.status,
            created_at: d.created_at,
            district_name: d.district_name.clone(),
            agency_name_vi: d.agency_name_vi.clone(),
            resolution_due_at: d.resolution_due_at,
            steps: d.history.iter().map(|h| (h.at, h.to)).collect(),
            public_notes: d
                .notes
                .iter()
                .filter(|n| n.public)
                .map(|n| (n.at, n.body.clone()))
                .collect(),
        }
    }
}

/// A line in the "latest tickets" list.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TicketSummary {
    pub id: TicketId,
    pub code: String,
    pub category_name_vi: String,
    pub group: CategoryGroup,
    pub district_name: Option<String>,
    pub agency_code: Option<String>,
    pub status: TicketStatus,
    pub created_at: i64,
    /// Open and past its resolution due time at the moment the list was built.
    pub overdue: bool,
    /// When resolution is due (epoch ms).
    #[serde(default)]
    pub resolution_due_at: Option<i64>,
}

impl TicketSummary {
    /// The SLA clock for lists: "còn 2 g 05 ph" (time left), "quá hạn 3 g" (breached), or
    /// nothing once the ticket is no longer open. Computed in Asia/Ho_Chi_Minh-independent
    /// durations from `now` (epoch ms).
    pub fn sla_label(&self, now: i64) -> Option<(String, bool)> {
        let due = self.resolution_due_at?;
        if !self.status.is_open() {
            return None;
        }
        let left = due - now;
        Some(if left >= 0 {
            (
                format!(
                    "còn {}",
                    crate::domain::time::format_duration_vi(left as f64 / 1000.0)
                ),
                false,
            )
        } else {
            (
                format!(
                    "quá hạn {}",
                    crate::domain::time::format_duration_vi(-left as f64 / 1000.0)
                ),
                true,
            )
        })
    }
}

/// A report to file, from any channel.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct NewTicket {
    pub channel: Channel,
    pub category: CategoryId,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    /// The operator's choice of agency, replacing the routing rules' answer.
    pub agency_override: Option<AgencyId>,
    /// File this report as a duplicate of an open ticket.
    pub duplicate_of: Option<TicketId>,
    /// A client-chosen key: retrying with the same key returns the same ticket.
    pub idempotency_key: Option<String>,
}

/// What filing a report produced.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TicketCreated {
    pub id: TicketId,
    pub code: String,
    pub agency_id: Option<AgencyId>,
    pub agency_name_vi: Option<String>,
    pub district_name: Option<String>,
    pub commune_name: Option<String>,
    /// The point lies outside Bình Dương: the ticket waits in the 1022 center's triage queue.
    pub out_of_area: bool,
    pub response_due_at: i64,
    pub resolution_due_at: i64,
    /// This request repeated an earlier one (same idempotency key): nothing new was stored.
    pub replayed: bool,
    /// Codes of the child tickets filed with it for other agencies.
    #[serde(default)]
    pub children: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_clock_for_lists() {
        let mut t = TicketSummary {
            id: TicketId(1),
            code: "BD-AAAAA-AAAAA".into(),
            category_name_vi: "Cháy".into(),
            group: CategoryGroup::Emergency,
            district_name: None,
            agency_code: None,
            status: TicketStatus::Acknowledged,
            created_at: 0,
            overdue: false,
            resolution_due_at: Some(3_900_000),
        };
        assert_eq!(t.sla_label(0), Some(("còn 1 g 05 ph".to_string(), false)));
        assert_eq!(
            t.sla_label(3_900_000 + 600_000),
            Some(("quá hạn 10 ph".to_string(), true))
        );
        t.status = TicketStatus::Resolved;
        assert_eq!(t.sla_label(0), None, "no clock once done");
        t.status = TicketStatus::Assigned;
        t.resolution_due_at = None;
        assert_eq!(t.sla_label(0), None);
    }
}
