//! Vietnamese text helpers: diacritic-insensitive search keys and personal-data masking.

/// Folds Vietnamese text to a lowercase ASCII search key: "Thủ Dầu Một" → "thu dau mot",
/// "Đồng" → "dong". Characters outside Latin letters and digits become single spaces.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars() {
        let f = fold_char(c);
        if f == '\u{0}' {
            continue;
        }
        if f.is_ascii_alphanumeric() {
            out.push(f);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fold_char(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match lower {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ' | 'ẫ'
        | 'ậ' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => 'e',
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở' | 'ỡ'
        | 'ợ' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => 'u',
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'đ' => 'd',
        // Combining marks (text typed in decomposed form) vanish.
        '\u{0300}'..='\u{036f}' => '\u{0}',
        other => other,
    }
}

/// Masks a phone number for roles that must not see it: "0912345678" → "09•••••678".
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 6 {
        return "•••".to_string();
    }
    let n = digits.len();
    let mut out: String = digits[..2].iter().collect();
    out.extend(std::iter::repeat_n('•', n - 5));
    out.extend(&digits[n - 3..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Thủ Dầu Một"), "thu dau mot");
        assert_eq!(fold("ĐỒNG NAI"), "dong nai");
        assert_eq!(fold("  Bắc   Tân-Uyên! "), "bac tan uyen");
        // Decomposed input (e + combining acute) folds the same way.
        assert_eq!(fold("Be\u{301}n Ca\u{301}t"), "ben cat");
    }

    #[test]
    fn masks_phone() {
        assert_eq!(mask_phone("0912 345 678"), "09•••••678");
        assert_eq!(mask_phone("113"), "•••");
    }
}
