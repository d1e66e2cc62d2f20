//! The words of `lab lessons` and of the lines `lab lesson --run` adds around a demo.

use super::Words;
use crate::lang::Lang;
use crate::lesson::{Beside, LessonInfo};

impl Words {
    /// The command that runs a lesson's demo, as a student types it; for a demo in several
    /// terminals, with a shell comment saying what the others run.
    pub fn lesson_command(self, lesson: &LessonInfo) -> String {
        let command = lesson.command;
        match (self.0, lesson.beside) {
            (_, None) => command.to_string(),
            (Lang::En, Some(Beside::Chat)) => {
                format!("{command}   # and in a second terminal: lab chat")
            }
            (Lang::En, Some(Beside::Chats)) => {
                format!("{command}   # and in other terminals: lab chat, more than once")
            }
            (Lang::Zh, Some(Beside::Chat)) => format!("{command}   # 再在另一个终端里：lab chat"),
            (Lang::Zh, Some(Beside::Chats)) => {
                format!("{command}   # 再在另外几个终端里：lab chat，不止一个")
            }
        }
    }

    /// After the text of a lesson whose demo needs a server and a client apart.
    pub fn needs_two_terminals(self, command: &str) -> String {
        match self.0 {
            Lang::En => format!("\nThis lesson needs two terminals: {command}\n"),
            Lang::Zh => format!("\n这一课要开两个以上的终端：{command}\n"),
        }
    }
}
