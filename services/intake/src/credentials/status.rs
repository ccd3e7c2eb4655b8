//! A region's revocation status list (W3C Bitstring Status List v1.0): one bit per
//! issued credential, set when it is revoked, published GZIP-compressed as a
//! `BitstringStatusListCredential`.
use std::io::Write as _;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use flate2::{Compression, write::GzEncoder};
use serde_json::{Value, json};

use super::{Urls, model};

/// The spec's minimum length (16 KiB), so that one list hides each holder among many.
pub const MIN_BITS: usize = 131_072;

/// How many entries the region's list offers once it has issued `issued`: the minimum,
/// doubled in steps while more than half would be taken, so that a random free index is
/// found in a few tries.
pub fn capacity(issued: i32) -> i32 {
    let min = MIN_BITS as i64;
    let steps = (i64::from(issued.max(0)) * 2) / min + 1;
    i32::try_from(steps * min).unwrap_or(i32::MAX)
}

/// A random index below `capacity`: the spec's advice, so that an index tells nothing of
/// when a credential was issued or which others were issued with it.
pub fn random_index(capacity: i32) -> i32 {
    let capacity = u128::from(capacity.max(1).unsigned_abs());
    i32::try_from(uuid::Uuid::new_v4().as_u128() % capacity).unwrap_or(0)
}

/// The bitstring with the given indexes set: index 0 is the left-most (most significant)
/// bit of the first byte; at least `MIN_BITS` long, longer in steps of it.
pub fn bitstring(set: &[i32]) -> Vec<u8> {
    let highest = set.iter().copied().max().unwrap_or(0).max(0) as usize;
    let bits = (highest / MIN_BITS + 1) * MIN_BITS;
    let mut bytes = vec![0u8; bits / 8];
    for index in set.iter().filter_map(|i| usize::try_from(*i).ok()) {
        bytes[index / 8] |= 0x80 >> (index % 8);
    }
    bytes
}

/// Whether `index` is set in a decoded bitstring (beyond its end: not set).
pub fn is_set(bytes: &[u8], index: usize) -> bool {
    bytes
        .get(index / 8)
        .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
}

/// `encodedList`: multibase (`u`) base64url without padding of the GZIP-compressed bits.
pub fn encode(bytes: &[u8]) -> anyhow::Result<String> {
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(bytes)?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gzip.finish()?)))
}

/// The status list credential of a region (unsigned; `sign` makes it a VC-JWT).
pub fn credential(
    urls: &Urls,
    region: &str,
    programme: &str,
    revoked: &[i32],
    now: DateTime<Utc>,
) -> anyhow::Result<Value> {
    let url = urls.status_list(region);
    Ok(json!({
        "@context": [model::VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": model::issuer_profile(urls, region, programme),
        "validFrom": model::date_time(now),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(&bitstring(revoked))?,
        },
    }))
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn decode(encoded: &str) -> Vec<u8> {
        let gzip = URL_SAFE_NO_PAD.decode(&encoded[1..]).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    }

    #[test]
    fn the_list_has_the_minimum_length_and_the_revoked_bits_left_first() {
        let bits = bitstring(&[0, 9, 131_071]);
        assert_eq!(bits.len() * 8, MIN_BITS);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert!(is_set(&bits, 131_071) && !is_set(&bits, 1));
        assert_eq!(bitstring(&[MIN_BITS as i32]).len() * 8, 2 * MIN_BITS);
    }

    #[test]
    fn the_list_stays_at_most_half_full_and_indexes_fall_within_it() {
        assert_eq!(capacity(0), MIN_BITS as i32);
        assert_eq!(capacity(65_535), MIN_BITS as i32);
        assert_eq!(capacity(65_536), 2 * MIN_BITS as i32);
        for _ in 0..1_000 {
            assert!((0..MIN_BITS as i32).contains(&random_index(capacity(10))));
        }
    }

    #[test]
    fn the_encoded_list_is_multibase_base64url_of_gzip() {
        let encoded = encode(&bitstring(&[42])).unwrap();
        assert!(encoded.starts_with('u') && !encoded.contains('='));
        let bytes = decode(&encoded);
        assert!(is_set(&bytes, 42) && !is_set(&bytes, 41));
        // An empty list compresses to little: what a verifier downloads.
        assert!(encode(&bitstring(&[])).unwrap().len() < 400);
    }
}
