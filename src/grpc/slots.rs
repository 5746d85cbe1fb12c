//! Per-caller counts of calls that hold something while they run: uploads in flight (a request
//! body of up to the attachment limit held in memory), notification streams (a task and a
//! reader each). A [`Slot`] is taken before the call starts and given back when it is dropped —
//! with the response body, so a stream holds its slot for as long as it is open.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Slots {
    /// How many one caller may hold at once.
    max: usize,
    held: Mutex<HashMap<String, usize>>,
}

/// One held slot; dropping it gives it back.
pub struct Slot {
    slots: Arc<Slots>,
    key: String,
}

impl Slots {
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max,
            held: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a slot for `key`, or says how many it already holds.
    pub fn take(self: &Arc<Self>, key: &str) -> Result<Slot, usize> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.to_string()).or_insert(0);
        if *n >= self.max {
            return Err(*n);
        }
        *n += 1;
        Ok(Slot {
            slots: self.clone(),
            key: key.to_string(),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_holds_at_most_max_and_gets_them_back_on_drop() {
        let slots = Slots::new(2);
        let a1 = slots.take("a").unwrap();
        let _a2 = slots.take("a").unwrap();
        assert_eq!(slots.take("a").err(), Some(2));
        let _b = slots.take("b").unwrap();
        drop(a1);
        let _a3 = slots.take("a").unwrap();
        drop(_a3);
        drop(_a2);
        assert!(slots.held.lock().unwrap().get("a").is_none());
    }
}
