//! The assistant chat page and the accessibility statement (being built).
