//! Applying POST/PUT bodies to rows, with Exact's validation: unknown properties are refused
//! (400), read-only properties are ignored, references must exist (500, as Exact answers
//! business validation), and amounts are read from the JSON number text without a float.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::errors::ApiError;
use super::json::Json;
use super::model::*;
use super::odata::parse_write_date;
use super::store::{civil_today, vat_of, Store};

/// A request body checked against the writable and read-only properties of a type.
pub struct Body<'a> {
    pairs: &'a [(String, Json)],
}

fn conversion(k: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Error processing request stream. Type conversion failed for property '{k}'."
    ))
}

impl<'a> Body<'a> {
    /// Check `json` is an object whose members are all known for `type_name`.
    pub fn new(
        json: &'a Json,
        type_name: &str,
        writable: &[&str],
        readonly: &[&str],
    ) -> Result<Self, ApiError> {
        let Json::Obj(pairs) = json else {
            return Err(ApiError::bad_request(
                "Error processing request stream. JSON text specified is not valid.",
            ));
        };
        for (k, _) in pairs {
            if k != "__metadata"
                && !writable.contains(&k.as_str())
                && !readonly.contains(&k.as_str())
            {
                return Err(ApiError::bad_request(format!(
                    "Error processing request stream. The property name '{k}' specified for type '{type_name}' is not valid."
                )));
            }
        }
        Ok(Self { pairs })
    }

    /// The raw member.
    pub fn get(&self, k: &str) -> Option<&'a Json> {
        self.pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }

    /// Absent → `None`; `null` → `Some(None)`; a string → `Some(Some(s))`.
    pub fn string(&self, k: &str) -> Result<Option<Option<String>>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Null) => Ok(Some(None)),
            Some(Json::Str(s)) => Ok(Some(Some(s.clone()))),
            Some(Json::Num(n)) => Ok(Some(Some(n.clone()))),
            Some(_) => Err(conversion(k)),
        }
    }

    /// An integer (a numeric string is accepted too).
    pub fn int(&self, k: &str) -> Result<Option<Option<i64>>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Null) => Ok(Some(None)),
            Some(Json::Num(n)) | Some(Json::Str(n)) => n
                .trim()
                .parse()
                .map(|i| Some(Some(i)))
                .map_err(|_| conversion(k)),
            Some(_) => Err(conversion(k)),
        }
    }

    /// An Int32.
    pub fn i32(&self, k: &str) -> Result<Option<Option<i32>>, ApiError> {
        match self.int(k)? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(i)) => i32::try_from(i)
                .map(|v| Some(Some(v)))
                .map_err(|_| conversion(k)),
        }
    }

    /// A decimal from the number's text (or a numeric string). Magnitudes beyond 10^15 are
    /// refused (Exact stores amounts as doubles), which also keeps sums far from overflow.
    pub fn dec(&self, k: &str) -> Result<Option<Option<Decimal>>, ApiError> {
        let v = self.dec_unbounded(k)?;
        if let Some(Some(d)) = v {
            if d.abs() > Decimal::from(1_000_000_000_000_000_i64) {
                return Err(conversion(k));
            }
        }
        Ok(v)
    }

    fn dec_unbounded(&self, k: &str) -> Result<Option<Option<Decimal>>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Null) => Ok(Some(None)),
            Some(j @ Json::Num(_)) => j
                .as_decimal()
                .map(|d| Some(Some(d)))
                .ok_or_else(|| conversion(k)),
            Some(Json::Str(s)) => s
                .trim()
                .parse()
                .map(|d| Some(Some(d)))
                .map_err(|_| conversion(k)),
            Some(_) => Err(conversion(k)),
        }
    }

    /// A GUID.
    pub fn guid(&self, k: &str) -> Result<Option<Option<Uuid>>, ApiError> {
        match self.string(k)? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(s)) => Uuid::parse_str(s.trim())
                .map(|u| Some(Some(u)))
                .map_err(|_| conversion(k)),
        }
    }

    /// A date (ISO or `/Date(ms)/`).
    pub fn date(&self, k: &str) -> Result<Option<Option<NaiveDate>>, ApiError> {
        match self.string(k)? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(s)) => parse_write_date(&s)
                .map(|d| Some(Some(d)))
                .ok_or_else(|| conversion(k)),
        }
    }

    /// A boolean (`null` reads as false).
    pub fn boolean(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Null) => Ok(Some(false)),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(conversion(k)),
        }
    }
}

