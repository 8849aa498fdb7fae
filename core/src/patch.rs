//! Tri-state patches: for each field, keep it, clear it or set it (Q09).
//!
//! Vendors disagree on what an empty value means in an update (AFAS: `""` leaves a field as it
//! is, only `null` clears it), so grootboek never encodes "clear" as an empty string: adapters map
//! [`Patch::Clear`] to the vendor's explicit clear and [`Patch::Keep`] to leaving the field out.

use serde::{Deserialize, Serialize};

/// One field of an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Patch<T> {
    /// Leave the field as it is.
    #[default]
    Keep,
    /// Remove the field's value.
    Clear,
    /// Set the field to this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left alone.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// The value after applying the patch to `current`.
    pub fn apply(&self, current: Option<T>) -> Option<T>
    where
        T: Clone,
    {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.clone()),
        }
    }

    /// The patch with its value mapped.
    pub fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets, `None` clears.
    fn from(v: Option<T>) -> Self {
        match v {
            Some(v) => Patch::Set(v),
            None => Patch::Clear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn apply_follows_the_three_states(current in proptest::option::of(".{0,8}"), new in ".{0,8}") {
            prop_assert_eq!(Patch::Keep.apply(current.clone()), current.clone());
            prop_assert_eq!(Patch::<String>::Clear.apply(current.clone()), None);
            prop_assert_eq!(Patch::Set(new.clone()).apply(current), Some(new));
        }
    }

    #[test]
    fn serde_shape_is_explicit() {
        let p: Patch<String> = Patch::Set("x".into());
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"set":"x"}"#);
        assert_eq!(
            serde_json::to_string(&Patch::<String>::Clear).unwrap(),
            r#""clear""#
        );
    }
}
