//! AIP-158 paging: `page_size` (default 50, at most 500), an opaque `page_token`
//! that carries the last id seen (ids are UUIDv7, so they sort by creation).
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::ApiError;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub size: i64,
    /// Return rows with ids after this one.
    pub after: Option<Uuid>,
}

impl Page {
    pub fn from_request(page_size: i32, page_token: &str) -> Result<Page, ApiError> {
        if page_size < 0 {
            return Err(ApiError::invalid("page_size", "must not be negative"));
        }
        let size = if page_size == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            i64::from(page_size).min(MAX_PAGE_SIZE)
        };
        let after = if page_token.is_empty() {
            None
        } else {
            let bytes = URL_SAFE_NO_PAD.decode(page_token).map_err(|_| {
                ApiError::invalid("page_token", "is not a token this service issued")
            })?;
            Some(Uuid::from_slice(&bytes).map_err(|_| {
                ApiError::invalid("page_token", "is not a token this service issued")
            })?)
        };
        Ok(Page { size, after })
    }

    /// Ask the store for one row more than the page, to know whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Trims the extra row and returns the token for the next page.
    pub fn finish<T>(&self, mut rows: Vec<T>, id_of: impl Fn(&T) -> Uuid) -> (Vec<T>, String) {
        if rows.len() as i64 > self.size {
            rows.truncate(self.size as usize);
            let token = rows
                .last()
                .map(|r| URL_SAFE_NO_PAD.encode(id_of(r).as_bytes()))
                .unwrap_or_default();
            (rows, token)
        } else {
            (rows, String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_gets_a_token_that_reads_back() {
        let page = Page::from_request(2, "").unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let (rows, token) = page.finish(ids.clone(), |id| *id);
        assert_eq!(rows.len(), 2);
        assert_eq!(Page::from_request(2, &token).unwrap().after, Some(ids[1]));
    }

    #[test]
    fn the_last_page_has_no_token() {
        let page = Page::from_request(5, "").unwrap();
        let (_, token) = page.finish(vec![Uuid::now_v7()], |id| *id);
        assert!(token.is_empty());
    }

    fn refused_field(page_size: i32, token: &str) -> Option<String> {
        match Page::from_request(page_size, token) {
            Err(ApiError::InvalidArgument(violations)) => {
                violations.into_iter().next().map(|v| v.field)
            }
            _ => None,
        }
    }

    #[test]
    fn a_forged_token_is_refused() {
        // Not base64 at all, and base64 of something that is not an id.
        assert_eq!(
            refused_field(5, "not-a-token!").as_deref(),
            Some("page_token")
        );
        let short = URL_SAFE_NO_PAD.encode([7_u8; 15]);
        let long = URL_SAFE_NO_PAD.encode([7_u8; 17]);
        assert_eq!(refused_field(5, &short).as_deref(), Some("page_token"));
        assert_eq!(refused_field(5, &long).as_deref(), Some("page_token"));
    }

    #[test]
    fn the_page_size_defaults_caps_and_refuses_negatives() {
        assert_eq!(Page::from_request(0, "").unwrap().size, DEFAULT_PAGE_SIZE);
        assert_eq!(Page::from_request(7, "").unwrap().size, 7);
        assert_eq!(Page::from_request(10_000, "").unwrap().size, MAX_PAGE_SIZE);
        assert_eq!(refused_field(-1, "").as_deref(), Some("page_size"));
        assert_eq!(Page::from_request(7, "").unwrap().fetch_limit(), 8);
    }
}