fn required<T>(v: Option<Option<T>>, k: &str) -> Result<T, ApiError> {
    v.flatten()
        .ok_or_else(|| ApiError::validation(format!("Mandatory: {k}")))
}

// ---------------------------------------------------------------------------------------
// Accounts

const ACCOUNT_W: &[&str] = &[
    "Code",
    "Name",
    "Country",
    "VATNumber",
    "Email",
    "City",
    "AddressLine1",
    "Postcode",
    "ChamberOfCommerce",
    "SalesVATCode",
    "Status",
    "IsSales",
    "IsSupplier",
    "Blocked",
    "SearchCode",
];
const ACCOUNT_RO: &[&str] = &[
    "ID",
    "Created",
    "Modified",
    "Division",
    "Type",
    "BankAccounts",
];

fn apply_account(store: &Store, a: &mut Account, json: &Json) -> Result<(), ApiError> {
    let b = Body::new(json, super::sets::ACCOUNTS.type_name, ACCOUNT_W, ACCOUNT_RO)?;
    if let Some(code) = b.string("Code")? {
        let code = code.unwrap_or_default().trim().to_string();
        if code.is_empty() {
            return Err(ApiError::validation("Mandatory: Code"));
        }
        if store
            .accounts
            .iter()
            .any(|x| x.division == a.division && x.id != a.id && x.code.trim() == code)
        {
            return Err(ApiError::validation(format!(
                "Code: {code} - Already exists"
            )));
        }
        a.code = code;
    }
    if let Some(name) = b.string("Name")? {
        a.name = name.unwrap_or_default();
    }
    macro_rules! opt_str {
        ($field:ident, $key:literal) => {
            if let Some(v) = b.string($key)? {
                a.$field = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            }
        };
    }
    opt_str!(country, "Country");
    opt_str!(vat_number, "VATNumber");
    opt_str!(email, "Email");
    opt_str!(city, "City");
    opt_str!(address_line1, "AddressLine1");
    opt_str!(postcode, "Postcode");
    opt_str!(chamber_of_commerce, "ChamberOfCommerce");
    opt_str!(sales_vat_code, "SalesVATCode");
    if let Some(s) = b.string("Status")? {
        a.status = s.unwrap_or_else(|| "A".into());
    }
    if let Some(v) = b.boolean("IsSales")? {
        a.is_sales = v;
    }
    if let Some(v) = b.boolean("IsSupplier")? {
        a.is_supplier = v;
    }
    if let Some(v) = b.boolean("Blocked")? {
        a.blocked = v;
    }
    if a.name.trim().is_empty() {
        return Err(ApiError::validation("Mandatory: Name"));
    }
    Ok(())
}

/// POST `crm/Accounts`.
pub fn create_account(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let mut a = Account {
        id: Uuid::new_v4(),
        division,
        code: store.next_account_code(division),
        name: String::new(),
        country: None,
        vat_number: None,
        email: None,
        city: None,
        address_line1: None,
        postcode: None,
        chamber_of_commerce: None,
        sales_vat_code: None,
        status: "C".into(),
        is_sales: true,
        is_supplier: false,
        blocked: false,
        created: now,
        modified: now,
        visible_from: None,
    };
    apply_account(store, &mut a, json)?;
    let id = a.id;
    store.accounts.push(a);
    Ok(id)
}

/// The shape of every PUT on an entity set: find the row `is_it` picks in `set`, apply the body
/// to a copy (so a refused body changes nothing), and write the copy back.
fn put_entity<T: Clone>(
    store: &mut Store,
    set: fn(&mut Store) -> &mut Vec<T>,
    is_it: impl Fn(&T) -> bool,
    apply: impl FnOnce(&Store, &mut T) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let idx = set(store)
        .iter()
        .position(is_it)
        .ok_or_else(ApiError::not_found)?;
    let mut copy = set(store)
        .get(idx)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    apply(store, &mut copy)?;
    if let Some(slot) = set(store).get_mut(idx) {
        *slot = copy;
    }
    Ok(())
}

