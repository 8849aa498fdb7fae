//! The AFAS token: `Authorization: AfasToken <base64 of <token><version>1</version><data>HEX</data></token>>`.
//! A token sent as plain text (not base64) is an HTTP 500 since Profit 6/7; a missing, malformed
//! or wrong token is a 401.

use axum::http::StatusCode;
use base64::Engine;

use super::error::AfasError;

/// The XML token for `data`.
pub fn token_xml(data: &str) -> String {
    format!("<token><version>1</version><data>{data}</data></token>")
}

/// The `Authorization` header value for `data`.
pub fn authorization_header(data: &str) -> String {
    format!(
        "AfasToken {}",
        base64::engine::general_purpose::STANDARD.encode(token_xml(data))
    )
}

fn unauthorized() -> AfasError {
    AfasError::with_status(StatusCode::UNAUTHORIZED, "Unauthorized: no valid token.")
}

fn token_data(xml: &str) -> Option<&str> {
    let compact = xml.trim();
    let inner = compact
        .strip_prefix("<token>")?
        .strip_suffix("</token>")?
        .trim();
    let rest = inner.strip_prefix("<version>1</version>")?.trim();
    rest.strip_prefix("<data>")?
        .strip_suffix("</data>")
        .map(str::trim)
}

/// Check an `Authorization` header against the accepted token data.
pub fn check(header: Option<&str>, accepted: &str) -> Result<(), AfasError> {
    let header = header.ok_or_else(unauthorized)?.trim();
    let (scheme, value) = header.split_once(' ').ok_or_else(unauthorized)?;
    if !scheme.eq_ignore_ascii_case("AfasToken") {
        return Err(unauthorized());
    }
    let value = value.trim();
    if value.starts_with('<') {
        // A plain-text token: refused with a 500, whether or not it is the right one.
        return Err(AfasError::unexpected(
            "An unexpected error has occurred. (The token must be base64-encoded.)",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
        .map_err(|_| unauthorized())?;
    let xml = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    match token_data(&xml) {
        Some(data) if data == accepted => Ok(()),
        _ => Err(unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_HEADER: &str = "AfasToken PHRva2VuPjx2ZXJzaW9uPjE8L3ZlcnNpb24+PGRhdGE+QURFMzcwQkU4REFGNDBEMEExN0ZGQjkxNEU0MjY3NUU5OTk4QzJENTQ2QTJGNEZBM0U0RjNBQkZBODY3Qjk2RjwvZGF0YT48L3Rva2VuPg==";
    const DOC_DATA: &str = "ADE370BE8DAF40D0A17FFB914E42675E9998C2D546A2F4FA3E4F3ABFA867B96F";

    #[test]
    fn documented_vector_is_accepted() {
        assert_eq!(authorization_header(DOC_DATA), DOC_HEADER);
        assert!(check(Some(DOC_HEADER), DOC_DATA).is_ok());
    }

    #[test]
    fn plain_wrong_and_missing_tokens() {
        let plain = format!("AfasToken {}", token_xml(DOC_DATA));
        assert_eq!(
            check(Some(&plain), DOC_DATA).map_err(|e| e.status),
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        );
        let wrong = authorization_header("00");
        assert_eq!(
            check(Some(&wrong), DOC_DATA).map_err(|e| e.status),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            check(None, DOC_DATA).map_err(|e| e.status),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            check(Some("Bearer x"), DOC_DATA).map_err(|e| e.status),
            Err(StatusCode::UNAUTHORIZED)
        );
    }
}
