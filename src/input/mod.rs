//! Keymap files to `Action`s.

pub mod key;
pub mod keymap;

pub use key::Key;
pub use keymap::Keymap;
