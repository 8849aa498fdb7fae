//! Rendering rows as Exact sends them: padded codes (`Code` right-aligned in 18 characters,
//! `Country`/`VATCode` padded to 3), fractional percentages, `/Date(ms)/`, numbers for amounts,
//! `__deferred` navigation properties.

use chrono::{DateTime, Datelike, Utc};

use super::json::Json;
use super::model::*;
use super::odata::{date_json, datetime_json, opt_date_json, Entity, Key, Nav};
use super::sets::{self, SetInfo};
use super::store::{civil_today, Store};

/// What rendering needs besides the row: where the API lives, the time, and quirk switches.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `http://host:port/api/v1/{division}`.
    pub api_base: String,
    /// Simulated now.
    pub now: DateTime<Utc>,
    /// Q13 on: grace-period subscriptions carry a numeric Status other than 1.
    pub q13: bool,
}

impl Ctx {
    fn uri(&self, set: &SetInfo, key: Key) -> String {
        format!("{}/{}{}", self.api_base, set.path, key.uri_part())
    }

    fn hidden(&self, visible_from: Option<DateTime<Utc>>) -> bool {
        visible_from.is_some_and(|v| v > self.now)
    }
}

/// `Code` of an account: right-aligned in 18 characters, as Exact stores it.
pub fn pad_account_code(code: &str) -> String {
    format!("{:>18}", code.trim())
}

/// A 3-character padded code (`"NL "`, `"2  "`).
pub fn pad3(code: &str) -> String {
    format!("{:<3}", code.trim())
}

fn opt_pad3(code: Option<&str>) -> Json {
    code.map_or(Json::Null, |c| Json::Str(pad3(c)))
}

fn guid(id: uuid::Uuid) -> Json {
    Json::Str(id.to_string())
}

fn opt_guid(id: Option<uuid::Uuid>) -> Json {
    id.map_or(Json::Null, guid)
}

fn entity(
    set: &SetInfo,
    key: Key,
    ctx: &Ctx,
    fields: Vec<(&'static str, Json)>,
    navs: Vec<Nav>,
    hidden: bool,
) -> Entity {
    Entity {
        key,
        uri: ctx.uri(set, key),
        type_name: set.type_name,
        fields,
        navs,
        hidden,
    }
}

/// An account.
pub fn account(a: &Account, ctx: &Ctx) -> Entity {
    let key = Key::Guid(a.id);
    let uri = ctx.uri(&sets::ACCOUNTS, key);
    entity(
        &sets::ACCOUNTS,
        key,
        ctx,
        vec![
            ("AddressLine1", Json::opt_str(a.address_line1.as_deref())),
            ("Blocked", Json::Bool(a.blocked)),
            (
                "ChamberOfCommerce",
                Json::opt_str(a.chamber_of_commerce.as_deref()),
            ),
            ("City", Json::opt_str(a.city.as_deref())),
            ("Code", Json::Str(pad_account_code(&a.code))),
            ("Country", opt_pad3(a.country.as_deref())),
            ("Created", datetime_json(a.created)),
            ("Division", Json::int(a.division.into())),
            ("Email", Json::opt_str(a.email.as_deref())),
            ("ID", guid(a.id)),
            ("IsSales", Json::Bool(a.is_sales)),
            ("IsSupplier", Json::Bool(a.is_supplier)),
            ("Modified", datetime_json(a.modified)),
            ("Name", Json::str(&a.name)),
            ("Postcode", Json::opt_str(a.postcode.as_deref())),
            ("SalesVATCode", opt_pad3(a.sales_vat_code.as_deref())),
            ("SearchCode", Json::Null),
            ("Status", Json::str(&a.status)),
            ("Type", Json::str("A")),
            ("VATNumber", Json::opt_str(a.vat_number.as_deref())),
        ],
        vec![Nav {
            name: "BankAccounts",
            uri: format!("{uri}/BankAccounts"),
            items: Vec::new(),
        }],
        ctx.hidden(a.visible_from),
    )
}

fn gl_type_description(t: i32) -> &'static str {
    match t {
        10 => "Cash",
        12 => "Bank",
        14 => "Credit card",
        16 => "Payment services",
        20 => "Accounts receivable",
        22 => "Accounts payable",
        110 => "Revenue",
        111 => "Cost of goods",
        120 => "Other costs",
        _ => "Other",
    }
}

