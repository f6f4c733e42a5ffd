//! Rows appended since the last flush, in append order, column by column.

/// Unflushed rows of one table.
#[derive(Debug)]
pub struct MemTable {
    pub ts: Vec<i64>,
    pub cols: Vec<Vec<f64>>,
    /// Whether `ts` is non-decreasing (then flushing needs no sort).
    sorted: bool,
}

impl MemTable {
    pub fn new(ncols: usize) -> MemTable {
        MemTable { ts: Vec::new(), cols: vec![Vec::new(); ncols], sorted: true }
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    pub fn push_row(&mut self, ts: i64, values: &[f64]) {
        self.note_order(ts);
        self.ts.push(ts);
        for (col, v) in self.cols.iter_mut().zip(values) {
            col.push(*v);
        }
    }

    pub fn push_rows(&mut self, ts: &[i64], columns: &[&[f64]]) {
        if self.sorted {
            let first_ok = match (self.ts.last(), ts.first()) {
                (Some(a), Some(b)) => a <= b,
                _ => true,
            };
            self.sorted = first_ok && ts.windows(2).all(|w| w[0] <= w[1]);
        }
        self.ts.extend_from_slice(ts);
        for (col, src) in self.cols.iter_mut().zip(columns) {
            col.extend_from_slice(src);
        }
    }

    fn note_order(&mut self, ts: i64) {
        if let Some(&last) = self.ts.last() {
            self.sorted &= last <= ts;
        }
    }

    /// Takes all rows out, sorted by timestamp (stable: equal timestamps
    /// keep append order), leaving the table empty.
    pub fn take_sorted(&mut self) -> (Vec<i64>, Vec<Vec<f64>>) {
        let ncols = self.cols.len();
        let ts = std::mem::take(&mut self.ts);
        let cols = std::mem::replace(&mut self.cols, vec![Vec::new(); ncols]);
        let sorted = std::mem::replace(&mut self.sorted, true);
        if sorted {
            return (ts, cols);
        }
        let perm = stable_order(&ts);
        let ts = perm.iter().map(|&i| ts[i as usize]).collect();
        let cols = cols.iter().map(|c| perm.iter().map(|&i| c[i as usize]).collect()).collect();
        (ts, cols)
    }

    /// Gives an empty table the vectors a flush took out of it (emptied
    /// here), so that the next rows reuse their memory instead of growing
    /// fresh vectors, page fault by page fault. Does nothing unless the
    /// table is still empty and `cols` has its column count.
    pub fn recycle(&mut self, mut ts: Vec<i64>, mut cols: Vec<Vec<f64>>) {
        if !self.is_empty() || cols.len() != self.cols.len() {
            return;
        }
        ts.clear();
        cols.iter_mut().for_each(Vec::clear);
        self.ts = ts;
        self.cols = cols;
    }

    /// Copies the rows with `start_ms <= ts <= end_ms` (inclusive), sorted
    /// by timestamp; equal timestamps keep append order.
    pub fn copy_range(&self, start_ms: i64, end_ms: i64) -> (Vec<i64>, Vec<Vec<f64>>) {
        if self.sorted {
            let lo = self.ts.partition_point(|&t| t < start_ms);
            let hi = self.ts.partition_point(|&t| t <= end_ms).max(lo);
            return (self.ts[lo..hi].to_vec(), self.cols.iter().map(|c| c[lo..hi].to_vec()).collect());
        }
        let mut keep: Vec<u32> = (0..self.ts.len() as u32)
            .filter(|&i| (start_ms..=end_ms).contains(&self.ts[i as usize]))
            .collect();
        keep.sort_by_key(|&i| self.ts[i as usize]);
        let ts = keep.iter().map(|&i| self.ts[i as usize]).collect();
        let cols = self.cols.iter().map(|c| keep.iter().map(|&i| c[i as usize]).collect()).collect();
        (ts, cols)
    }
}

/// Indices of `ts` in stable ascending order.
pub fn stable_order(ts: &[i64]) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..ts.len() as u32).collect();
    // sort_by_key is stable: equal timestamps keep their index order, which
    // is append order. It also finds presorted runs, so mostly-ordered input
    // costs little more than a scan.
    idx.sort_by_key(|&i| ts[i as usize]);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_rows_sort_stably() {
        let mut m = MemTable::new(1);
        for (t, v) in [(5, 0.0), (3, 1.0), (5, 2.0), (1, 3.0), (3, 4.0)] {
            m.push_row(t, &[v]);
        }
        assert_eq!(m.copy_range(3, 5).0, vec![3, 3, 5, 5]);
        assert_eq!(m.copy_range(3, 5).1[0], vec![1.0, 4.0, 0.0, 2.0]);
        let (ts, cols) = m.take_sorted();
        assert_eq!(ts, vec![1, 3, 3, 5, 5]);
        assert_eq!(cols[0], vec![3.0, 1.0, 4.0, 0.0, 2.0]);
        assert!(m.is_empty());
    }

    #[test]
    fn recycled_vectors_come_back_empty_with_their_memory() {
        let mut m = MemTable::new(2);
        m.push_rows(&[1, 2, 3], &[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]);
        let (ts, cols) = m.take_sorted();
        let cap = ts.capacity();
        m.recycle(ts, cols);
        assert!(m.is_empty());
        assert_eq!((m.ts.capacity(), m.cols[0].len(), m.cols[1].len()), (cap, 0, 0));
        m.push_row(7, &[8.0, 9.0]);
        assert_eq!((m.ts.clone(), m.cols.clone()), (vec![7], vec![vec![8.0], vec![9.0]]));
        // not empty, or the wrong column count: nothing changes
        m.recycle(vec![1, 2], vec![vec![0.0; 2], vec![0.0; 2]]);
        m.recycle(vec![], vec![vec![]]);
        assert_eq!((m.ts.clone(), m.cols.clone()), (vec![7], vec![vec![8.0], vec![9.0]]));
    }
}
