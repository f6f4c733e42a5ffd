package nanots_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	nanots "github.com/nanots/nanots/bindings/go"
)

// The README's example, run by go test.
func Example() {
	dir, err := os.MkdirTemp("", "nanots-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := nanots.Open(filepath.Join(dir, "metrics.ntt"), &nanots.Options{Sync: nanots.SyncOnFlush})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if err := db.CreateTable("sensor", "temp", "humidity"); err != nil {
		log.Fatal(err)
	}
	// One row at a time...
	if err := db.AppendRow("sensor", 1704067200000, 21.5, 60); err != nil {
		log.Fatal(err)
	}
	// ...or column by column, from slices the library reads in place.
	ts := []int64{1704067260000, 1704067320000, 1704067380000}
	temp := []float64{21.7, 22.0, 22.4}
	humidity := []float64{59, 58, 58}
	if err := db.AppendRows("sensor", ts, temp, humidity); err != nil {
		log.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		log.Fatal(err)
	}

	// Range query: both ends inclusive; columns come back as Go slices.
	res, err := db.QueryRange("sensor", 1704067200000, 1704067320000)
	if err != nil {
		log.Fatal(err)
	}
	for i, t := range res.Ts() {
		fmt.Println(nanots.FromMillis(t).Format("15:04"), res.Column(0)[i], res.Column(1)[i])
	}
	res.Close()

	// Streaming, in batches of bounded size.
	st, err := db.Stream("sensor", 0, math.MaxInt64)
	if err != nil {
		log.Fatal(err)
	}
	rows := 0
	for st.Next() {
		rows += st.Batch().Len()
	}
	if err := st.Err(); err != nil {
		log.Fatal(err)
	}
	st.Close()
	fmt.Println("streamed rows:", rows)

	// Two-minute buckets: max temperature and row count.
	agg, err := db.Aggregate("sensor", 0, math.MaxInt64, 120000, nanots.AggMax, nanots.AggCount)
	if err != nil {
		log.Fatal(err)
	}
	for i := range agg.BucketStart {
		fmt.Println("bucket", nanots.FromMillis(agg.BucketStart[i]).Format("15:04"),
			"max", agg.Get("temp", nanots.AggMax).Values[i],
			"rows", agg.Get("temp", nanots.AggCount).Count[i])
	}

	// Errors carry the library's status and message.
	err = db.AppendRow("nope", 0, 1)
	var e *nanots.Error
	if errors.Is(err, nanots.ErrNotFound) && errors.As(err, &e) {
		fmt.Println(e.Code, "|", e.Msg)
	}
	// Output:
	// 00:00 21.5 60
	// 00:01 21.7 59
	// 00:02 22 58
	// streamed rows: 4
	// bucket 00:00 max 21.7 rows 2
	// bucket 00:02 max 22.4 rows 2
	// not found | nts_append_row: not found: table "nope" does not exist
}
