//! The running step's output: each stream through its own masker (a Secret's
//! data is held back until its kind is known), the masked text shown and
//! recorded, the printed text kept only to reveal on screen for this step.

use std::fmt;

use super::flow::{Level, OUTPUT_LINES, Wizard};
use super::secrets::Masker;

#[derive(Clone, PartialEq, Eq)]
pub struct OutputLine {
    /// As shown and recorded: secrets masked.
    pub text: String,
    pub stderr: bool,
    /// The line as the command printed it, when masking changed it: shown
    /// only while the operator reveals the current step, never recorded.
    pub raw: Option<String>,
}

impl OutputLine {
    pub(super) fn plain(text: String, stderr: bool) -> OutputLine {
        OutputLine {
            text,
            stderr,
            raw: None,
        }
    }
}

impl fmt::Debug for OutputLine {
    // Debug output may end up in logs: never the unmasked line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputLine")
            .field("text", &self.text)
            .field("stderr", &self.stderr)
            .field("masked", &self.raw.is_some())
            .finish()
    }
}

/// The masking of the running command's two streams.
#[derive(Debug, Clone, Default)]
pub struct OutputMasks {
    stdout: Option<Masker>,
    stderr: Option<Masker>,
}

impl OutputMasks {
    pub fn new(known: &[String]) -> OutputMasks {
        OutputMasks {
            stdout: Some(Masker::new(known)),
            stderr: Some(Masker::new(known)),
        }
    }
}

impl Wizard {
    /// One line the command printed.
    pub(super) fn take_output(&mut self, line: &str, stderr: bool) {
        let known = self.secrets();
        let masker = if stderr {
            &mut self.masks.stderr
        } else {
            &mut self.masks.stdout
        };
        let lines = masker.get_or_insert_with(|| Masker::new(&known)).push(line);
        self.push_output(lines, stderr);
    }

    /// The command ended: what the maskers still hold comes out, masked.
    pub(super) fn flush_output(&mut self) {
        for stderr in [false, true] {
            let masker = if stderr {
                &mut self.masks.stderr
            } else {
                &mut self.masks.stdout
            };
            let rest = masker.take().map(|mut m| m.finish()).unwrap_or_default();
            self.push_output(rest, stderr);
        }
    }

    fn push_output(&mut self, lines: Vec<(String, String)>, stderr: bool) {
        for (masked, raw) in lines {
            let text = self.mask(&masked);
            if self.output.len() >= OUTPUT_LINES {
                self.output.pop_front();
            }
            let raw = (text != raw).then_some(raw);
            self.output.push_back(OutputLine { text, stderr, raw });
            if self.scroll > 0 {
                self.scroll += 1;
            }
        }
    }

    pub(super) fn toggle_reveal(&mut self) {
        if self.reveal {
            self.reveal = false;
            self.say(Level::Info, "secrets masked again");
        } else if self.output.iter().any(|l| l.raw.is_some()) {
            self.reveal = true;
            self.say(
                Level::Warn,
                "secrets shown for this step only (not recorded); r masks them again",
            );
        } else {
            self.say(Level::Info, "nothing masked in this output");
        }
    }
}
