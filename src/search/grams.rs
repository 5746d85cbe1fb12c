//! Character grams: what makes an indexed query find exactly what a substring scan finds.
//!
//! A text is indexed two ways. [`CharGrams::ALL`] gives, at each character, itself and the grams
//! of up to [`MAX_GRAM`] characters that start there: a query of up to `MAX_GRAM` characters is
//! then the one term of itself, and needs no positions. [`CharGrams::LONGEST`] gives only the
//! `MAX_GRAM`-grams, at their positions: a longer query is the phrase of its overlapping
//! `MAX_GRAM`-grams at consecutive positions, which matches exactly where the query occurs as a
//! substring (each gram pins the characters after the one before). A query of one to four
//! characters, the most common kind, so reads one posting list. Nothing is normalised, so
//! matching is as exact as `str::contains`.
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The longest gram indexed.
pub const MAX_GRAM: usize = 4;

/// Grams of `shortest..=MAX_GRAM` characters at every character.
#[derive(Clone, Copy)]
pub struct CharGrams {
    shortest: usize,
}

impl CharGrams {
    /// Every gram of one to `MAX_GRAM` characters: the terms of short queries.
    pub const ALL: CharGrams = CharGrams { shortest: 1 };
    /// Only the `MAX_GRAM`-grams: the phrases of longer queries.
    pub const LONGEST: CharGrams = CharGrams { shortest: MAX_GRAM };

    /// The name in the index's tokenizer manager. It names the grams, so an index built with
    /// other grams is another schema and is rebuilt at open.
    pub fn name(self) -> &'static str {
        if self.shortest == 1 {
            "sjdj_grams1to4"
        } else {
            "sjdj_grams4only"
        }
    }
}

pub struct Grams<'a> {
    text: &'a str,
    /// Byte offsets of every character, and the text's length after them.
    bounds: Vec<usize>,
    /// The position of the next gram, and its length in characters.
    at: usize,
    len: usize,
    shortest: usize,
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
            len: self.shortest,
            shortest: self.shortest,
            token: Token::default(),
        }
    }
}

impl TokenStream for Grams<'_> {
    fn advance(&mut self) -> bool {
        let chars = self.bounds.len() - 1;
        if self.len > MAX_GRAM || self.at + self.len > chars {
            self.at += 1;
            self.len = self.shortest;
        }
        if self.at + self.len > chars {
            return false;
        }
        let (from, len) = (self.at, self.len);
        self.len += 1;
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

/// The terms a query is matched by: itself when it has at most `MAX_GRAM` characters, or its
/// overlapping `MAX_GRAM`-grams with their positions. Empty for an empty query.
pub fn query_grams(query: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = query.chars().collect();
    match chars.len() {
        0 => Vec::new(),
        n if n <= MAX_GRAM => vec![(0, query.to_string())],
        n => (0..=n - MAX_GRAM)
            .map(|i| (i, chars[i..i + MAX_GRAM].iter().collect()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(usize, String)> {
        tokens_of(CharGrams::ALL, text)
    }

    fn tokens_of(mut t: CharGrams, text: &str) -> Vec<(usize, String)> {
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push((tok.position, tok.text.clone()));
        }
        out
    }

    #[test]
    fn every_gram_of_up_to_four_characters_at_its_position() {
        let t = |p: usize, s: &str| (p, s.to_string());
        assert_eq!(
            tokens("数据a"),
            vec![
                t(0, "数"),
                t(0, "数据"),
                t(0, "数据a"),
                t(1, "据"),
                t(1, "据a"),
                t(2, "a")
            ]
        );
        assert_eq!(
            tokens("公共数据资"),
            vec![
                t(0, "公"),
                t(0, "公共"),
                t(0, "公共数"),
                t(0, "公共数据"),
                t(1, "共"),
                t(1, "共数"),
                t(1, "共数据"),
                t(1, "共数据资"),
                t(2, "数"),
                t(2, "数据"),
                t(2, "数据资"),
                t(3, "据"),
                t(3, "据资"),
                t(4, "资")
            ]
        );
        assert_eq!(tokens("x"), vec![t(0, "x")]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn the_longest_grams_alone_at_consecutive_positions() {
        let t = |p: usize, s: &str| (p, s.to_string());
        let longest = |text| tokens_of(CharGrams::LONGEST, text);
        assert_eq!(
            longest("公共数据资源"),
            vec![t(0, "公共数据"), t(1, "共数据资"), t(2, "数据资源")]
        );
        assert_eq!(longest("数据资源"), vec![t(0, "数据资源")]);
        assert!(longest("数据资").is_empty());
        assert!(longest("").is_empty());
    }

    #[test]
    fn a_query_is_itself_up_to_four_characters_then_its_four_character_grams() {
        let q = |p: usize, s: &str| (p, s.to_string());
        assert_eq!(query_grams("库"), vec![q(0, "库")]);
        assert_eq!(query_grams("数据资源"), vec![q(0, "数据资源")]);
        assert_eq!(
            query_grams("公共数据资源"),
            vec![q(0, "公共数据"), q(1, "共数据资"), q(2, "数据资源")]
        );
        assert!(query_grams("").is_empty());
    }
}
