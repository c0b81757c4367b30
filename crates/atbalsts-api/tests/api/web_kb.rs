//! The knowledge-base editor and the register browsers (being built).
