//! Arrow arrays as any producer may shape them: a struct array with an
//! offset whose children have offsets of their own (the library's producer
//! happens to export offset 0, so a hand-built array covers the rule), and
//! what `ArrowFrame.init` refuses, releasing what it was given exactly once.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");

var schema_releases: usize = 0;
var array_releases: usize = 0;

fn releaseSchema(s: [*c]nanots.ArrowSchema) callconv(.c) void {
    schema_releases += 1;
    s.*.release = null;
}

fn releaseArray(a: [*c]nanots.ArrowArray) callconv(.c) void {
    array_releases += 1;
    a.*.release = null;
}

const ts_data = [_]i64{ 100, 200, 300, 400, 500, 600 };
const v_data = [_]f64{ 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 };

/// A struct schema (`ts_ms`: `tsm:`, `v`: `value_format`) and a struct
/// array of 3 rows at offset 2 whose children start at offset 1, so its
/// rows are the children's elements 3, 4, 5.
const Built = struct {
    field_schemas: [2]nanots.ArrowSchema,
    field_ptrs: [2][*c]nanots.ArrowSchema,
    child_arrays: [2]nanots.ArrowArray,
    child_ptrs: [2][*c]nanots.ArrowArray,
    ts_buffers: [2]?*const anyopaque,
    v_buffers: [2]?*const anyopaque,
    struct_buffers: [1]?*const anyopaque,

    fn init(b: *Built, value_format: [*:0]const u8) struct { nanots.ArrowArray, nanots.ArrowSchema } {
        const zero_schema = std.mem.zeroes(nanots.ArrowSchema);
        b.field_schemas = .{ zero_schema, zero_schema };
        b.field_schemas[0].format = "tsm:";
        b.field_schemas[0].name = "ts_ms";
        b.field_schemas[1].format = value_format;
        b.field_schemas[1].name = "v";
        b.field_ptrs = .{ &b.field_schemas[0], &b.field_schemas[1] };
        var schema = zero_schema;
        schema.format = "+s";
        schema.name = "";
        schema.n_children = 2;
        schema.children = &b.field_ptrs;
        schema.release = releaseSchema;

        b.ts_buffers = .{ null, &ts_data };
        b.v_buffers = .{ null, &v_data };
        b.struct_buffers = .{null};
        const zero_array = std.mem.zeroes(nanots.ArrowArray);
        b.child_arrays = .{ zero_array, zero_array };
        for (&b.child_arrays, [_]*[2]?*const anyopaque{ &b.ts_buffers, &b.v_buffers }) |*child, buffers| {
            child.length = 5;
            child.offset = 1;
            child.n_buffers = 2;
            child.buffers = @ptrCast(buffers);
        }
        b.child_ptrs = .{ &b.child_arrays[0], &b.child_arrays[1] };
        var array = zero_array;
        array.length = 3;
        array.offset = 2;
        array.n_buffers = 1;
        array.buffers = @ptrCast(&b.struct_buffers);
        array.n_children = 2;
        array.children = &b.child_ptrs;
        array.release = releaseArray;
        return .{ array, schema };
    }
};

test "struct and child offsets add up; columns are the rows they claim" {
    schema_releases = 0;
    array_releases = 0;
    var built: Built = undefined;
    const array, const schema = built.init("g");
    var frame = try nanots.ArrowFrame.init(array, schema);
    try testing.expectEqual(@as(usize, 3), frame.batch.len());
    try testing.expectEqualSlices(i64, &.{ 400, 500, 600 }, frame.batch.timestamps());
    try testing.expectEqualSlices(f64, &.{ 4.0, 5.0, 6.0 }, frame.batch.float64(1).?);
    try testing.expectEqualStrings("v", frame.batch.columnName(1));
    frame.deinit();
    frame.deinit(); // released once only
    try testing.expectEqual(@as(usize, 1), schema_releases);
    try testing.expectEqual(@as(usize, 1), array_releases);
}

test "a column type the binding does not read is refused, and both structs released once" {
    schema_releases = 0;
    array_releases = 0;
    var built: Built = undefined;
    const array, const schema = built.init("i"); // int32
    try testing.expectError(error.Unknown, nanots.ArrowFrame.init(array, schema));
    try testing.expect(std.mem.indexOf(u8, nanots.lastError().message(), "field 1") != null);
    try testing.expectEqual(@as(usize, 1), schema_releases);
    try testing.expectEqual(@as(usize, 1), array_releases);
}

test "children too short for the struct's offset and length are refused" {
    schema_releases = 0;
    array_releases = 0;
    var built: Built = undefined;
    var array, const schema = built.init("g");
    array.length = 4; // offset 2 + 4 rows > the children's 5
    try testing.expectError(error.Unknown, nanots.ArrowFrame.init(array, schema));
    try testing.expect(std.mem.indexOf(u8, nanots.lastError().message(), "column 0") != null);
    try testing.expectEqual(@as(usize, 1), schema_releases);
    try testing.expectEqual(@as(usize, 1), array_releases);
}
