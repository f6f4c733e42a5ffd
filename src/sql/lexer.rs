//! Tokenizer for the SQL front: turns text into [`Token`]s that carry their
//! 1-based line and column (in characters), so every parse error can point
//! at the exact spot.
//!
//! The lexer is lazy (one token per [`Lexer::next_token`] call) and never
//! recurses, so arbitrarily long or hostile input costs time linear in its
//! length and constant stack.

use std::fmt;

use crate::error::{Error, Result};
use crate::format::MAX_NAME_BYTES;

/// Longest accepted number token, in bytes. Far beyond any useful literal
/// (the shortest round-tripping form of an `f64` is at most 24 characters,
/// its exact decimal expansion at most 767 significant digits) but keeps a
/// megabyte of digits from reaching the float parser.
pub const MAX_NUMBER_LEN: usize = 1024;

/// A position in the SQL text: 1-based line and column, the column counted
/// in characters (Unicode scalar values), not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line number, starting at 1. Lines end at `\n`.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// An `InvalidArgument` error whose message starts with the position.
pub(crate) fn error_at(pos: Pos, msg: impl fmt::Display) -> Error {
    Error::invalid(format!("{pos}: {msg}"))
}

/// What a token is. Its source text is in [`Token::text`].
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A bare word `[A-Za-z_][A-Za-z0-9_]*`: keyword, identifier, or the
    /// special float words (`NaN`, `inf`, ...) in value position.
    Word,
    /// An identifier in double quotes or backticks, with its doubled quotes
    /// already unescaped.
    QuotedIdent(String),
    /// An unsigned numeric literal. `integer` is true when it has neither a
    /// decimal point nor an exponent (only those can be timestamps).
    Number {
        /// No `.` and no exponent.
        integer: bool,
    },
    /// A single-quoted string literal. Never valid in this dialect, but
    /// lexed as one token so the error can say "found string ...".
    String,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// Any other single character; the parser reports it as unexpected,
    /// with what it expected there.
    Other(char),
    /// End of input.
    Eof,
}

/// A token with its source text and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    /// What kind of token this is.
    pub kind: TokenKind,
    /// The exact source text of the token (empty at end of input).
    pub text: &'a str,
    /// Where the token starts.
    pub pos: Pos,
}

impl Token<'_> {
    /// How the token is shown in "found ..." parts of error messages:
    /// quoted source text, shortened when long.
    pub fn describe(&self) -> String {
        match self.kind {
            TokenKind::Eof => "end of input".to_owned(),
            TokenKind::String => format!("string {}", shorten(self.text)),
            _ => format!("'{}'", shorten(self.text)),
        }
    }

    /// Whether this is the bare word `kw`, compared case-insensitively.
    pub fn is_keyword(&self, kw: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(kw)
    }
}

/// At most 40 characters of `s`, control characters escaped so newlines
/// and the like cannot garble the message.
fn shorten(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(40) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if s.chars().nth(40).is_some() {
        out.push_str("...");
    }
    out
}

