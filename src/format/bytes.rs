//! Little-endian byte helpers: the one place integers meet the disk.
//!
//! Every on-disk integer goes through [`ByteWriter`] or [`ByteReader`], so
//! no host-endian conversion can slip into the format.

use crate::error::{Error, Result};

/// Appends little-endian fields to a byte vector.
pub struct ByteWriter<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> ByteWriter<'a> {
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        ByteWriter { buf }
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// A string prefixed by its byte length as u16. Callers validate the
    /// length beforehand (names are at most `MAX_NAME_BYTES`).
    pub fn str16(&mut self, s: &str) {
        debug_assert!(s.len() <= u16::MAX as usize);
        self.u16(s.len() as u16);
        self.bytes(s.as_bytes());
    }
}

/// Reads little-endian fields from a slice; every read is bounds-checked and
/// a short read is reported as corruption at `base + position`.
pub struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// File offset of `data[0]`, for messages.
    base: u64,
    what: &'static str,
}

impl<'a> ByteReader<'a> {
    pub fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        ByteReader { data, pos: 0, base, what }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// File offset of the next byte to read.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn corrupt(&self, msg: impl std::fmt::Display) -> Error {
        Error::corrupt(format!("{} at file offset {}: {msg}", self.what, self.offset()))
    }

    // The fixed-width reads are inlined into their callers, with the
    // error's formatting kept out of line: parsing a segment's block
    // directory calls them tens of thousands of times per range query.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.short_read(n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[cold]
    #[inline(never)]
    fn short_read(&self, n: usize) -> Error {
        self.corrupt(format!("needs {n} more bytes, only {} left", self.remaining()))
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    /// A u16-length-prefixed UTF-8 string.
    pub fn str16(&mut self) -> Result<&'a str> {
        let len = self.u16()? as usize;
        let at = self.offset();
        let b = self.take(len)?;
        std::str::from_utf8(b).map_err(|_| {
            Error::corrupt(format!("{} at file offset {at}: name is not valid UTF-8", self.what))
        })
    }

    /// Fails unless every byte was consumed: trailing bytes mean the writer
    /// and reader disagree on the layout.
    pub fn finish(&self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.corrupt(format!("{} unexpected trailing bytes", self.remaining())));
        }
        Ok(())
    }
}

/// Reads a little-endian u32 at `at` of a slice the caller has bounds-checked.
pub fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads a little-endian u64 at `at` of a slice the caller has bounds-checked.
pub fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short_read() {
        let mut buf = Vec::new();
        let mut w = ByteWriter::new(&mut buf);
        w.u16(0xBEEF);
        w.i64(-2);
        w.str16("temp");
        w.f64(-0.0);
        let mut r = ByteReader::new(&buf, 100, "test record");
        assert_eq!(r.u16().unwrap(), 0xBEEF);
        assert_eq!(r.i64().unwrap(), -2);
        assert_eq!(r.str16().unwrap(), "temp");
        assert_eq!(r.f64().unwrap().to_bits(), (-0.0f64).to_bits());
        r.finish().unwrap();
        let err = r.u8().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corrupt);
        assert!(err.to_string().contains("file offset 124"), "{err}");
    }
}