/// A GL account.
pub fn gl_account(g: &GlAccount, ctx: &Ctx) -> Entity {
    entity(
        &sets::GL_ACCOUNTS,
        Key::Guid(g.id),
        ctx,
        vec![
            ("BalanceSide", Json::str(&g.balance_side)),
            ("BalanceType", Json::str(&g.balance_type)),
            ("Code", Json::str(&g.code)),
            ("Created", datetime_json(g.created)),
            ("Description", Json::str(&g.description)),
            ("Division", Json::int(g.division.into())),
            ("ID", guid(g.id)),
            ("IsBlocked", Json::Bool(g.is_blocked)),
            ("Modified", datetime_json(g.modified)),
            ("SearchCode", Json::Null),
            ("Type", Json::int(g.type_.into())),
            ("TypeDescription", Json::str(gl_type_description(g.type_))),
            ("VATCode", opt_pad3(g.vat_code.as_deref())),
        ],
        Vec::new(),
        false,
    )
}

fn journal_type_description(t: i32) -> &'static str {
    match t {
        10 => "Cash",
        12 => "Bank",
        16 => "Payment service",
        20 => "Sales",
        21 => "Return invoice",
        22 => "Purchase",
        23 => "Received return invoice",
        90 => "General journal",
        _ => "Other",
    }
}

/// A journal.
pub fn journal(j: &Journal, ctx: &Ctx) -> Entity {
    entity(
        &sets::JOURNALS,
        Key::Guid(j.id),
        ctx,
        vec![
            ("AllowVAT", Json::Bool(matches!(j.type_, 20..=23 | 90))),
            ("Code", Json::str(&j.code)),
            ("Created", datetime_json(j.created)),
            ("Currency", Json::str(&j.currency)),
            ("Description", Json::str(&j.description)),
            ("Division", Json::int(j.division.into())),
            ("ID", guid(j.id)),
            ("IsBlocked", Json::Bool(j.is_blocked)),
            ("Modified", datetime_json(j.modified)),
            ("Type", Json::int(j.type_.into())),
            (
                "TypeDescription",
                Json::str(journal_type_description(j.type_)),
            ),
        ],
        Vec::new(),
        false,
    )
}

/// A VAT code.
pub fn vat_code(v: &VatCode, ctx: &Ctx) -> Entity {
    entity(
        &sets::VAT_CODES,
        Key::Guid(v.id),
        ctx,
        vec![
            ("Charged", Json::Bool(false)),
            ("Code", Json::Str(pad3(&v.code))),
            ("Created", datetime_json(v.created)),
            ("Description", Json::str(&v.description)),
            ("Division", Json::int(v.division.into())),
            ("EUSalesListing", Json::str(&v.eu_sales_listing)),
            ("ID", guid(v.id)),
            ("IsBlocked", Json::Bool(v.is_blocked)),
            ("Modified", datetime_json(v.modified)),
            ("Percentage", Json::dec(v.percentage)),
            ("Type", Json::str(&v.type_)),
            ("VATTransactionType", Json::str(&v.vat_transaction_type)),
        ],
        Vec::new(),
        false,
    )
}

/// A sales entry line.
pub fn sales_entry_line(e: &SalesEntry, l: &SalesEntryLine, store: &Store, ctx: &Ctx) -> Entity {
    let gl = store.gl_account(l.gl_account);
    let vat = l
        .vat_code
        .as_deref()
        .and_then(|c| store.vat_code(e.division, c));
    entity(
        &sets::SALES_ENTRY_LINES,
        Key::Guid(l.id),
        ctx,
        vec![
            ("AmountDC", Json::dec(l.amount)),
            ("AmountFC", Json::dec(l.amount)),
            ("Description", Json::opt_str(l.description.as_deref())),
            ("Division", Json::int(e.division.into())),
            ("EntryID", guid(e.entry_id)),
            ("GLAccount", guid(l.gl_account)),
            ("GLAccountCode", Json::opt_str(gl.map(|g| g.code.as_str()))),
            (
                "GLAccountDescription",
                Json::opt_str(gl.map(|g| g.description.as_str())),
            ),
            ("ID", guid(l.id)),
            ("LineNumber", Json::int(l.line_number.into())),
            ("Quantity", l.quantity.map_or(Json::Null, Json::dec)),
            ("VATAmountDC", Json::dec(l.vat_amount)),
            ("VATAmountFC", Json::dec(l.vat_amount)),
            ("VATBaseAmountDC", Json::dec(l.amount)),
            ("VATBaseAmountFC", Json::dec(l.amount)),
            ("VATCode", opt_pad3(l.vat_code.as_deref())),
            (
                "VATCodeDescription",
                Json::opt_str(vat.map(|v| v.description.as_str())),
            ),
            ("VATPercentage", Json::dec(l.vat_percentage)),
        ],
        Vec::new(),
        false,
    )
}

