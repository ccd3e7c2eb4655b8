//! A file an RPC streams back (a report, a statement): whole, in chunks of at most
//! 32 KiB, its content type and name on the first.

/// Bytes per streamed chunk.
pub const CHUNK: usize = 32 * 1024;

/// One piece of a streamed file.
pub struct Chunk {
    /// Set on the first chunk only.
    pub content_type: String,
    /// Set on the first chunk only.
    pub file_name: String,
    pub data: Vec<u8>,
}

/// The file as chunks; an empty file is one empty chunk that still names it.
pub fn chunks(bytes: &[u8], content_type: &str, file_name: &str) -> Vec<Chunk> {
    let mut pieces: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
    if pieces.is_empty() {
        pieces.push(&[]);
    }
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, data)| Chunk {
            content_type: if i == 0 {
                content_type.into()
            } else {
                String::new()
            },
            file_name: if i == 0 {
                file_name.into()
            } else {
                String::new()
            },
            data: data.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_chunk_names_the_file() {
        let chunks = chunks(&vec![7; CHUNK + 1], "text/csv", "a.csv");
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            (chunks[0].file_name.as_str(), chunks[1].file_name.as_str()),
            ("a.csv", "")
        );
        assert_eq!(chunks[1].data.len(), 1);
        assert_eq!(
            super::chunks(&[], "text/csv", "b.csv")[0].file_name,
            "b.csv"
        );
    }
}
