//! Reference data of an [`ExactLedger`]: divisions (the administrations), journals, VAT codes,
//! accounts and GL accounts, with the per-division caches that keep them.

use std::collections::HashMap;

use grootboek_core::runtime::http::Request;
use grootboek_core::{
    Administration, CountryCode, Currency, Cursor, Error, ErrorKind, Journal, Page, Result,
    VatCode, Vendor,
};

use super::{op_err, ExactLedger};
use crate::mapping::{accounts, gl_accounts, journals, vat_codes};
use crate::odata::{self, pad_account_code, string_literal, Row};
use crate::urls::{Division, Endpoint, Query};

/// What a connection keeps per division so that a write does not look everything up again.
#[derive(Default)]
pub(super) struct Caches {
    /// (division, account GUID) → code.
    account_codes: HashMap<(i32, String), String>,
    /// (division, GL GUID) → code, and code → GUID.
    gl_codes: HashMap<(i32, String), String>,
    gl_guids: HashMap<(i32, String), String>,
    /// division → VAT codes.
    vat_codes: HashMap<i32, Vec<VatCode>>,
    /// division → administration.
    divisions: HashMap<i32, Administration>,
}

impl ExactLedger {
    /// The division Exact's web UI last opened (`current/Me`), which the adapter never relies on
    /// for routing (Q08).
    pub async fn current_division(&self) -> Result<i32> {
        let transport = &self.client().transport;
        let token = transport.protocol().tokens.access().await?;
        let request = Request::get(self.client().urls().me()?)
            .static_header("accept", "application/json")
            .bearer(token.expose_secret())?;
        let answer = transport.http().execute(request, false).await?;
        if !answer.is_success() {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                format!("current/Me answered {}", answer.status),
            )
            .with_vendor(Vendor::Exact));
        }
        current_division_of(&answer.body)
    }

    /// The administration of a division (cached); a division the listing does not show is
    /// taken as Dutch, in euros.
    pub(super) async fn administration(&self, division: Division) -> Result<Administration> {
        if let Some(a) = self
            .inner
            .caches
            .lock()
            .await
            .divisions
            .get(&division.code())
        {
            return Ok(a.clone());
        }
        let rows = self
            .client()
            .all(
                "division",
                division,
                Endpoint::Divisions,
                &Query::select(&["Code", "Description", "Country", "Currency"])
                    .filter(format!("Code eq {}", division.code())),
            )
            .await?;
        let admin = match rows.first() {
            Some(r) => administration_of(r)?,
            None => Administration {
                code: division.to_string(),
                name: division.to_string(),
                country: CountryCode::NL,
                currency: Currency::EUR,
            },
        };
        self.inner
            .caches
            .lock()
            .await
            .divisions
            .insert(division.code(), admin.clone());
        Ok(admin)
    }

    /// The `crm/Accounts` row with `code` (padded as Exact keeps codes), if any.
    pub(crate) async fn account_row(&self, division: Division, code: &str) -> Result<Option<Row>> {
        let filter = format!("Code eq {}", string_literal(&pad_account_code(code)));
        let rows = self
            .client()
            .all(
                "find_account",
                division,
                Endpoint::Accounts,
                &Query::select(accounts::SELECT).filter(filter),
            )
            .await?;
        Ok(rows
            .into_iter()
            .find(|r| odata::string(r, "Code").as_deref() == Some(code.trim())))
    }

    /// The code of the account with GUID `guid` (cached).
    pub(crate) async fn account_code(&self, division: Division, guid: &str) -> Result<String> {
        let key = (division.code(), guid.to_string());
        if let Some(c) = self.inner.caches.lock().await.account_codes.get(&key) {
            return Ok(c.clone());
        }
        let row = self
            .client()
            .get_entity(
                "account_code",
                division,
                Endpoint::Accounts,
                guid,
                &Query::select(&["ID", "Code"]),
            )
            .await?
            .ok_or_else(|| Error::protocol(format!("account {guid} is unknown")))?;
        let code = odata::required_string(&row, "Code", "account")?;
        self.inner
            .caches
            .lock()
            .await
            .account_codes
            .insert(key, code.clone());
        Ok(code)
    }

    async fn load_gl_accounts(&self, division: Division) -> Result<()> {
        let rows = self
            .client()
            .all(
                "gl_accounts",
                division,
                Endpoint::GlAccounts,
                &Query::select(gl_accounts::SELECT),
            )
            .await?;
        let mut caches = self.inner.caches.lock().await;
        for r in rows {
            if let (Some(id), Some(code)) = (odata::guid(&r, "ID"), odata::string(&r, "Code")) {
                caches
                    .gl_codes
                    .insert((division.code(), id.clone()), code.clone());
                caches.gl_guids.insert((division.code(), code), id);
            }
        }
        Ok(())
    }

    /// The GUIDs of the GL account codes that exist (the GL accounts are loaded again once
    /// when a code is not cached).
    pub(crate) async fn gl_guids(
        &self,
        division: Division,
        codes: &[&str],
    ) -> Result<HashMap<String, String>> {
        for attempt in 0..2 {
            {
                let caches = self.inner.caches.lock().await;
                let found: HashMap<String, String> = codes
                    .iter()
                    .filter_map(|c| {
                        caches
                            .gl_guids
                            .get(&(division.code(), c.trim().to_string()))
                            .map(|g| (c.trim().to_string(), g.clone()))
                    })
                    .collect();
                if found.len() == codes.len() || attempt == 1 {
                    return Ok(found);
                }
            }
            self.load_gl_accounts(division).await?;
        }
        Ok(HashMap::new())
    }

    /// The codes of the GL account GUIDs that exist (the GL accounts are loaded again once
    /// when a GUID is not cached).
    pub(crate) async fn gl_codes(
        &self,
        division: Division,
        guids: &[String],
    ) -> Result<HashMap<String, String>> {
        for attempt in 0..2 {
            {
                let caches = self.inner.caches.lock().await;
                let found: HashMap<String, String> = guids
                    .iter()
                    .filter_map(|g| {
                        caches
                            .gl_codes
                            .get(&(division.code(), g.clone()))
                            .map(|c| (g.clone(), c.clone()))
                    })
                    .collect();
                if found.len() == guids.len() || attempt == 1 {
                    return Ok(found);
                }
            }
            self.load_gl_accounts(division).await?;
        }
        Ok(HashMap::new())
    }

    /// The VAT codes of a division usable on sales (cached).
    pub(super) async fn division_vat_codes(&self, division: Division) -> Result<Vec<VatCode>> {
        if let Some(v) = self
            .inner
            .caches
            .lock()
            .await
            .vat_codes
            .get(&division.code())
        {
            return Ok(v.clone());
        }
        let rows = self
            .client()
            .all(
                "vat_codes",
                division,
                Endpoint::VatCodes,
                &Query::select(vat_codes::SELECT),
            )
            .await?;
        let codes = rows
            .iter()
            .filter(|r| vat_codes::usable_for_sales(r))
            .map(vat_codes::from_wire)
            .collect::<Result<Vec<_>>>()?;
        self.inner
            .caches
            .lock()
            .await
            .vat_codes
            .insert(division.code(), codes.clone());
        Ok(codes)
    }

    /// The divisions of the user, listed through the default division (or, without one, the
    /// division `current/Me` names).
    pub(super) async fn fetch_administrations(&self) -> Result<Vec<Administration>> {
        let run = async {
            let division = match self.default_division() {
                Ok(d) => d,
                Err(_) => Division::new(self.current_division().await?)?,
            };
            let rows = self
                .client()
                .all(
                    "administrations",
                    division,
                    Endpoint::Divisions,
                    &Query::select(&["Code", "Description", "Country", "Currency"]),
                )
                .await?;
            rows.iter()
                .map(administration_of)
                .collect::<Result<Vec<_>>>()
        };
        run.await.map_err(|e| op_err(e, "administrations"))
    }

    /// One page of a division's journals.
    pub(super) async fn fetch_journals(
        &self,
        administration: &str,
        cursor: Option<Cursor>,
    ) -> Result<Page<Journal>> {
        let run = async {
            let division = Self::division(administration)?;
            let (rows, next) = self
                .page_of(
                    division,
                    Endpoint::Journals,
                    &Query::select(journals::SELECT),
                    cursor,
                    "list_journals",
                )
                .await?;
            let items = rows
                .iter()
                .map(journals::from_wire)
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, next })
        };
        run.await.map_err(|e| op_err(e, "list_journals"))
    }

    /// A division's VAT codes, read afresh (the cache is refilled).
    pub(super) async fn fetch_vat_codes(&self, administration: &str) -> Result<Vec<VatCode>> {
        let run = async {
            let division = Self::division(administration)?;
            self.inner
                .caches
                .lock()
                .await
                .vat_codes
                .remove(&division.code());
            self.division_vat_codes(division).await
        };
        run.await.map_err(|e| op_err(e, "vat_codes"))
    }
}