/// PUT `crm/Accounts(guid'…')`.
pub fn update_account(
    store: &mut Store,
    id: Uuid,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    put_entity(
        store,
        |s| &mut s.accounts,
        |a| a.id == id,
        |st, a| {
            apply_account(st, a, json)?;
            a.modified = now;
            Ok(())
        },
    )
}

// ---------------------------------------------------------------------------------------
// GL accounts, journals, VAT codes

const GL_W: &[&str] = &[
    "Code",
    "Description",
    "Type",
    "BalanceSide",
    "BalanceType",
    "VATCode",
    "IsBlocked",
    "SearchCode",
];
const GL_RO: &[&str] = &["ID", "Created", "Modified", "Division", "TypeDescription"];

fn apply_gl(g: &mut GlAccount, json: &Json) -> Result<(), ApiError> {
    let b = Body::new(json, super::sets::GL_ACCOUNTS.type_name, GL_W, GL_RO)?;
    if let Some(v) = b.string("Code")? {
        g.code = v.unwrap_or_default();
    }
    if let Some(v) = b.string("Description")? {
        g.description = v.unwrap_or_default();
    }
    if let Some(v) = b.i32("Type")? {
        g.type_ = v.unwrap_or(110);
    }
    if let Some(v) = b.string("BalanceSide")? {
        g.balance_side = v.unwrap_or_else(|| "C".into());
    }
    if let Some(v) = b.string("BalanceType")? {
        g.balance_type = v.unwrap_or_else(|| "W".into());
    }
    if let Some(v) = b.string("VATCode")? {
        g.vat_code = v.map(|s| s.trim().to_string());
    }
    if let Some(v) = b.boolean("IsBlocked")? {
        g.is_blocked = v;
    }
    if g.code.trim().is_empty() {
        return Err(ApiError::validation("Mandatory: Code"));
    }
    Ok(())
}

/// POST `financial/GLAccounts`.
pub fn create_gl(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let mut g = GlAccount {
        id: Uuid::new_v4(),
        division,
        code: String::new(),
        description: String::new(),
        type_: 110,
        balance_side: "C".into(),
        balance_type: "W".into(),
        vat_code: None,
        is_blocked: false,
        created: now,
        modified: now,
    };
    apply_gl(&mut g, json)?;
    if store
        .gl_accounts
        .iter()
        .any(|x| x.division == division && x.code.trim() == g.code.trim())
    {
        return Err(ApiError::validation("Data already exists"));
    }
    let id = g.id;
    store.gl_accounts.push(g);
    Ok(id)
}

const JOURNAL_W: &[&str] = &[
    "Code",
    "Description",
    "Type",
    "Currency",
    "IsBlocked",
    "AllowVAT",
];
const JOURNAL_RO: &[&str] = &["ID", "Created", "Modified", "Division", "TypeDescription"];

fn apply_journal(j: &mut Journal, json: &Json) -> Result<(), ApiError> {
    let b = Body::new(json, super::sets::JOURNALS.type_name, JOURNAL_W, JOURNAL_RO)?;
    if let Some(v) = b.string("Code")? {
        j.code = v.unwrap_or_default();
    }
    if let Some(v) = b.string("Description")? {
        j.description = v.unwrap_or_default();
    }
    if let Some(v) = b.i32("Type")? {
        j.type_ = v.unwrap_or(20);
    }
    if let Some(Some(v)) = b.string("Currency")? {
        j.currency = v;
    }
    if let Some(v) = b.boolean("IsBlocked")? {
        j.is_blocked = v;
    }
    if j.code.trim().is_empty() {
        return Err(ApiError::validation("Mandatory: Code"));
    }
    Ok(())
}

