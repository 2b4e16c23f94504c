//! `aigcusage man`: the roff manual page of the whole command tree on the output.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::output::Output;

pub fn run(output: &Output) -> Result<(), Error> {
    output.write_with(|out| crate::man::render_man(Cli::command(), out))?;
    Ok(())
}