/// A sales entry, with its lines behind `SalesEntryLines`.
pub fn sales_entry(e: &SalesEntry, store: &Store, ctx: &Ctx) -> Entity {
    let key = Key::Guid(e.entry_id);
    let uri = ctx.uri(&sets::SALES_ENTRIES, key);
    let customer = store.account(e.customer);
    let journal = store.journal(e.division, &e.journal);
    let lines = e
        .lines
        .iter()
        .map(|l| sales_entry_line(e, l, store, ctx))
        .collect();
    entity(
        &sets::SALES_ENTRIES,
        key,
        ctx,
        vec![
            ("AmountDC", Json::dec(e.amount())),
            ("AmountFC", Json::dec(e.amount())),
            ("Created", datetime_json(e.created)),
            ("Currency", Json::str(&e.currency)),
            ("Customer", guid(e.customer)),
            (
                "CustomerName",
                Json::opt_str(customer.map(|c| c.name.as_str())),
            ),
            ("Description", Json::opt_str(e.description.as_deref())),
            ("Division", Json::int(e.division.into())),
            ("DueDate", opt_date_json(e.due_date)),
            ("EntryDate", date_json(e.entry_date)),
            ("EntryID", guid(e.entry_id)),
            ("EntryNumber", Json::int(e.entry_number.into())),
            (
                "InvoiceNumber",
                e.invoice_number.map_or(Json::Null, |n| Json::int(n.into())),
            ),
            ("Journal", Json::str(&e.journal)),
            (
                "JournalDescription",
                Json::opt_str(journal.map(|j| j.description.as_str())),
            ),
            ("Modified", datetime_json(e.modified)),
            (
                "PaymentReference",
                Json::opt_str(e.payment_reference.as_deref()),
            ),
            ("ReportingPeriod", Json::int(e.entry_date.month().into())),
            ("ReportingYear", Json::int(e.entry_date.year().into())),
            ("Status", Json::int(e.status.into())),
            (
                "StatusDescription",
                Json::str(if e.status == 50 { "Processed" } else { "Open" }),
            ),
            ("Type", Json::int(e.type_.into())),
            (
                "TypeDescription",
                Json::str(if e.type_ == 21 {
                    "Sales credit note"
                } else {
                    "Sales entry"
                }),
            ),
            ("VATAmountDC", Json::dec(e.vat_amount())),
            ("VATAmountFC", Json::dec(e.vat_amount())),
            ("YourRef", Json::opt_str(e.your_ref.as_deref())),
        ],
        vec![Nav {
            name: "SalesEntryLines",
            uri: format!("{uri}/SalesEntryLines"),
            items: lines,
        }],
        ctx.hidden(e.visible_from),
    )
}

/// A bank entry line.
pub fn bank_entry_line(e: &BankEntry, l: &BankEntryLine, store: &Store, ctx: &Ctx) -> Entity {
    let account = l.account.and_then(|a| store.account(a));
    let gl = l.gl_account.and_then(|g| store.gl_account(g));
    entity(
        &sets::BANK_ENTRY_LINES,
        Key::Guid(l.id),
        ctx,
        vec![
            ("Account", opt_guid(l.account)),
            (
                "AccountCode",
                account.map_or(Json::Null, |a| Json::Str(pad_account_code(&a.code))),
            ),
            (
                "AccountName",
                Json::opt_str(account.map(|a| a.name.as_str())),
            ),
            ("AmountDC", Json::dec(l.amount)),
            ("AmountFC", Json::dec(l.amount)),
            ("Date", date_json(l.date)),
            ("Description", Json::opt_str(l.description.as_deref())),
            ("Division", Json::int(e.division.into())),
            ("EntryID", guid(e.entry_id)),
            ("EntryNumber", Json::int(e.entry_number.into())),
            ("GLAccount", opt_guid(l.gl_account)),
            ("GLAccountCode", Json::opt_str(gl.map(|g| g.code.as_str()))),
            ("ID", guid(l.id)),
            ("LineNumber", Json::int(l.line_number.into())),
            (
                "OurRef",
                l.our_ref.map_or(Json::Null, |n| Json::int(n.into())),
            ),
        ],
        Vec::new(),
        false,
    )
}

