package nanots

import "time"

// Timestamps in this package are int64 milliseconds since the Unix epoch
// (UTC); these helpers convert from and to time.Time.

// ToMillis is t as milliseconds since the Unix epoch (sub-millisecond
// precision is dropped).
func ToMillis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis is the time.Time of ms milliseconds since the Unix epoch, in
// UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// AppendRowAt is AppendRow with the timestamp as a time.Time.
func (db *DB) AppendRowAt(table string, t time.Time, values ...float64) error {
	return db.AppendRow(table, ToMillis(t), values...)
}

// QueryTimeRange is QueryRange with from and to as time.Time (both ends
// inclusive, to the millisecond).
func (db *DB) QueryTimeRange(table string, from, to time.Time) (*Result, error) {
	return db.QueryRange(table, ToMillis(from), ToMillis(to))
}

// AggregateTimeRange is Aggregate with time.Time bounds and a
// time.Duration bucket (a whole number of milliseconds).
func (db *DB) AggregateTimeRange(table string, from, to time.Time, bucket time.Duration, aggs ...Agg) (*AggregateResult, error) {
	if bucket%time.Millisecond != 0 {
		return nil, errorf(CodeInvalidArgument, "AggregateTimeRange: bucket %v is not a whole number of milliseconds", bucket)
	}
	return db.Aggregate(table, ToMillis(from), ToMillis(to), int64(bucket/time.Millisecond), aggs...)
}

// Time is the timestamp of row i as a time.Time (UTC).
func (r *Result) Time(i int) time.Time { return FromMillis(r.Ts()[i]) }

// Time is the timestamp of row i of the batch as a time.Time (UTC).
func (b Batch) Time(i int) time.Time { return FromMillis(b.Ts[i]) }

// BucketTime is the start of bucket i as a time.Time (UTC).
func (r *AggregateResult) BucketTime(i int) time.Time { return FromMillis(r.BucketStart[i]) }
