//! Domain rules of Atbalsts, the support desk for public services (PU2-16).
//!
//! Plain types and functions, no I/O: support levels, ticket lifecycle,
//! who may do what in which institution, and input validation. Storage and
//! HTTP depend on this crate, never the other way round.

pub mod access;
pub mod admin;
pub mod attachment;
pub mod calendar;
pub mod change;
pub mod connector;
pub mod contact;
pub mod egress;
pub mod error;
pub mod hours;
pub mod kb;
pub mod language;
pub mod legal;
pub mod lifecycle;
pub mod notice;
pub mod rating;
pub mod refusal;
pub mod requester;
pub mod routing;
pub mod sla;
pub mod ticket;
pub mod validate;
pub mod webhook;

pub use access::{Action, Actor, Role, Scope, StaffActor};
pub use error::{DomainError, FieldError};
pub use ticket::{Channel, Kind, Level, Priority, Status, TicketNumber};