/// A bank entry, with its lines behind `BankEntryLines`.
pub fn bank_entry(e: &BankEntry, store: &Store, ctx: &Ctx) -> Entity {
    let key = Key::Guid(e.entry_id);
    let uri = ctx.uri(&sets::BANK_ENTRIES, key);
    let journal = store.journal(e.division, &e.journal_code);
    let first_date = e
        .lines
        .iter()
        .map(|l| l.date)
        .min()
        .unwrap_or_else(|| civil_today(ctx.now));
    let lines = e
        .lines
        .iter()
        .map(|l| bank_entry_line(e, l, store, ctx))
        .collect();
    entity(
        &sets::BANK_ENTRIES,
        key,
        ctx,
        vec![
            ("Created", datetime_json(e.created)),
            ("Currency", Json::str(&e.currency)),
            ("Division", Json::int(e.division.into())),
            ("EntryID", guid(e.entry_id)),
            ("EntryNumber", Json::int(e.entry_number.into())),
            ("FinancialPeriod", Json::int(first_date.month().into())),
            ("FinancialYear", Json::int(first_date.year().into())),
            ("JournalCode", Json::str(&e.journal_code)),
            (
                "JournalDescription",
                Json::opt_str(journal.map(|j| j.description.as_str())),
            ),
            ("Modified", datetime_json(e.modified)),
            ("Status", Json::int(e.status.into())),
            (
                "StatusDescription",
                Json::str(if e.status == 50 { "Processed" } else { "Open" }),
            ),
        ],
        vec![Nav {
            name: "BankEntryLines",
            uri: format!("{uri}/BankEntryLines"),
            items: lines,
        }],
        ctx.hidden(e.visible_from),
    )
}

/// One open item of the receivables list.
pub fn receivable(r: &Receivable, store: &Store, ctx: &Ctx) -> Option<Entity> {
    let e = store
        .sales_entries
        .iter()
        .find(|e| e.entry_id == r.entry_id)?;
    let hid = store.hids.get(&e.entry_id).copied().unwrap_or_default();
    let account = store.account(e.customer);
    let journal = store.journal(e.division, &e.journal);
    Some(entity(
        &sets::RECEIVABLES,
        Key::Int(hid),
        ctx,
        vec![
            (
                "AccountCode",
                account.map_or(Json::Null, |a| Json::Str(pad_account_code(&a.code))),
            ),
            ("AccountId", guid(e.customer)),
            (
                "AccountName",
                Json::opt_str(account.map(|a| a.name.as_str())),
            ),
            ("Amount", Json::dec(r.open_amount)),
            ("AmountInTransit", Json::int(0)),
            ("CurrencyCode", Json::str(&e.currency)),
            ("Description", Json::opt_str(e.description.as_deref())),
            ("DueDate", opt_date_json(e.due_date)),
            ("EntryNumber", Json::int(e.entry_number.into())),
            ("HID", Json::int(hid)),
            ("Id", guid(e.entry_id)),
            ("InvoiceDate", date_json(e.entry_date)),
            (
                "InvoiceNumber",
                e.invoice_number.map_or(Json::Null, |n| Json::int(n.into())),
            ),
            ("JournalCode", Json::str(&e.journal)),
            (
                "JournalDescription",
                Json::opt_str(journal.map(|j| j.description.as_str())),
            ),
            ("YourRef", Json::opt_str(e.your_ref.as_deref())),
        ],
        Vec::new(),
        ctx.hidden(e.visible_from),
    ))
}

/// The numeric `Status` and `StatusDescription` of a subscription (the seed's model, see
/// Q13): 0 not started, 1 active, 2 active in its grace period (cancelled, running out) —
/// reported as 1 when Q13 is off — and 3 ended. The description of a grace-period row is
/// `Active`, which is why filtering on `StatusDescription` finds it.
pub fn subscription_status(s: &Subscription, ctx: &Ctx) -> (i64, &'static str) {
    match s.state_on(civil_today(ctx.now)) {
        SubscriptionState::Future => (0, "Not started"),
        SubscriptionState::Active => (1, "Active"),
        SubscriptionState::Grace if ctx.q13 => (2, "Active"),
        SubscriptionState::Grace => (1, "Active"),
        SubscriptionState::Ended => (3, "Ended"),
    }
}

