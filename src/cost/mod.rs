//! The cost layer (spec §8, §9): the price book, decimal money, pricing series into cost
//! series, budgets and forecasts. Pure: the caller reads the environment and the clock
//! and passes them in; nothing here prints.
//!
//! How a command uses it:
//! - `--cost`: [`book::locate`] + [`book::PriceBook::load`], then
//!   [`money::resolve_target_currency`], then [`price::price`] over the windowed series;
//!   render `Priced::series()`, print `Priced::unpriced_warning()` on stderr, and put
//!   `Priced::unpriced` / `PriceBook::rates` / `PriceBook::path` in the JSON document.
//! - `prices check`: the same [`price::price`]; per series `SeriesPricing::describe`, per
//!   index in `Priced::unused_entries` `PriceBook::entry_location` + `unused`; exit 7 when
//!   `Priced::unpriced` is not empty.
//! - `report --budget`: [`budget::require_currency`] before fetching, then
//!   [`budget::check_budget`] with the total of `Priced::totals` in the target currency.
//! - `forecast`: [`forecast::forecast`] per series, [`budget::check_forecast_budget`].

pub mod book;
pub mod budget;
pub mod demo;
pub mod forecast;
pub mod matcher;
pub mod money;
pub mod price;
pub mod regroup;
pub mod summary;
