//! A range query's rows (`nts_result`), read as borrowed slices: nothing is
//! copied out of the library.
const std = @import("std");
const c = @import("nanots_c");

/// The rows of a range query, sorted by timestamp, stored column by column.
/// Owns the library's result: call `deinit` once. May be read from any
/// thread.
pub const QueryResult = struct {
    raw: *c.nts_result,

    /// Number of rows.
    pub fn len(r: QueryResult) usize {
        return c.nts_result_rows(r.raw);
    }

    /// Number of value columns (without `ts_ms`).
    pub fn columnCount(r: QueryResult) usize {
        return c.nts_result_ncols(r.raw);
    }

    /// The timestamps (ms), ascending; equal ones keep append order.
    /// Borrowed: valid until `deinit`.
    pub fn timestamps(r: QueryResult) []const i64 {
        const n = r.len();
        if (n == 0) return &.{};
        return c.nts_result_ts(r.raw)[0..n];
    }

    /// The values of value column `col` (0-based, in table order), one per
    /// timestamp. Borrowed: valid until `deinit`. `col` must be below
    /// `columnCount()`.
    pub fn column(r: QueryResult, col: usize) []const f64 {
        std.debug.assert(col < r.columnCount());
        const n = r.len();
        if (n == 0) return &.{};
        return c.nts_result_column(r.raw, col)[0..n];
    }

    /// The name of value column `col`. Borrowed: valid until `deinit`.
    pub fn columnName(r: QueryResult, col: usize) [:0]const u8 {
        std.debug.assert(col < r.columnCount());
        return std.mem.span(c.nts_result_column_name(r.raw, col));
    }

    /// Frees the result; its slices are invalid afterwards.
    pub fn deinit(r: *QueryResult) void {
        c.nts_result_free(r.raw);
        r.* = undefined;
    }
};