/// A subscription.
pub fn subscription(s: &Subscription, store: &Store, ctx: &Ctx) -> Entity {
    let (status, description) = subscription_status(s, ctx);
    let ordered_by = store.account(s.ordered_by);
    entity(
        &sets::SUBSCRIPTIONS,
        Key::Guid(s.entry_id),
        ctx,
        vec![
            ("CancellationDate", opt_date_json(s.cancellation_date)),
            ("Created", datetime_json(s.created)),
            ("Currency", Json::str(&s.currency)),
            ("Description", Json::opt_str(s.description.as_deref())),
            ("Division", Json::int(s.division.into())),
            ("EndDate", opt_date_json(s.end_date)),
            ("EntryID", guid(s.entry_id)),
            ("InvoiceTo", opt_guid(s.invoice_to)),
            ("Modified", datetime_json(s.modified)),
            ("Number", Json::int(s.number.into())),
            ("OrderedBy", guid(s.ordered_by)),
            (
                "OrderedByName",
                Json::opt_str(ordered_by.map(|a| a.name.as_str())),
            ),
            ("StartDate", date_json(s.start_date)),
            ("Status", Json::int(status)),
            ("StatusDescription", Json::str(description)),
        ],
        Vec::new(),
        ctx.hidden(s.visible_from),
    )
}

/// A webhook subscription.
pub fn webhook_subscription(w: &WebhookSubscription, store: &Store, ctx: &Ctx) -> Entity {
    entity(
        &sets::WEBHOOK_SUBSCRIPTIONS,
        Key::Guid(w.id),
        ctx,
        vec![
            ("CallbackURL", Json::str(&w.callback_url)),
            ("ClientID", Json::str(&w.client_id)),
            ("Created", datetime_json(w.created)),
            ("Creator", guid(store.user_id)),
            ("CreatorFullName", Json::str("Simulated User")),
            ("Description", Json::opt_str(w.description.as_deref())),
            ("Division", Json::int(w.division.into())),
            ("ID", guid(w.id)),
            ("Topic", Json::str(&w.topic)),
        ],
        Vec::new(),
        false,
    )
}

/// A division as `system/Divisions` lists it.
pub fn division(d: &Division, store: &Store, ctx: &Ctx) -> Entity {
    entity(
        &sets::DIVISIONS,
        Key::Int(d.code.into()),
        ctx,
        vec![
            ("Code", Json::int(d.code.into())),
            ("Country", Json::Str(pad3(&d.country))),
            ("Currency", Json::str(&d.currency)),
            (
                "Current",
                Json::Bool(store.current_division == Some(d.code)),
            ),
            ("Description", Json::str(&d.description)),
        ],
        Vec::new(),
        false,
    )
}

/// A division as `hrm/Divisions` lists it: the main division is the company's lowest code.
pub fn hrm_division(d: &Division, store: &Store, ctx: &Ctx) -> Entity {
    let main = store.divisions.keys().min() == Some(&d.code);
    entity(
        &sets::HRM_DIVISIONS,
        Key::Int(d.code.into()),
        ctx,
        vec![
            ("Code", Json::int(d.code.into())),
            ("Country", Json::str(&d.country)),
            ("Currency", Json::str(&d.currency)),
            ("Description", Json::str(&d.description)),
            ("Main", Json::Bool(main)),
        ],
        Vec::new(),
        false,
    )
}

