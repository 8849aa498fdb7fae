//! Nothing from the network panics the twinfield adapter: its decoders (the same mapping the adapter runs
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
    include_bytes!("../../../fixtures/twinfield/transaction-sales-final.xml"),
    include_bytes!("../../../fixtures/twinfield/dimension-read-customer.xml"),
    include_bytes!("../../../fixtures/twinfield/dimensions-list-customers.xml"),
    include_bytes!("../../../fixtures/twinfield/browse-customer-lines.xml"),
    include_bytes!("../../../fixtures/twinfield/processxml-string-response.xml"),
    include_bytes!("../../../fixtures/twinfield/transactions-batch-mixed.xml"),
    include_bytes!("../../../fixtures/twinfield/fault-token-invalid.xml"),
];

fn decode_all(bytes: &[u8]) {
    use grootboek_twinfield::decode;
    let _ = decode::result_document(bytes);
    let _ = decode::open_items(bytes, None);
    let _ = decode::open_items(bytes, Some("NLA000001"));
    let _ = decode::invoice(bytes);
    let _ = decode::credit_note(bytes);
    let _ = decode::dimension(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mangled_processxml_payloads_never_panic(bytes in mutated(SAMPLES)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }
}

#[test]
fn the_samples_themselves_decode() {
    let docs = grootboek_twinfield::decode::invoice(SAMPLES[0]).unwrap();
    assert!(!docs.is_empty());
}