/// POST `financial/Journals`.
pub fn create_journal(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let mut j = Journal {
        id: Uuid::new_v4(),
        division,
        code: String::new(),
        description: String::new(),
        type_: 20,
        currency: store.currency(division),
        is_blocked: false,
        created: now,
        modified: now,
    };
    apply_journal(&mut j, json)?;
    if store.journal(division, &j.code).is_some() {
        return Err(ApiError::validation("Data already exists"));
    }
    let id = j.id;
    store.journals.push(j);
    Ok(id)
}

const VAT_W: &[&str] = &[
    "Code",
    "Description",
    "Percentage",
    "Type",
    "VATTransactionType",
    "EUSalesListing",
    "IsBlocked",
    "Charged",
];
const VAT_RO: &[&str] = &["ID", "Created", "Modified", "Division"];

fn apply_vat(v: &mut VatCode, json: &Json) -> Result<(), ApiError> {
    let b = Body::new(json, super::sets::VAT_CODES.type_name, VAT_W, VAT_RO)?;
    if let Some(x) = b.string("Code")? {
        v.code = x.unwrap_or_default().trim().to_string();
    }
    if let Some(x) = b.string("Description")? {
        v.description = x.unwrap_or_default();
    }
    if let Some(x) = b.dec("Percentage")? {
        v.percentage = x.unwrap_or_default();
    }
    if let Some(Some(x)) = b.string("Type")? {
        v.type_ = x;
    }
    if let Some(Some(x)) = b.string("VATTransactionType")? {
        v.vat_transaction_type = x;
    }
    if let Some(Some(x)) = b.string("EUSalesListing")? {
        v.eu_sales_listing = x;
    }
    if let Some(x) = b.boolean("IsBlocked")? {
        v.is_blocked = x;
    }
    if v.code.is_empty() {
        return Err(ApiError::validation("Mandatory: Code"));
    }
    Ok(())
}

/// POST `vat/VATCodes`.
pub fn create_vat(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let mut v = VatCode {
        id: Uuid::new_v4(),
        division,
        code: String::new(),
        description: String::new(),
        percentage: Decimal::ZERO,
        type_: "E".into(),
        vat_transaction_type: "S".into(),
        eu_sales_listing: "N".into(),
        is_blocked: false,
        created: now,
        modified: now,
    };
    apply_vat(&mut v, json)?;
    if store.vat_code(division, &v.code).is_some() {
        return Err(ApiError::validation("Data already exists"));
    }
    let id = v.id;
    store.vat_codes.push(v);
    Ok(id)
}

