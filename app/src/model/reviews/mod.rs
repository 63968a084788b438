//! Quarterly reviews: the calendar they follow ([`calendar`]), what one
//! review holds ([`review`]): its checklist, decision and action items, and
//! the board of a quarter ([`board`]).

mod board;
mod calendar;
mod evidence;
mod review;

pub use board::*;
pub use calendar::*;
pub use evidence::*;
pub use review::*;
