//! `config init|show|path`.

use std::io::Write;

use crate::cli::ConfigCommand;
use crate::config;
use crate::error::Error;
use crate::render::Format;

use super::Context;

pub fn run(ctx: &Context, command: &ConfigCommand) -> Result<(), Error> {
    let path = &ctx.settings.path.value;
    let mut out = std::io::stdout().lock();
    match command {
        ConfigCommand::Init { force } => {
            config::init(path, *force)?;
            writeln!(out, "{}", path.display())?;
            if !ctx.global.quiet {
                eprintln!(
                    "wrote a commented config template to {} (mode 0600); fill in the keys you use",
                    path.display()
                );
            }
        }
        ConfigCommand::Show => match ctx.format {
            Format::Json => {
                let value = config::show_json(&ctx.settings);
                let text = serde_json::to_string_pretty(&value)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                writeln!(out, "{text}")?;
            }
            _ => write!(out, "{}", config::show_text(&ctx.settings))?,
        },
        ConfigCommand::Path => writeln!(out, "{}", path.display())?,
    }
    out.flush()?;
    Ok(())
}
