//! Dimensions of a [`TwinfieldLedger`]: customers, suppliers, accounts, cost centres and
//! projects read and written through ProcessXml (Q15), and the [`Dimensions`] impl.

use async_trait::async_trait;
use grootboek_core::runtime::KeyLock;
use grootboek_core::validation::{validate_dimension, validate_dimension_patch};
use grootboek_core::verify::verify_dimension;
use grootboek_core::write::{create_dimension, DimensionCreate};
use grootboek_core::{
    Cursor, Dimension, DimensionKind, DimensionPatch, Dimensions, ErrorKind, Page, Result, Vendor,
    WriteOutcome,
};

use super::{TwinfieldLedger, READ, WRITE};
use crate::mapping::dimension::{self as dimmap, ReadDimension};
use crate::mapping::errors::write_result_error;
use crate::xml::parse_document;

impl TwinfieldLedger {
    pub(super) async fn read_dimension(
        &self,
        office_code: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<ReadDimension> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &dimmap::read_request(office_code, kind, code),
                READ,
                "get_dimension",
            )
            .await?;
        dimmap::parse_read(&xml, kind, "get_dimension")
    }

    async fn write_dimension(
        &self,
        office_code: &str,
        dim: &Dimension,
        uid: Option<&str>,
        operation: &'static str,
    ) -> Result<Dimension> {
        let xml = self
            .t
            .process_xml(
                Some(office_code),
                &dimmap::write_request(office_code, dim, uid),
                WRITE,
                operation,
            )
            .await?;
        let doc = parse_document(&xml)?;
        if let Some(e) = write_result_error(&doc, operation) {
            return Err(e);
        }
        let back = self
            .read_dimension(office_code, dim.kind, &dim.code)
            .await
            .map_err(|e| e.with_outcome(WriteOutcome::Applied))?
            .dimension;
        if self.cfg().runtime.verify {
            verify_dimension(dim, &back)
                .map_err(|e| e.with_vendor(Vendor::Twinfield).with_operation(operation))?;
        }
        Ok(back)
    }

    async fn existing(
        &self,
        office_code: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<ReadDimension>> {
        match self.read_dimension(office_code, kind, code).await {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == &ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Dimensions for TwinfieldLedger {
    async fn create_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        create_dimension(self, administration, dimension)
            .await
            .map_err(|e| {
                let e = if e.vendor().is_none() {
                    e.with_vendor(Vendor::Twinfield)
                } else {
                    e
                };
                if e.operation().is_none() {
                    e.with_operation("create_dimension")
                } else {
                    e
                }
            })
    }

    async fn upsert_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        validate_dimension(dimension).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        let uid = self
            .existing(administration, dimension.kind, &dimension.code)
            .await?
            .and_then(|d| d.uid);
        self.write_dimension(
            administration,
            dimension,
            uid.as_deref(),
            "upsert_dimension",
        )
        .await
    }

    async fn update_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
        patch: &DimensionPatch,
    ) -> Result<Dimension> {
        validate_dimension_patch(patch).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        let current = self.read_dimension(administration, kind, code).await?;
        let wanted = current.dimension.patched(patch);
        self.write_dimension(
            administration,
            &wanted,
            current.uid.as_deref(),
            "update_dimension",
        )
        .await
    }

    async fn get_dimension(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Dimension> {
        Ok(self
            .read_dimension(administration, kind, code)
            .await?
            .dimension)
    }

    async fn list_dimensions(
        &self,
        administration: &str,
        kind: DimensionKind,
        _cursor: Option<Cursor>,
    ) -> Result<Page<Dimension>> {
        let xml = self
            .t
            .process_xml(
                Some(administration),
                &dimmap::list_request(administration, kind),
                READ,
                "list_dimensions",
            )
            .await?;
        Ok(Page::last(dimmap::parse_list(&xml, kind)?))
    }
}

/// Twinfield's side of the core's exclusive create: Twinfield overwrites an existing code on
/// "create" (Q15), so the code is read first, under the lock of its code (R03).
#[async_trait]
impl DimensionCreate for TwinfieldLedger {
    fn vendor(&self) -> Vendor {
        Vendor::Twinfield
    }

    fn create_locks(&self) -> &dyn KeyLock {
        self.create_locks.as_ref()
    }

    fn refuse_taken_codes(&self) -> bool {
        self.cfg().defence("Q15")
    }

    async fn taken_by(
        &self,
        administration: &str,
        kind: DimensionKind,
        code: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .existing(administration, kind, code)
            .await?
            .map(|d| d.dimension.name))
    }

    async fn send_dimension(
        &self,
        administration: &str,
        dimension: &Dimension,
    ) -> Result<Dimension> {
        self.write_dimension(administration, dimension, None, "create_dimension")
            .await
    }
}
