//! Where the pilot's e-mail notices went: intake writes each as an `.eml` file to
//! `notices.mail_dir` when no SMTP server is set (`llo up` does so locally). The pilot
//! names the folder and the mail that told the one moved up from the wait list.
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// The text of intake's promotion notice (templates/notices/nl/promoted.txt); its subject
/// is encoded (RFC 2047) when the workshop's title is not ASCII, so the body is read.
const PROMOTED: &str = "Goed nieuws: er is een plek vrijgekomen";

/// Prints the mail folder and the promotion mail of `promoted` (their name, as the mail
/// greets them), waiting a while for intake's sender to write it.
pub async fn print(mail_dir: Option<&Path>, promoted: Option<&str>) {
    say!("\n== E-mail notices ==");
    let Some(dir) = mail_dir else {
        say!("Intake sends its notices over SMTP (or makes none): no mail folder to show.");
        return;
    };
    say!(
        "Intake's notices (bookings, wait list, promotion, cancellation, reminders, feedback, credentials) are .eml files in {}",
        dir.display()
    );
    let Some(name) = promoted else {
        return;
    };
    // Intake's sender looks every notices.poll_ms (1 s): a few seconds suffice.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(path) = promotion(dir, name) {
            say!("The wait-list promotion mail to {name}: {}", path.display());
            return;
        }
        if Instant::now() > deadline {
            say!(
                "No wait-list promotion mail to {name} in {} within 30 s.",
                dir.display()
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The newest promotion mail greeting `name` (a second run finds the first run's).
fn promotion(dir: &Path, name: &str) -> Option<PathBuf> {
    let greeting = format!("Beste {name},");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let text = unfolded(&text);
            let found = text.contains(PROMOTED) && text.contains(&greeting);
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            found.then_some((modified, path))
        })
        .max()
        .map(|(_, path)| path)
}

/// Quoted-printable decoded (a long greeting may be folded, a name may hold an "ö").
fn unfolded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let rest = &bytes[i + 1..];
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            let hex = rest.get(..2).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_printable_is_decoded() {
        assert_eq!(
            super::unfolded("Beste Ay=C5=9Fe =\r\n=C3=96zt=C3=BCrk,"),
            "Beste Ayşe Öztürk,"
        );
    }
}
