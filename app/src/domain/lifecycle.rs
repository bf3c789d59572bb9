//! The ticket lifecycle: which status changes are legal.
//!
//! new → assigned → acknowledged → in_progress → resolved → closed, plus rejected (prank or
//! invalid), duplicate (linked to its parent) and reopened. A transfer to another agency
//! puts an active ticket back to `assigned`.

use crate::types::TicketStatus::{self, *};

/// Whether `from → to` is a legal status change.
pub fn can_transition(from: TicketStatus, to: TicketStatus) -> bool {
    matches!(
        (from, to),
        (New, Assigned | Rejected | Duplicate)
            | (Assigned, Assigned | Acknowledged | Rejected | Duplicate)
            | (
                Acknowledged,
                Assigned | InProgress | Resolved | Rejected | Duplicate
            )
            | (InProgress, Assigned | Resolved)
            | (Resolved, Closed | Reopened)
            | (Closed | Rejected | Duplicate, Reopened)
            | (Reopened, Assigned | Acknowledged | InProgress | Resolved)
    )
}

/// Statuses reachable from `from`.
pub fn next_statuses(from: TicketStatus) -> Vec<TicketStatus> {
    TicketStatus::ALL
        .into_iter()
        .filter(|to| can_transition(from, *to))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_path_is_legal() {
        let path = [
            New,
            Assigned,
            Acknowledged,
            InProgress,
            Resolved,
            Closed,
            Reopened,
            Resolved,
        ];
        for w in path.windows(2) {
            assert!(can_transition(w[0], w[1]), "{:?} → {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn shortcuts_are_illegal() {
        assert!(!can_transition(New, Resolved));
        assert!(!can_transition(Closed, InProgress));
        assert!(!can_transition(Resolved, Resolved));
        assert!(!can_transition(Rejected, Closed));
        assert_eq!(next_statuses(Resolved), vec![Closed, Reopened]);
    }
}
