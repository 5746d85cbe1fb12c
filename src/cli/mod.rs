//! The `sjdj` client commands.
