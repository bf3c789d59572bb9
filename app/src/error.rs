//! The application's error type, shared by server functions and the browser.
//!
//! Internals never cross the wire: the server logs the cause and sends an opaque reference.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
    ServerFnError,
};
use serde::{Deserialize, Serialize};

/// A field name and a message the user understands, in Vietnamese then English.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message_vi: String,
    pub message_en: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(String),
    /// An internal failure; `ref_id` points at the server log line with the cause.
    #[error("internal error (ref {ref_id})")]
    Internal { ref_id: String },
    #[error("{0}")]
    ServerFn(String),
}

impl AppError {
    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::Validation(_) => 422,
            Self::Conflict(_) => 409,
            Self::Internal { .. } => 500,
            Self::ServerFn(_) => 400,
        }
    }

    /// One field error.
    pub fn field(field: &str, vi: &str, en: &str) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message_vi: vi.into(),
            message_en: en.into(),
        }])
    }

    /// Logs `cause` on the server and returns an opaque internal error.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(1);
        let ref_id = format!("E{:06}", N.fetch_add(1, Ordering::Relaxed));
        tracing::error!(ref_id = %ref_id, "internal error: {cause}");
        Self::Internal { ref_id }
    }

    /// A sentence for the page, Vietnamese first.
    pub fn user_message(&self) -> String {
        match self {
            Self::NotFound => "Không tìm thấy · Not found".into(),
            Self::Unauthorized => "Cần đăng nhập · Sign-in required".into(),
            Self::Forbidden => "Không có quyền · Not allowed".into(),
            Self::Validation(errs) => errs
                .iter()
                .map(|e| format!("{}: {} · {}", e.field, e.message_vi, e.message_en))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Conflict(m) => format!("Xung đột dữ liệu · Conflict: {m}"),
            Self::Internal { ref_id } => format!("Lỗi hệ thống · Internal error (mã/ref {ref_id})"),
            Self::ServerFn(m) => format!("Lỗi kết nối · Request failed: {m}"),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // A request whose arguments do not parse is the client's error, not ours.
            ServerFnErrorErr::Args(msg) => Self::Validation(vec![FieldError {
                field: "arguments".into(),
                message_vi: "Tham số không hợp lệ".into(),
                message_en: msg,
            }]),
            ServerFnErrorErr::MissingArg(name) => Self::Validation(vec![FieldError {
                field: name,
                message_vi: "Thiếu tham số".into(),
                message_en: "missing argument".into(),
            }]),
            other => Self::ServerFn(other.to_string()),
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(e: ServerFnError) -> Self {
        Self::ServerFn(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        for e in [
            AppError::NotFound,
            AppError::field("lat", "Vĩ độ sai", "Bad latitude"),
            AppError::Internal {
                ref_id: "E000001".into(),
            },
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
        }
        assert_eq!(AppError::field("x", "a", "b").status(), 422);
    }
}
