#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sjdj_fuzz::targets::log_entry_v1(data));
