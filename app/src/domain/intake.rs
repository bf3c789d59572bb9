//! Validation of a new report, whatever channel it came through. Every rejection names the
//! field and says what is wrong in Vietnamese and English; nothing is stored half-checked.

use crate::error::FieldError;
use crate::types::NewTicket;

/// Longest description accepted (characters).
pub const MAX_DESCRIPTION: usize = 4000;
/// Longest name or address accepted (characters).
pub const MAX_SHORT: usize = 300;

fn err(field: &str, vi: &str, en: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message_vi: vi.into(),
        message_en: en.into(),
    }
}

/// Parses a coordinate typed by a person: accepts a decimal comma ("10,98"), rejects
/// anything that is not a finite number.
pub fn parse_coordinate(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    if t.is_empty() || t.matches('.').count() > 1 {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Checks a latitude/longitude pair: both or neither, finite, in range, and not swapped
/// (a "latitude" of 106 with a "longitude" of 11 is Bình Dương typed backwards).
pub fn check_position(lat: Option<f64>, lon: Option<f64>) -> Result<Option<(f64, f64)>, FieldError> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(err(
            "lon",
            "Thiếu kinh độ",
            "longitude is missing (both lat and lon are needed)",
        )),
        (None, Some(_)) => Err(err(
            "lat",
            "Thiếu vĩ độ",
            "latitude is missing (both lat and lon are needed)",
        )),
        (Some(lat), Some(lon)) => {
            if !lat.is_finite() {
                return Err(err("lat", "Vĩ độ không phải là số", "latitude is not a number"));
            }
            if !lon.is_finite() {
                return Err(err(
                    "lon",
                    "Kinh độ không phải là số",
                    "longitude is not a number",
                ));
            }
            if (100.0..=115.0).contains(&lat) && (8.0..=24.0).contains(&lon) {
                return Err(err(
                    "lat",
                    "Vĩ độ và kinh độ bị đảo ngược",
                    "latitude and longitude look swapped (Bình Dương is near lat 11, lon 106.7)",
                ));
            }
            if !(-90.0..=90.0).contains(&lat) {
                return Err(err(
                    "lat",
                    "Vĩ độ phải trong khoảng −90 đến 90",
                    "latitude must be within −90…90",
                ));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(err(
                    "lon",
                    "Kinh độ phải trong khoảng −180 đến 180",
                    "longitude must be within −180…180",
                ));
            }
            Ok(Some((lat, lon)))
        }
    }
}

/// Normalises a phone number to its digits (a leading + kept); `None` when empty.
pub fn normalise_phone(s: &str) -> Result<Option<String>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let plus = t.starts_with('+');
    if t.chars().any(|c| !(c.is_ascii_digit() || " .-()+".contains(c))) {
        return Err(err(
            "reporter_phone",
            "Số điện thoại chỉ gồm chữ số",
            "a phone number has digits only",
        ));
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if !(3..=15).contains(&digits.len()) {
        return Err(err(
            "reporter_phone",
            "Số điện thoại phải có 3–15 chữ số",
            "a phone number has 3–15 digits",
        ));
    }
    Ok(Some(if plus { format!("+{digits}") } else { digits }))
}

fn text(field: &str, v: &Option<String>, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let t = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if t.chars().count() > max {
        errors.push(err(
            field,
            &format!("Tối đa {max} ký tự"),
            &format!("at most {max} characters"),
        ));
        return None;
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errors.push(err(
            field,
            "Có ký tự điều khiển không hợp lệ",
            "contains control characters",
        ));
        return None;
    }
    Some(t.to_string())
}

/// A report that passed validation (text trimmed, phone normalised).
#[derive(Clone, Debug, PartialEq)]
pub struct ValidTicket {
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub position: Option<(f64, f64)>,
    pub address: Option<String>,
}

/// Validates a report. Markup is kept as typed text: pages render it inert.
///
/// # Errors
/// Every field that is wrong, each with its reason.
pub fn validate(t: &NewTicket) -> Result<ValidTicket, Vec<FieldError>> {
    let mut errors = Vec::new();
    let description = text(
        "description",
        &Some(t.description.clone()),
        MAX_DESCRIPTION,
        &mut errors,
    );
    if description.is_none() && errors.is_empty() {
        errors.push(err(
            "description",
            "Cần mô tả sự việc",
            "a description is required",
        ));
    }
    let reporter_name = text("reporter_name", &t.reporter_name, 120, &mut errors);
    let address = text("address", &t.address, MAX_SHORT, &mut errors);
    let reporter_phone = match normalise_phone(t.reporter_phone.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let position = match check_position(t.lat, t.lon) {
        Ok(p) => p,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if errors.is_empty() {
        Ok(ValidTicket {
            description: description.unwrap_or_default(),
            reporter_name,
            reporter_phone,
            position,
            address,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CategoryId, Channel};

    fn base() -> NewTicket {
        NewTicket {
            channel: Channel::Phone,
            category: CategoryId(1),
            description: "  Cháy nhà  ".into(),
            reporter_name: None,
            reporter_phone: Some("0912 345 678".into()),
            lat: Some(10.98),
            lon: Some(106.65),
            address: None,
            agency_override: None,
            duplicate_of: None,
            idempotency_key: None,
        }
    }

    #[test]
    fn accepts_and_normalises() {
        let v = validate(&base()).unwrap();
        assert_eq!(v.description, "Cháy nhà");
        assert_eq!(v.reporter_phone.as_deref(), Some("0912345678"));
        assert_eq!(v.position, Some((10.98, 106.65)));
    }

    #[test]
    fn coordinates() {
        assert_eq!(parse_coordinate("10,98"), Some(10.98), "decimal comma");
        assert_eq!(parse_coordinate(" 106.65 "), Some(106.65));
        assert_eq!(parse_coordinate("NaN"), None);
        assert_eq!(parse_coordinate("inf"), None);
        assert_eq!(parse_coordinate("1,2.3"), None);
        assert_eq!(parse_coordinate(""), None);
        assert!(check_position(Some(91.0), Some(106.0)).is_err());
        assert!(check_position(Some(10.0), Some(181.0)).is_err());
        assert_eq!(
            check_position(Some(106.65), Some(10.98)).unwrap_err().field,
            "lat",
            "swapped"
        );
        assert_eq!(check_position(Some(10.98), None).unwrap_err().field, "lon");
        assert_eq!(check_position(None, Some(106.6)).unwrap_err().field, "lat");
        assert!(check_position(Some(f64::NAN), Some(106.0)).is_err());
        assert_eq!(
            check_position(Some(-33.9), Some(151.2)).unwrap(),
            Some((-33.9, 151.2)),
            "valid, just far away"
        );
    }

    #[test]
    fn rejects_each_bad_field() {
        let mut t = base();
        t.description = "   ".into();
        t.reporter_phone = Some("09x12".into());
        t.address = Some("a".repeat(301));
        let errs = validate(&t).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["description", "address", "reporter_phone"]);
    }

    #[test]
    fn markup_is_kept_as_text() {
        let mut t = base();
        t.description = "<script>alert(1)</script>".into();
        assert_eq!(validate(&t).unwrap().description, "<script>alert(1)</script>");
    }
}
