//! Quirk switches, named by the catalog IDs of `QUIRKS.md`. Every quirk is on by default.

use std::collections::BTreeMap;
use std::sync::RwLock;

/// The quirk switches of one simulator.
#[derive(Debug)]
pub struct Switches {
    known: Vec<&'static str>,
    on: RwLock<BTreeMap<String, bool>>,
}

impl Switches {
    /// Switches for the given quirk IDs, all on.
    pub fn new(ids: &[&'static str]) -> Self {
        let s = Self {
            known: ids.to_vec(),
            on: RwLock::new(BTreeMap::new()),
        };
        s.reset();
        s
    }

    /// Whether `id` is on. Unknown IDs are off.
    pub fn is_on(&self, id: &str) -> bool {
        let map = self.on.read().unwrap_or_else(|p| p.into_inner());
        map.get(id).copied().unwrap_or(false)
    }

    /// Turn `id` on or off. Returns false (and changes nothing) for an ID this simulator lacks.
    pub fn set(&self, id: &str, on: bool) -> bool {
        if !self.known.contains(&id) {
            return false;
        }
        let mut map = self.on.write().unwrap_or_else(|p| p.into_inner());
        map.insert(id.to_string(), on);
        true
    }

    /// Every switch and its position.
    pub fn snapshot(&self) -> BTreeMap<String, bool> {
        self.on.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// All switches back on.
    pub fn reset(&self) {
        let mut map = self.on.write().unwrap_or_else(|p| p.into_inner());
        map.clear();
        for id in &self.known {
            map.insert((*id).to_string(), true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quirks_default_on_and_unknown_refused() {
        let s = Switches::new(&["Q01", "Q07"]);
        assert!(s.is_on("Q01"));
        assert!(s.set("Q01", false));
        assert!(!s.is_on("Q01"));
        assert!(!s.set("Q99", true));
        assert!(!s.is_on("Q99"));
        s.reset();
        assert!(s.is_on("Q01"));
    }
}
