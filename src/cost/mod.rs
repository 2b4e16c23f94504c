//! The cost layer (spec §8, §9): the price book, decimal money, pricing series into cost
//! series, budgets and forecasts. Pure: the caller reads files and the clock and passes
//! them in; nothing here prints.

pub mod book;
pub mod budget;
pub mod demo;
pub mod forecast;
pub mod matcher;
pub mod money;
pub mod price;
