//! Wire <-> domain conversions, one file per family. Missing or unknown values are refused here
//! with INVALID_ARGUMENT before anything reaches the engine.
pub mod enums;
pub mod materials;
pub mod views;
