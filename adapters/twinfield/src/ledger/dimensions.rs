//! Dimensions of a [`TwinfieldLedger`]: customers, suppliers, accounts, cost centres and
//! projects read and written through ProcessXml (Q15), and the [`Dimensions`] impl.

use async_trait::async_trait;
use grootboek_core::validation::{validate_dimension, validate_dimension_patch};
use grootboek_core::verify::verify_dimension;
use grootboek_core::{
    Cursor, Dimension, DimensionKind, DimensionPatch, Dimensions, Error, ErrorKind, Page, Result,
    Vendor, WriteOutcome,
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
        validate_dimension(dimension).map_err(|e| e.with_vendor(Vendor::Twinfield))?;
        if self.cfg().defence("Q15") {
            // Twinfield overwrites an existing code on "create": read first and refuse.
            if self
                .existing(administration, dimension.kind, &dimension.code)
                .await?
                .is_some()
            {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "{} {} already exists in office {administration}; use upsert to overwrite it (Q15)",
                        crate::mapping::dimtype(dimension.kind),
                        dimension.code
                    ),
                )
                .with_vendor(Vendor::Twinfield)
                .with_operation("create_dimension"));
            }
        }
        self.write_dimension(administration, dimension, None, "create_dimension")
            .await
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
