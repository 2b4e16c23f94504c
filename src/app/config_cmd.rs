//! `config init|show|path`.

use crate::cli::ConfigCommand;
use crate::config;
use crate::error::Error;
use crate::render::Format;

use super::Context;

pub fn run(ctx: &Context, command: &ConfigCommand) -> Result<(), Error> {
    let path = &ctx.settings.path.value;
    if path.as_os_str().is_empty() {
        // No --config, no AIGCUSAGE_CONFIG, and neither variable to build the default from.
        return Err(Error::config(format!(
            "no config path: {} and {} are unset (or empty); set HOME, or use --config or {}",
            config::vars::HOME,
            config::vars::XDG_CONFIG_HOME,
            config::vars::AIGCUSAGE_CONFIG
        )));
    }
    let text = match command {
        ConfigCommand::Init { force } => {
            config::init(path, *force)?;
            let prices = config::init_prices(path)?;
            if !ctx.global.quiet {
                crate::term::line_to_stderr(&format!(
                    "wrote a commented config template to {} (mode 0600); fill in the keys you use",
                    path.display()
                ));
                if let Some(prices) = prices {
                    crate::term::line_to_stderr(&format!(
                        "wrote a commented price book template to {} (for --cost)",
                        prices.display()
                    ));
                }
            }
            format!("{}\n", path.display())
        }
        ConfigCommand::Show => match ctx.format {
            Format::Json => {
                let value = config::show_json(&ctx.settings);
                let text = serde_json::to_string_pretty(&value)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                format!("{text}\n")
            }
            _ => config::show_text(&ctx.settings),
        },
        ConfigCommand::Path => format!("{}\n", path.display()),
    };
    ctx.output
        .write_with(|out| out.write_all(text.as_bytes()))?;
    Ok(())
}