/// The tokenizer. Skips whitespace and `--` / `/* */` comments.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    at: usize,
    /// Position of the next character.
    pos: Pos,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer { src, at: 0, pos: Pos { line: 1, column: 1 } }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.at..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn bump_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    /// Skips whitespace and comments. An unterminated `/*` is an error at
    /// its opening.
    fn skip_trivia(&mut self) -> Result<()> {
        loop {
            match (self.peek(), self.peek2()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('-'), Some('-')) => self.bump_while(|c| c != '\n'),
                (Some('/'), Some('*')) => {
                    let start = self.pos;
                    self.bump();
                    self.bump();
                    // Not nested, like most SQL dialects' C-style comments.
                    loop {
                        match self.bump() {
                            None => {
                                return Err(error_at(start, "unterminated /* comment"));
                            }
                            Some('*') if self.peek() == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token; [`TokenKind::Eof`] at the end (and on every later call).
    pub fn next_token(&mut self) -> Result<Token<'a>> {
        self.skip_trivia()?;
        let start = self.at;
        let pos = self.pos;
        let Some(c) = self.bump() else {
            return Ok(Token { kind: TokenKind::Eof, text: "", pos });
        };
        let kind = match c {
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            ',' => TokenKind::Comma,
            ';' => TokenKind::Semicolon,
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '"' | '`' => TokenKind::QuotedIdent(self.quoted_ident(c, pos)?),
            '\'' => {
                self.quoted(c, pos, "string literal")?;
                TokenKind::String
            }
            c if is_word_start(c) => {
                self.bump_while(is_word_char);
                let len = self.at - start;
                if len > MAX_NAME_BYTES {
                    return Err(error_at(
                        pos,
                        format!("word is {len} bytes long; the limit is {MAX_NAME_BYTES}"),
                    ));
                }
                TokenKind::Word
            }
            c if c.is_ascii_digit() => self.number(pos)?,
            '.' if self.peek().is_some_and(|c| c.is_ascii_digit()) => self.number(pos)?,
            c => TokenKind::Other(c),
        };
        Ok(Token { kind, text: &self.src[start..self.at], pos })
    }

    /// Lexes the rest of a number whose first character (a digit or a `.`
    /// followed by a digit) was consumed: `digits [. [digits]] [e [sign] digits]`
    /// or `. digits [e [sign] digits]`.
    fn number(&mut self, pos: Pos) -> Result<TokenKind> {
        let start = self.at - 1;
        let mut integer = self.src.as_bytes()[start] != b'.';
        self.bump_while(|c| c.is_ascii_digit());
        if integer && self.peek() == Some('.') {
            integer = false;
            self.bump();
            self.bump_while(|c| c.is_ascii_digit());
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            integer = false;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(error_at(
                    pos,
                    format!(
                        "malformed number '{}': expected digits after the exponent",
                        shorten(&self.src[start..self.at])
                    ),
                ));
            }
            self.bump_while(|c| c.is_ascii_digit());
        }
        // `12abc`, `1.5.2` or `0x1F` are one mistyped token, not a number
        // followed by something else: say so instead of a confusing
        // "expected ',' after value".
        if self.peek().is_some_and(|c| is_word_char(c) || c == '.') {
            self.bump_while(|c| is_word_char(c) || c == '.');
            return Err(error_at(pos, format!("malformed number '{}'", shorten(&self.src[start..self.at]))));
        }
        let len = self.at - start;
        if len > MAX_NUMBER_LEN {
            return Err(error_at(
                pos,
                format!("number is {len} characters long; the limit is {MAX_NUMBER_LEN}"),
            ));
        }
        Ok(TokenKind::Number { integer })
    }

    /// Consumes the rest of a quoted token opened by `quote` (already
    /// consumed) and returns its unescaped content; a doubled quote stands
    /// for one.
    fn quoted(&mut self, quote: char, pos: Pos, what: &str) -> Result<String> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(error_at(pos, format!("unterminated {what}"))),
                Some(c) if c == quote => {
                    if self.peek() == Some(quote) {
                        self.bump();
                        out.push(quote);
                    } else {
                        return Ok(out);
                    }
                }
                Some(c) => {
                    // Strings are only lexed to be refused: no need to keep them.
                    if what != "string literal" {
                        out.push(c);
                    }
                }
            }
        }
    }

    /// A quoted identifier, checked against the engine's name rules here so
    /// the error has a position.
    fn quoted_ident(&mut self, quote: char, pos: Pos) -> Result<String> {
        let name = self.quoted(quote, pos, "quoted identifier")?;
        if name.is_empty() {
            return Err(error_at(pos, "empty quoted identifier"));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(error_at(
                pos,
                format!("identifier is {} bytes long; the limit is {MAX_NAME_BYTES}", name.len()),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(error_at(pos, format!("identifier {name:?} contains a control character")));
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str, usize, usize)> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push((t.kind, t.text, t.pos.line, t.pos.column));
        }
    }

    fn lex_err(src: &str) -> String {
        let mut lx = Lexer::new(src);
        loop {
            match lx.next_token() {
                Err(e) => return e.message().to_owned(),
                Ok(t) if t.kind == TokenKind::Eof => panic!("no error in {src:?}"),
                Ok(_) => {}
            }
        }
    }

    #[test]
    fn tokens_carry_character_positions() {
        let toks = kinds("é( -- c\n /* x\n */ \"a\"\"b\" `c``d` 1.5e-3 .5 5. 7");
        assert_eq!(toks[0], (TokenKind::Other('é'), "é", 1, 1));
        assert_eq!(toks[1], (TokenKind::LParen, "(", 1, 2));
        assert_eq!(toks[2], (TokenKind::QuotedIdent("a\"b".into()), "\"a\"\"b\"", 3, 5));
        assert_eq!(toks[3].0, TokenKind::QuotedIdent("c`d".into()));
        assert_eq!(toks[4].0, TokenKind::Number { integer: false });
        assert_eq!(toks[4].1, "1.5e-3");
        assert_eq!(toks[5].1, ".5");
        assert_eq!(toks[6].1, "5.");
        assert_eq!(toks[7].0, TokenKind::Number { integer: true });
    }

    #[test]
    fn lexer_errors() {
        assert_eq!(lex_err("  /* x"), "line 1, column 3: unterminated /* comment");
        assert_eq!(lex_err("\n \"ab"), "line 2, column 2: unterminated quoted identifier");
        assert_eq!(
            lex_err("1e+"),
            "line 1, column 1: malformed number '1e+': expected digits after the exponent"
        );
        assert_eq!(lex_err("x 0x1F"), "line 1, column 3: malformed number '0x1F'");
        assert_eq!(lex_err("``"), "line 1, column 1: empty quoted identifier");
    }
}
