//! Character grams: what makes an indexed query find exactly what a substring scan finds.
//!
//! Each character of a text is indexed as itself and, with the character after it, as a pair,
//! both at the character's position. A query of one character is the term of that character; a
//! longer one is the phrase of its overlapping pairs at consecutive positions, which matches
//! exactly where the query occurs as a substring (each pair pins the next character). Nothing is
//! normalised, so matching is as exact as `str::contains`.
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The tokenizer's name in the index's tokenizer manager.
pub const NAME: &str = "sjdj_grams";

#[derive(Clone, Default)]
pub struct CharGrams;

pub struct Grams<'a> {
    text: &'a str,
    /// Byte offsets of every character, and the text's length after them.
    bounds: Vec<usize>,
    /// The next character's position, and whether its pair is still to come.
    at: usize,
    pair_next: bool,
    token: Token,
}

impl Tokenizer for CharGrams {
    type TokenStream<'a> = Grams<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Grams<'a> {
        let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bounds.push(text.len());
        Grams {
            text,
            bounds,
            at: 0,
            pair_next: false,
            token: Token::default(),
        }
    }
}

impl TokenStream for Grams<'_> {
    fn advance(&mut self) -> bool {
        let chars = self.bounds.len() - 1;
        let (from, len) = if self.pair_next {
            self.pair_next = false;
            if self.at + 1 >= chars {
                self.at += 1;
                return self.advance();
            }
            (self.at, 2)
        } else {
            if self.at >= chars {
                return false;
            }
            self.pair_next = true;
            (self.at, 1)
        };
        if len == 2 {
            self.at += 1;
        }
        let (start, end) = (self.bounds[from], self.bounds[from + len]);
        self.token.position = from;
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The terms a query is matched by: its one character, or its overlapping pairs with their
/// positions. Empty for an empty query.
pub fn query_grams(query: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = query.chars().collect();
    match chars.len() {
        0 => Vec::new(),
        1 => vec![(0, chars[0].to_string())],
        n => (0..n - 1)
            .map(|i| (i, chars[i..i + 2].iter().collect()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(usize, String)> {
        let mut t = CharGrams;
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push((tok.position, tok.text.clone()));
        }
        out
    }

    #[test]
    fn every_character_and_every_pair_at_its_position() {
        let t = |p: usize, s: &str| (p, s.to_string());
        assert_eq!(
            tokens("数据a"),
            vec![t(0, "数"), t(0, "数据"), t(1, "据"), t(1, "据a"), t(2, "a")]
        );
        assert_eq!(tokens("x"), vec![t(0, "x")]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn a_query_is_its_character_or_its_pairs() {
        assert_eq!(query_grams("库"), vec![(0, "库".to_string())]);
        assert_eq!(
            query_grams("数据库"),
            vec![(0, "数据".to_string()), (1, "据库".to_string())]
        );
        assert!(query_grams("").is_empty());
    }
}
