//! How a command's output is presented, decided once from the global flags: JSON or a view,
//! paced or not, in which language, how wide. Commands get this small value, never the `Cli`.

use std::time::Duration;

use crate::cli::Cli;
use crate::lang::Lang;
use crate::render;
use crate::render::pacing::Pacing;

/// The global flags, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    /// JSON Lines instead of a view.
    pub json: bool,
    /// `--step` or `--slow`: the view told one block at a time.
    pub pacing: Option<Pacing>,
    /// The language of every human-readable line.
    pub lang: Lang,
    /// Columns the view may take.
    pub width: usize,
    /// Long texts are not paged (`--no-pager`).
    pub no_pager: bool,
}

impl Presentation {
    /// From the parsed command line, with the environment's defaults (locale, terminal width).
    pub fn from_cli(cli: &Cli) -> Presentation {
        let pacing = match (cli.step, cli.slow) {
            (true, _) => Some(Pacing::Step),
            (false, Some(ms)) => Some(Pacing::Slow(Duration::from_millis(ms))),
            (false, None) => None,
        };
        Presentation {
            json: cli.json,
            pacing,
            lang: Presentation::lang_of(cli),
            width: render::terminal::width(cli.width),
            no_pager: cli.no_pager,
        }
    }

    /// `--lang`, else the locale's language.
    pub fn lang_of(cli: &Cli) -> Lang {
        cli.lang.map_or_else(Lang::from_env, Lang::from)
    }

    /// `--step` or `--slow` was given.
    pub fn is_paced(&self) -> bool {
        self.pacing.is_some()
    }
}
