//! The command line's parts: its arguments, one function per command, and its printing.

pub mod args;
pub mod commands;
pub mod print;