fn administration_of(row: &Row) -> Result<Administration> {
    let code = odata::integer(row, "Code")
        .map(|c| c.to_string())
        .ok_or_else(|| Error::protocol("a division without Code"))?;
    Ok(Administration {
        name: odata::string(row, "Description").unwrap_or_else(|| code.clone()),
        country: odata::string(row, "Country")
            .and_then(|c| c.parse().ok())
            .unwrap_or(CountryCode::NL),
        currency: odata::string(row, "Currency")
            .and_then(|c| c.parse().ok())
            .unwrap_or(Currency::EUR),
        code,
    })
}

/// The `CurrentDivision` of a `current/Me` answer: one row, in the list envelope (reference §2).
fn current_division_of(body: &[u8]) -> Result<i32> {
    let row = odata::parse_single(body)?.ok_or_else(|| Error::protocol("current/Me is empty"))?;
    odata::integer(&row, "CurrentDivision")
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(|| Error::protocol("current/Me has no CurrentDivision"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorded `current/Me` shape (one row in `d.results`) gives its division; an empty
    /// list or a row without `CurrentDivision` is an error naming what is missing.
    #[test]
    fn current_division_from_the_me_fixture() {
        let me = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/exact/me.json"
        ))
        .unwrap();
        assert_eq!(current_division_of(&me).unwrap(), 123456);
        let e = current_division_of(br#"{"d":{"results":[]}}"#).unwrap_err();
        assert!(e.message().contains("current/Me is empty"), "{e}");
        let e = current_division_of(br#"{"d":{"results":[{"UserID":"x"}]}}"#).unwrap_err();
        assert!(e.message().contains("CurrentDivision"), "{e}");
    }
}