/// PUT on a GL account, journal or VAT code.
pub fn update_simple(
    store: &mut Store,
    kind: super::sets::SetKind,
    id: Uuid,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    use super::sets::SetKind as K;
    match kind {
        K::GlAccounts => {
            put_entity(
                store,
                |s| &mut s.gl_accounts,
                |g| g.id == id,
                |_, g| {
                    apply_gl(g, json)?;
                    g.modified = now;
                    Ok(())
                },
            )?;
        }
        K::Journals => {
            put_entity(
                store,
                |s| &mut s.journals,
                |j| j.id == id,
                |_, j| {
                    apply_journal(j, json)?;
                    j.modified = now;
                    Ok(())
                },
            )?;
        }
        K::VatCodes => {
            put_entity(
                store,
                |s| &mut s.vat_codes,
                |v| v.id == id,
                |_, v| {
                    apply_vat(v, json)?;
                    v.modified = now;
                    Ok(())
                },
            )?;
        }
        _ => {
            return Err(ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
            ))
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Sales entries

/// Writable properties of a sales entry.
pub const SALES_W: &[&str] = &[
    "Customer",
    "Journal",
    "Type",
    "EntryDate",
    "DueDate",
    "Description",
    "YourRef",
    "PaymentReference",
    "Currency",
    "EntryNumber",
    "InvoiceNumber",
    "Status",
    "SalesEntryLines",
];
const SALES_RO: &[&str] = &[
    "EntryID",
    "AmountDC",
    "AmountFC",
    "VATAmountDC",
    "VATAmountFC",
    "Created",
    "Modified",
    "Division",
    "CustomerName",
    "JournalDescription",
    "StatusDescription",
    "TypeDescription",
    "ReportingPeriod",
    "ReportingYear",
];
const LINE_W: &[&str] = &[
    "GLAccount",
    "AmountFC",
    "AmountDC",
    "VATCode",
    "VATAmountFC",
    "Description",
    "Quantity",
];
const LINE_RO: &[&str] = &[
    "ID",
    "EntryID",
    "LineNumber",
    "GLAccountCode",
    "GLAccountDescription",
    "VATAmountDC",
    "VATBaseAmountDC",
    "VATBaseAmountFC",
    "VATCodeDescription",
    "VATPercentage",
    "Division",
];

fn sales_lines(store: &Store, division: i32, json: &Json) -> Result<Vec<SalesEntryLine>, ApiError> {
    let items = match json {
        Json::Arr(items) => items.as_slice(),
        Json::Obj(_) => match json.get("results") {
            Some(Json::Arr(items)) => items.as_slice(),
            _ => return Err(conversion("SalesEntryLines")),
        },
        _ => return Err(conversion("SalesEntryLines")),
    };
    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let b = Body::new(
            item,
            super::sets::SALES_ENTRY_LINES.type_name,
            LINE_W,
            LINE_RO,
        )?;
        let gl = required(b.guid("GLAccount")?, "GLAccount")?;
        if store.gl_account(gl).is_none_or(|g| g.division != division) {
            return Err(ApiError::validation(format!("GLAccount: {gl} - Not found")));
        }
        let amount = match b.dec("AmountFC")? {
            Some(Some(a)) => a,
            _ => required(b.dec("AmountDC")?, "AmountFC")?,
        };
        let vat_code = b
            .string("VATCode")?
            .flatten()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        let pct = match &vat_code {
            Some(code) => store
                .vat_code(division, code)
                .map(|v| v.percentage)
                .ok_or_else(|| ApiError::validation(format!("VATCode: {code} - Not found")))?,
            None => Decimal::ZERO,
        };
        let vat_amount = b
            .dec("VATAmountFC")?
            .flatten()
            .unwrap_or_else(|| vat_of(amount, pct));
        lines.push(SalesEntryLine {
            id: Uuid::new_v4(),
            line_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
            gl_account: gl,
            description: b.string("Description")?.flatten(),
            amount,
            vat_code,
            vat_percentage: pct,
            vat_amount,
            quantity: b.dec("Quantity")?.flatten(),
        });
    }
    Ok(lines)
}

fn apply_sales_entry(
    store: &Store,
    e: &mut SalesEntry,
    json: &Json,
    creating: bool,
) -> Result<(), ApiError> {
    let b = Body::new(
        json,
        super::sets::SALES_ENTRIES.type_name,
        SALES_W,
        SALES_RO,
    )?;
    let div = e.division;
    if let Some(v) = b.guid("Customer")? {
        let c = required(Some(v), "Customer")?;
        if store.account(c).is_none_or(|a| a.division != div) {
            return Err(ApiError::validation(format!("Customer: {c} - Not found")));
        }
        e.customer = c;
    }
    if let Some(v) = b.string("Journal")? {
        let j = required(Some(v), "Journal")?;
        if store.journal(div, &j).is_none() {
            return Err(ApiError::validation(format!("Journal: {j} - Not found")));
        }
        e.journal = j.trim().to_string();
    }
    if let Some(v) = b.i32("Type")? {
        let t = required(Some(v), "Type")?;
        if t != 20 && t != 21 {
            return Err(ApiError::validation(format!("Type: {t} - Invalid value")));
        }
        e.type_ = t;
    }
    if let Some(v) = b.date("EntryDate")? {
        e.entry_date = required(Some(v), "EntryDate")?;
    }
    if let Some(v) = b.date("DueDate")? {
        e.due_date = v;
    }
    if let Some(v) = b.string("Description")? {
        e.description = v;
    }
    if let Some(v) = b.string("YourRef")? {
        e.your_ref = v;
    }
    if let Some(v) = b.string("PaymentReference")? {
        e.payment_reference = v;
    }
    if let Some(Some(v)) = b.string("Currency")? {
        e.currency = v;
    }
    if let Some(v) = b.i32("InvoiceNumber")? {
        e.invoice_number = v;
    }
    if let Some(v) = b.i32("Status")? {
        let s = required(Some(v), "Status")?;
        if s != 20 && s != 50 {
            return Err(ApiError::validation(format!("Status: {s} - Invalid value")));
        }
        e.status = s;
    }
    if creating {
        if let Some(Some(n)) = b.i32("EntryNumber")? {
            if store
                .sales_entries
                .iter()
                .any(|x| x.division == div && x.entry_number == n)
            {
                return Err(ApiError::validation(format!(
                    "EntryNumber: {n} - Already exists"
                )));
            }
            e.entry_number = n;
        }
        let lines = b
            .get("SalesEntryLines")
            .ok_or_else(|| ApiError::validation("Mandatory: SalesEntryLines"))?;
        e.lines = sales_lines(store, div, lines)?;
        if e.lines.is_empty() {
            return Err(ApiError::validation("Mandatory: SalesEntryLines"));
        }
    } else if b.get("SalesEntryLines").is_some() {
        return Err(ApiError::bad_request(
            "SalesEntryLines cannot be changed through SalesEntries; use salesentry/SalesEntryLines.",
        ));
    }
    Ok(())
}

/// POST `salesentry/SalesEntries`.
pub fn create_sales_entry(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    if json.get("Customer").is_none() {
        return Err(ApiError::validation("Mandatory: Customer"));
    }
    if json.get("Journal").is_none() {
        return Err(ApiError::validation("Mandatory: Journal"));
    }
    let mut e = SalesEntry {
        entry_id: Uuid::new_v4(),
        division,
        entry_number: store.next_entry_number(division),
        invoice_number: None,
        type_: 20,
        journal: String::new(),
        customer: Uuid::nil(),
        description: None,
        your_ref: None,
        payment_reference: None,
        entry_date: civil_today(now),
        due_date: None,
        currency: store.currency(division),
        status: 20,
        lines: Vec::new(),
        created: now,
        modified: now,
        visible_from: None,
    };
    apply_sales_entry(store, &mut e, json, true)?;
    if e.invoice_number.is_none() {
        e.invoice_number = Some(e.entry_number);
    }
    let id = e.entry_id;
    store.sales_entries.push(e);
    store.assign_hid(id);
    Ok(id)
}

/// PUT `salesentry/SalesEntries(guid'…')` (also the target of a reference-resolved update).
pub fn update_sales_entry(
    store: &mut Store,
    id: Uuid,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(Some(body_id)) = Body::new(
        json,
        super::sets::SALES_ENTRIES.type_name,
        SALES_W,
        SALES_RO,
    )?
    .guid("EntryID")?
    {
        if body_id != id {
            return Err(ApiError::bad_request(
                "EntryID in the body does not match the key in the URL.",
            ));
        }
    }
    put_entity(
        store,
        |s| &mut s.sales_entries,
        |e| e.entry_id == id,
        |st, e| {
            apply_sales_entry(st, e, json, false)?;
            e.modified = now;
            Ok(())
        },
    )
}

// ---------------------------------------------------------------------------------------
// Bank entries

const BANK_W: &[&str] = &[
    "JournalCode",
    "Currency",
    "EntryNumber",
    "BankEntryLines",
    "OpeningBalanceFC",
    "ClosingBalanceFC",
    "FinancialPeriod",
    "FinancialYear",
    "BankStatementDocument",
];
const BANK_RO: &[&str] = &[
    "EntryID",
    "Created",
    "Modified",
    "Division",
    "JournalDescription",
    "Status",
    "StatusDescription",
];
const BANK_LINE_W: &[&str] = &[
    "Account",
    "GLAccount",
    "AmountFC",
    "AmountDC",
    "Date",
    "Description",
    "OurRef",
    "Notes",
];
const BANK_LINE_RO: &[&str] = &[
    "ID",
    "EntryID",
    "EntryNumber",
    "LineNumber",
    "AccountCode",
    "AccountName",
    "GLAccountCode",
    "Division",
];

/// POST `financialtransaction/BankEntries`.
pub fn create_bank_entry(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let b = Body::new(json, super::sets::BANK_ENTRIES.type_name, BANK_W, BANK_RO)?;
    let journal = required(b.string("JournalCode")?, "JournalCode")?;
    if store.journal(division, &journal).is_none() {
        return Err(ApiError::validation(format!(
            "JournalCode: {journal} - Not found"
        )));
    }
    let entry_number = match b.i32("EntryNumber")? {
        Some(Some(n)) => n,
        _ => store.next_entry_number(division),
    };
    let items = match b.get("BankEntryLines") {
        Some(Json::Arr(items)) => items.as_slice(),
        Some(j @ Json::Obj(_)) => j
            .get("results")
            .and_then(Json::as_array)
            .ok_or_else(|| conversion("BankEntryLines"))?,
        Some(_) => return Err(conversion("BankEntryLines")),
        None => return Err(ApiError::validation("Mandatory: BankEntryLines")),
    };
    let mut lines = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let l = Body::new(
            item,
            super::sets::BANK_ENTRY_LINES.type_name,
            BANK_LINE_W,
            BANK_LINE_RO,
        )?;
        let account = l.guid("Account")?.flatten();
        if let Some(a) = account {
            if store.account(a).is_none_or(|x| x.division != division) {
                return Err(ApiError::validation(format!("Account: {a} - Not found")));
            }
        }
        let gl = l.guid("GLAccount")?.flatten();
        if let Some(g) = gl {
            if store.gl_account(g).is_none_or(|x| x.division != division) {
                return Err(ApiError::validation(format!("GLAccount: {g} - Not found")));
            }
        }
        if account.is_none() && gl.is_none() {
            return Err(ApiError::validation("Mandatory: GLAccount"));
        }
        let amount = match l.dec("AmountFC")? {
            Some(Some(a)) => a,
            _ => required(l.dec("AmountDC")?, "AmountFC")?,
        };
        lines.push(BankEntryLine {
            id: Uuid::new_v4(),
            line_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
            account,
            gl_account: gl,
            amount,
            date: required(l.date("Date")?, "Date")?,
            description: l.string("Description")?.flatten(),
            our_ref: l.i32("OurRef")?.flatten(),
        });
    }
    if lines.is_empty() {
        return Err(ApiError::validation("Mandatory: BankEntryLines"));
    }
    let currency = b
        .string("Currency")?
        .flatten()
        .unwrap_or_else(|| store.currency(division));
    let id = Uuid::new_v4();
    store.bank_entries.push(BankEntry {
        entry_id: id,
        division,
        entry_number,
        journal_code: journal.trim().to_string(),
        currency,
        status: 20,
        lines,
        created: now,
        modified: now,
        visible_from: None,
    });
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// Subscriptions

const SUB_W: &[&str] = &[
    "OrderedBy",
    "InvoiceTo",
    "Description",
    "StartDate",
    "EndDate",
    "CancellationDate",
    "Currency",
    "Number",
];
const SUB_RO: &[&str] = &[
    "EntryID",
    "Created",
    "Modified",
    "Division",
    "OrderedByName",
    "Status",
    "StatusDescription",
];

fn apply_subscription(store: &Store, s: &mut Subscription, json: &Json) -> Result<(), ApiError> {
    let b = Body::new(json, super::sets::SUBSCRIPTIONS.type_name, SUB_W, SUB_RO)?;
    if let Some(v) = b.guid("OrderedBy")? {
        let a = required(Some(v), "OrderedBy")?;
        if store.account(a).is_none_or(|x| x.division != s.division) {
            return Err(ApiError::validation(format!("OrderedBy: {a} - Not found")));
        }
        s.ordered_by = a;
    }
    if let Some(v) = b.guid("InvoiceTo")? {
        s.invoice_to = v;
    }
    if let Some(v) = b.string("Description")? {
        s.description = v;
    }
    if let Some(v) = b.date("StartDate")? {
        s.start_date = required(Some(v), "StartDate")?;
    }
    if let Some(v) = b.date("EndDate")? {
        s.end_date = v;
    }
    if let Some(v) = b.date("CancellationDate")? {
        s.cancellation_date = v;
    }
    if let Some(Some(v)) = b.string("Currency")? {
        s.currency = v;
    }
    if let Some(Some(v)) = b.i32("Number")? {
        s.number = v;
    }
    Ok(())
}

/// POST `subscription/Subscriptions`.
pub fn create_subscription(
    store: &mut Store,
    division: i32,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    if json.get("OrderedBy").is_none() {
        return Err(ApiError::validation("Mandatory: OrderedBy"));
    }
    let number = store
        .subscriptions
        .iter()
        .filter(|s| s.division == division)
        .map(|s| s.number)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    let mut s = Subscription {
        entry_id: Uuid::new_v4(),
        division,
        number,
        description: None,
        ordered_by: Uuid::nil(),
        invoice_to: None,
        start_date: civil_today(now),
        end_date: None,
        cancellation_date: None,
        currency: store.currency(division),
        created: now,
        modified: now,
        visible_from: None,
    };
    apply_subscription(store, &mut s, json)?;
    let id = s.entry_id;
    store.subscriptions.push(s);
    Ok(id)
}

/// PUT `subscription/Subscriptions(guid'…')`.
pub fn update_subscription(
    store: &mut Store,
    id: Uuid,
    json: &Json,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    put_entity(
        store,
        |st| &mut st.subscriptions,
        |s| s.entry_id == id,
        |st, s| {
            apply_subscription(st, s, json)?;
            s.modified = now;
            Ok(())
        },
    )
}

// ---------------------------------------------------------------------------------------
// Webhook subscriptions

/// Topics the simulator emits.
pub const TOPICS: &[&str] = &["Accounts", "FinancialTransactions", "Subscriptions"];

/// Validate a webhook subscription body: `(CallbackURL, Topic, Description)`.
pub fn webhook_subscription_fields(
    json: &Json,
) -> Result<(String, String, Option<String>), ApiError> {
    let b = Body::new(
        json,
        super::sets::WEBHOOK_SUBSCRIPTIONS.type_name,
        &["CallbackURL", "Topic", "Description", "IsInstant"],
        &[
            "ID",
            "ClientID",
            "Created",
            "Creator",
            "CreatorFullName",
            "Division",
        ],
    )?;
    let url = required(b.string("CallbackURL")?, "CallbackURL")?;
    let topic = required(b.string("Topic")?, "Topic")?;
    let Some(topic) = TOPICS.iter().find(|t| t.eq_ignore_ascii_case(topic.trim())) else {
        return Err(ApiError::validation(format!(
            "Topic: {topic} - Invalid value"
        )));
    };
    Ok((
        url,
        (*topic).to_string(),
        b.string("Description")?.flatten(),
    ))
}

/// Q24 (reported: Exact honours a line's VAT percentage only above 0): a sales line posted
/// without a `VATCode` is booked with a default code — the GL account's own VAT code, else the
/// division's first sales code above 0% — and its VAT computed at that code's rate, although the
/// client meant 0%. Applied to the entry `id` just created, when the switch is on.
pub fn apply_default_vat_codes(store: &mut Store, id: Uuid) {
    let Some(pos) = store.sales_entries.iter().position(|e| e.entry_id == id) else {
        return;
    };
    let division = store.sales_entries[pos].division;
    let fallback = store
        .vat_codes
        .iter()
        .filter(|v| v.division == division && v.vat_transaction_type != "P")
        .find(|v| v.percentage > Decimal::ZERO)
        .map(|v| (v.code.clone(), v.percentage));
    let defaults: Vec<Option<(String, Decimal)>> = store.sales_entries[pos]
        .lines
        .iter()
        .map(|l| {
            if l.vat_code.is_some() {
                return None;
            }
            store
                .gl_account(l.gl_account)
                .and_then(|g| g.vat_code.clone())
                .and_then(|c| {
                    store
                        .vat_code(division, &c)
                        .map(|v| (v.code.clone(), v.percentage))
                })
                .or_else(|| fallback.clone())
        })
        .collect();
    for (line, default) in store.sales_entries[pos].lines.iter_mut().zip(defaults) {
        if let Some((code, pct)) = default {
            line.vat_code = Some(code);
            line.vat_percentage = pct;
            line.vat_amount = vat_of(line.amount, pct);
        }
    }
}
