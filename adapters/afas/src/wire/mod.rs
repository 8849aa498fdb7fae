//! The AFAS wire format: lenient JSON, rows with typed access, dates with a false `Z`, and
//! AFAS country codes.

pub mod country;
pub mod json;
pub mod row;

/// Format a civil date the way AFAS reads it: plain `YYYY-MM-DD`, Europe/Amsterdam (Q14).
pub fn afas_date(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
