//! The demo's progress on stderr: "phase n of N" with a bar. On a terminal the bar is
//! one line redrawn in place, below whatever the demo prints (`say!` clears it, prints
//! the line on stdout and draws it again); otherwise a line per phase.
use std::{
    fmt,
    io::{IsTerminal, Write},
    sync::{Mutex, PoisonError},
    time::Instant,
};

/// `println!` that keeps the progress bar below the output.
macro_rules! say {
    () => {
        $crate::progress::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::progress::line(format_args!($($arg)*))
    };
}

const WIDTH: usize = 28;

struct State {
    phases: usize,
    phase: usize,
    title: String,
    step: Option<(usize, usize, String)>,
    terminal: bool,
    started: Instant,
}

impl State {
    fn render(&self) -> String {
        let mut done = self.phase.saturating_sub(1) as f64;
        if let Some((n, of, _)) = &self.step {
            done += *n as f64 / (*of).max(1) as f64;
        }
        let filled = ((done / self.phases.max(1) as f64) * WIDTH as f64).round() as usize;
        let filled = filled.min(WIDTH);
        let mut text = format!(
            "[{}{}] phase {} of {}: {}",
            "█".repeat(filled),
            "░".repeat(WIDTH - filled),
            self.phase,
            self.phases,
            self.title
        );
        if let Some((n, of, label)) = &self.step {
            text.push_str(&format!(
                " ({n}/{of}{}{label})",
                if label.is_empty() { "" } else { " " }
            ));
        }
        text.push_str(&format!("  {:.0} s", self.started.elapsed().as_secs_f64()));
        text
    }

    fn draw(&self) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}", self.render());
        let _ = err.flush();
    }

    fn clear(&self) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Option<State>) -> R) -> R {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut state)
}

/// Starts the bar; it stays until `finish` (or the handle is dropped).
pub fn start(phases: usize) -> Bar {
    with(|state| {
        *state = Some(State {
            phases,
            phase: 0,
            title: String::new(),
            step: None,
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
        });
    });
    Bar
}

/// The bar's handle: dropping it takes the bar off the screen.
pub struct Bar;

impl Bar {
    /// Enters phase `n` (1-based).
    pub fn phase(&self, n: usize, title: &str) {
        with(|state| {
            if let Some(s) = state {
                s.phase = n;
                s.title = title.to_owned();
                s.step = None;
                if s.terminal {
                    s.draw();
                } else {
                    eprintln!("{}", s.render());
                }
            }
        });
    }

    /// Progress within the phase: `n` of `of` done, working on `label`.
    pub fn step(&self, n: usize, of: usize, label: &str) {
        with(|state| {
            if let Some(s) = state {
                s.step = Some((n, of, label.to_owned()));
                if s.terminal {
                    s.draw();
                }
            }
        });
    }

    /// How long the bar has been running.
    pub fn elapsed(&self) -> std::time::Duration {
        with(|state| {
            state
                .as_ref()
                .map(|s| s.started.elapsed())
                .unwrap_or_default()
        })
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        with(|state| {
            if let Some(s) = state.take()
                && s.terminal
            {
                s.clear();
            }
        });
    }
}

/// Prints a line on stdout, keeping the bar (if any) below it.
pub fn line(args: fmt::Arguments<'_>) {
    with(|state| match state {
        Some(s) if s.terminal => {
            s.clear();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{args}");
            let _ = out.flush();
            drop(out);
            s.draw();
        }
        _ => println!("{args}"),
    });
}
