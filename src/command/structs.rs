//! `lab struct pack|unpack|calcsize`: the action's values run through Python's struct
//! (`structfmt::report`), then the view or the JSON.

use super::Presentation;
use crate::cli::StructAction;
use crate::error::Error;
use crate::render::struct_view;
use crate::render::words::Words;
use crate::structfmt::report;

pub fn run(action: &StructAction, present: &Presentation) -> Result<String, Error> {
    let report = match action {
        StructAction::Pack { format, values } => report::pack(format, values)?,
        StructAction::Unpack { format, hex } => report::unpack(format, hex)?,
        StructAction::Calcsize { format } => {
            let format = report::calcsize(format)?;
            return Ok(if present.json {
                struct_view::render_calcsize_json(&format)
            } else {
                struct_view::render_calcsize(&format, present.width, Words(present.lang))
            });
        }
    };
    Ok(if present.json {
        struct_view::render_json(&report)
    } else {
        struct_view::render(&report, present.width, Words(present.lang))
    })
}
