//! The `Authorization: AfasToken <base64>` header.
//!
//! The header carries base64 of the *whole* XML token, `<token><version>1</version><data>HEX</data></token>`
//! (mandatory since Profit 6; a plain-text token answers 500). The configuration accepts the XML
//! token or only its hex data. The token is static (no refresh, no OAuth): a 401 is final.

use base64::Engine;
use grootboek_core::{Error, Result};
use reqwest::header::HeaderValue;

/// Build the `Authorization` header value. The value is marked sensitive so that `reqwest`/`http`
/// never print it.
pub fn authorization_header(token: &str) -> Result<HeaderValue> {
    let t = token.trim();
    if t.is_empty() {
        return Err(Error::config("the AFAS token is empty"));
    }
    let xml = if t.starts_with('<') {
        t.to_string()
    } else if t.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("<token><version>1</version><data>{t}</data></token>")
    } else {
        return Err(Error::config(
            "the AFAS token must be the XML <token>…</token> or its hex data",
        ));
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
    let mut v = HeaderValue::from_str(&format!("AfasToken {b64}"))
        .map_err(|_| Error::config("the AFAS token cannot be sent in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The documented test vector (OAS howto-quickstart.md).
    const DATA: &str = "ADE370BE8DAF40D0A17FFB914E42675E9998C2D546A2F4FA3E4F3ABFA867B96F";
    const HEADER: &str = "AfasToken PHRva2VuPjx2ZXJzaW9uPjE8L3ZlcnNpb24+PGRhdGE+QURFMzcwQkU4REFGNDBEMEExN0ZGQjkxNEU0MjY3NUU5OTk4QzJENTQ2QTJGNEZBM0U0RjNBQkZBODY3Qjk2RjwvZGF0YT48L3Rva2VuPg==";

    #[test]
    fn documented_vector_from_hex_data_and_from_xml() {
        assert_eq!(
            authorization_header(DATA).unwrap().to_str().unwrap(),
            HEADER
        );
        let xml = format!("<token><version>1</version><data>{DATA}</data></token>");
        assert_eq!(
            authorization_header(&xml).unwrap().to_str().unwrap(),
            HEADER
        );
    }

    #[test]
    fn header_is_sensitive_and_errors_do_not_echo_the_token() {
        let h = authorization_header(DATA).unwrap();
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("PHRva2Vu"));
        let e = authorization_header("not a token; secret-ish").unwrap_err();
        assert!(!e.to_string().contains("secret-ish"));
        assert!(authorization_header("  ").is_err());
    }
}
