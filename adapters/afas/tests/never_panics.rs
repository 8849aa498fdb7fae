//! Nothing from the network panics the afas adapter: its decoders (the same mapping the adapter runs
//! on every response) answer mangled and arbitrary payloads with an error, never a panic.

use proptest::prelude::*;

/// A payload mutated the ways a network mangles one: cut short, bytes flipped, bytes inserted.
fn mutated(samples: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    (
        0..samples.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..12),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(move |(which, edits, cut, truncate)| {
            let mut bytes = samples[which].to_vec();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            if truncate && !bytes.is_empty() {
                let keep = cut.index(bytes.len());
                bytes.truncate(keep);
            }
            bytes
        })
}

const SAMPLES: &[&[u8]] = &[
    include_bytes!("../../../fixtures/afas/get_debtor_invoices_10001.json"),
    include_bytes!("../../../fixtures/afas/get_debtor_invoices_legacy_decimal.txt"),
    include_bytes!("../../../fixtures/afas/transactions_sales_with_vat.json"),
    include_bytes!("../../../fixtures/afas/debtor_20010_readback.json"),
    include_bytes!("../../../fixtures/afas/unavailable_503.json"),
];

fn decode_all(bytes: &[u8]) {
    use grootboek_afas::decode;
    let _ = decode::rows(bytes);
    let _ = decode::open_items(bytes, None);
    let _ = decode::open_items(bytes, Some("1"));
    let _ = decode::vat_codes(bytes);
    let _ = decode::invoice(bytes, Some("1"), Some(bytes));
    let _ = decode::credit_note(bytes, None, None);
    let _ = decode::dimension(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mangled_getconnector_payloads_never_panic(bytes in mutated(SAMPLES)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }
}

#[test]
fn the_samples_themselves_decode() {
    let items = grootboek_afas::decode::open_items(SAMPLES[0], None).unwrap();
    assert!(!items.is_empty());
}