/// Every row of `set` in `division`, rendered, in key order (hidden rows included, flagged).
pub fn all_rows(set: &SetInfo, division: i32, store: &Store, ctx: &Ctx) -> Vec<Entity> {
    use sets::SetKind as K;
    let mut rows: Vec<Entity> = match set.kind {
        K::Accounts => store
            .accounts
            .iter()
            .filter(|a| a.division == division)
            .map(|a| account(a, ctx))
            .collect(),
        K::GlAccounts => store
            .gl_accounts
            .iter()
            .filter(|g| g.division == division)
            .map(|g| gl_account(g, ctx))
            .collect(),
        K::Journals => store
            .journals
            .iter()
            .filter(|j| j.division == division)
            .map(|j| journal(j, ctx))
            .collect(),
        K::VatCodes => store
            .vat_codes
            .iter()
            .filter(|v| v.division == division)
            .map(|v| vat_code(v, ctx))
            .collect(),
        K::SalesEntries => store
            .sales_entries
            .iter()
            .filter(|e| e.division == division)
            .map(|e| sales_entry(e, store, ctx))
            .collect(),
        K::SalesEntryLines => store
            .sales_entries
            .iter()
            .filter(|e| e.division == division && !ctx.hidden(e.visible_from))
            .flat_map(|e| e.lines.iter().map(move |l| (e, l)))
            .map(|(e, l)| sales_entry_line(e, l, store, ctx))
            .collect(),
        K::BankEntries => store
            .bank_entries
            .iter()
            .filter(|e| e.division == division)
            .map(|e| bank_entry(e, store, ctx))
            .collect(),
        K::BankEntryLines => store
            .bank_entries
            .iter()
            .filter(|e| e.division == division && !ctx.hidden(e.visible_from))
            .flat_map(|e| e.lines.iter().map(move |l| (e, l)))
            .map(|(e, l)| bank_entry_line(e, l, store, ctx))
            .collect(),
        K::Receivables => store
            .receivables(division)
            .iter()
            .filter_map(|r| receivable(r, store, ctx))
            .collect(),
        K::Subscriptions => store
            .subscriptions
            .iter()
            .filter(|s| s.division == division)
            .map(|s| subscription(s, store, ctx))
            .collect(),
        K::WebhookSubscriptions => store
            .webhook_subscriptions
            .iter()
            .filter(|w| w.division == division)
            .map(|w| webhook_subscription(w, store, ctx))
            .collect(),
        K::Divisions => store
            .divisions
            .values()
            .map(|d| division_row(d, store, ctx))
            .collect(),
        K::HrmDivisions => store
            .divisions
            .values()
            .map(|d| hrm_division(d, store, ctx))
            .collect(),
    };
    rows.sort_by_key(|e| e.key);
    rows
}

fn division_row(d: &Division, store: &Store, ctx: &Ctx) -> Entity {
    division(d, store, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::seed::*;

    #[test]
    fn rendered_fields_match_the_declared_sets() {
        let now = Utc::now();
        let mut store = Store::default();
        let acc = uuid::Uuid::new_v4();
        let gl = uuid::Uuid::new_v4();
        store
            .apply_seed(
                ExactSeed {
                    divisions: vec![SeedDivision {
                        code: 1,
                        ..Default::default()
                    }],
                    accounts: vec![SeedAccount {
                        division: 1,
                        id: Some(acc),
                        name: "A".into(),
                        ..Default::default()
                    }],
                    gl_accounts: vec![SeedGlAccount {
                        division: 1,
                        id: Some(gl),
                        code: "8000".into(),
                        ..Default::default()
                    }],
                    journals: vec![
                        SeedJournal {
                            division: 1,
                            code: "70".into(),
                            ..Default::default()
                        },
                        SeedJournal {
                            division: 1,
                            code: "20".into(),
                            type_: Some(12),
                            ..Default::default()
                        },
                    ],
                    vat_codes: vec![SeedVatCode {
                        division: 1,
                        code: "2".into(),
                        percentage: "0.21".parse().unwrap(),
                        ..Default::default()
                    }],
                    sales_entries: vec![SeedSalesEntry {
                        division: 1,
                        journal: "70".into(),
                        customer: Some(acc),
                        lines: vec![SeedSalesLine {
                            gl_account: Some(gl),
                            amount: "100".parse().unwrap(),
                            vat_code: Some("2".into()),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    bank_entries: vec![SeedBankEntry {
                        division: 1,
                        journal_code: "20".into(),
                        lines: vec![SeedBankLine {
                            amount: "-10".parse().unwrap(),
                            our_ref: Some(1),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    subscriptions: vec![SeedSubscription {
                        division: 1,
                        ordered_by: acc,
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        store.webhook_subscriptions.push(WebhookSubscription {
            id: uuid::Uuid::new_v4(),
            division: 1,
            client_id: "c".into(),
            callback_url: "http://x".into(),
            topic: "Accounts".into(),
            description: None,
            created: now,
        });
        let ctx = Ctx {
            api_base: "http://h/api/v1/1".into(),
            now,
            q13: true,
        };
        for set in sets::ALL {
            let rows = all_rows(set, 1, &store, &ctx);
            assert!(!rows.is_empty(), "{}", set.path);
            for row in rows {
                let names: Vec<&str> = row.fields.iter().map(|(n, _)| *n).collect();
                assert_eq!(names, set.fields.to_vec(), "{}", set.path);
                let navs: Vec<&str> = row.navs.iter().map(|n| n.name).collect();
                assert_eq!(navs, set.navs.to_vec(), "{}", set.path);
                assert!(row.field(set.key).is_some(), "{}", set.path);
            }
        }
    }
}
