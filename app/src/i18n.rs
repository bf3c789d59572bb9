//! Labels in Vietnamese first, English second.

use crate::types::{CategoryGroup, Channel, TicketStatus};

pub fn group_vi(g: CategoryGroup) -> &'static str {
    match g {
        CategoryGroup::Emergency => "Cứu hộ khẩn cấp",
        CategoryGroup::Administrative => "Thủ tục hành chính",
        CategoryGroup::FieldReport => "Phản ánh hiện trường",
    }
}

pub fn group_en(g: CategoryGroup) -> &'static str {
    match g {
        CategoryGroup::Emergency => "Emergency rescue",
        CategoryGroup::Administrative => "Administrative",
        CategoryGroup::FieldReport => "Field reports",
    }
}

pub fn status_vi(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "Mới",
        TicketStatus::Assigned => "Đã chuyển",
        TicketStatus::Acknowledged => "Đã tiếp nhận",
        TicketStatus::InProgress => "Đang xử lý",
        TicketStatus::Resolved => "Đã xử lý",
        TicketStatus::Closed => "Đã đóng",
        TicketStatus::Rejected => "Từ chối",
        TicketStatus::Duplicate => "Trùng",
        TicketStatus::Reopened => "Mở lại",
    }
}

pub fn status_en(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "New",
        TicketStatus::Assigned => "Assigned",
        TicketStatus::Acknowledged => "Acknowledged",
        TicketStatus::InProgress => "In progress",
        TicketStatus::Resolved => "Resolved",
        TicketStatus::Closed => "Closed",
        TicketStatus::Rejected => "Rejected",
        TicketStatus::Duplicate => "Duplicate",
        TicketStatus::Reopened => "Reopened",
    }
}

pub fn channel_vi(c: Channel) -> &'static str {
    match c {
        Channel::Phone => "Điện thoại 1022",
        Channel::Zalo => "Zalo",
        Channel::Web => "Cổng web",
        Channel::Email => "Thư điện tử",
        Channel::App => "Ứng dụng",
        Channel::Open311 => "Open311",
    }
}

/// The attribution line the boundary data's licence asks for.
pub const MAP_ATTRIBUTION: &str = "Địa giới hành chính: dvhcvn (github.com/daohoangson/dvhcvn, GPL-3.0), nguồn: Hệ thống bản đồ hành chính gis.chinhphu.vn và Danh mục hành chính – Tổng cục Thống kê. Ranh giới xã: GADM (gadm.org), chỉ dùng phi thương mại.";

/// The map's caption: the units shown are those before the 2025 merger.
pub const MAP_CAPTION: &str = "Bình Dương (địa giới trước 01/07/2025)";
